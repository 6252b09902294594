#pragma once
/// @file journey.hpp
/// The customer journey: ordered stages, per-step pairing rules and the
/// journey-wide defaults of DESIGN.md section 2.

#include <engage_right/types.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace engage_right {

/// Rules for one step `s -> s+1` of a journey.
struct journey_step {
    bool enabled = true;                 ///< pairing across this step allowed
    channel medium = channel::public_;   ///< where members of this step talk

    friend bool operator==(const journey_step&, const journey_step&) = default;
};

/// An ordered list of 2 to 64 stages with per-step rules.
///
/// Stage names are unique, case-insensitively; lookups ignore ASCII case.
/// Immutable once built except through the setters, which validate.
class journey {
public:
    /// The default journey: the `engage_right` preset.
    journey();

    /// A journey with the given stages; steps get the default channels (first
    /// and last step private, the others public), all enabled.
    /// @throws config_error on fewer than 2 or more than 64 stages, empty or
    ///         duplicate names.
    explicit journey(std::vector<std::string> stages, std::string name = "custom");

    /// One of the presets: engage_right, four_phase, loyalty_loop, inbound, success.
    /// @throws config_error naming the known presets when `name` is unknown.
    static journey preset(std::string_view name);

    /// Names of the presets, in documentation order.
    static std::vector<std::string> preset_names();

    /// Parse the JSON form (see docs/journey.md). `source` names the text in
    /// error messages. @throws config_error with the JSON path of the problem.
    static journey from_json(std::string_view json_text, std::string_view source = "<journey>");

    /// Load from a JSON file. @throws config_error (also when unreadable).
    static journey load(const std::filesystem::path& path);

    /// A preset name, or else a path to a JSON file.
    static journey from_preset_or_file(std::string_view preset_or_path);

    /// The JSON form; `from_json(to_json())` gives an equal journey.
    std::string to_json() const;

    /// Write the JSON form to a file. @throws error when it cannot be written.
    void save(const std::filesystem::path& path) const;

    const std::string& name() const noexcept { return name_; }
    std::size_t stage_count() const noexcept { return stages_.size(); }
    const std::vector<std::string>& stages() const noexcept { return stages_; }
    const std::string& stage_name(stage_index s) const { return stages_.at(s); }

    /// Index of a stage by name (ASCII case-insensitive), or nullopt.
    std::optional<stage_index> find_stage(std::string_view name) const noexcept;

    /// Rules of step `from -> from+1`; `from < stage_count()-1`.
    const journey_step& step(stage_index from) const { return steps_.at(from); }
    const std::vector<journey_step>& steps() const noexcept { return steps_; }

    /// Peers below this satisfaction are never recommended (0..11; 11 excludes
    /// every peer with a known satisfaction). Default 7.
    int min_peer_satisfaction() const noexcept { return min_peer_satisfaction_; }
    /// Capacity of a member whose capacity is not given. Default 3.
    int default_capacity() const noexcept { return default_capacity_; }
    /// Score weights of the reference scoring.
    const score_weights& weights() const noexcept { return weights_; }

    void set_name(std::string name) { name_ = std::move(name); }
    /// @throws config_error if `from` is not a step.
    void set_step(stage_index from, journey_step step);
    /// @throws config_error outside 0..11.
    void set_min_peer_satisfaction(int value);
    /// @throws config_error when negative.
    void set_default_capacity(int value);
    /// @throws config_error when a weight is negative or not finite.
    void set_weights(const score_weights& w);

    friend bool operator==(const journey&, const journey&) = default;

private:
    std::string name_;
    std::vector<std::string> stages_;
    std::vector<journey_step> steps_;
    int min_peer_satisfaction_ = 7;
    int default_capacity_ = 3;
    score_weights weights_{};
};

/// Check weights: finite and non-negative. @throws config_error.
void validate_weights(const score_weights& w);

}  // namespace engage_right
