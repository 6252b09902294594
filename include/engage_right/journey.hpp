#pragma once
/// @file journey.hpp
/// The customer journey: ordered stages, per-step pairing rules and the
/// journey-wide defaults of DESIGN.md section 2.

#include <engage_right/types.hpp>

#include <cstdint>
#include <filesystem>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace engage_right {

/// Rules for one step `s -> s+1` of a journey.
struct journey_step {
    bool enabled = true;                ///< pairing across this step allowed
    channel medium = channel::public_;  ///< where members of this step talk

    friend bool operator==(const journey_step&, const journey_step&) = default;
};

/// Points of one action in lead scoring.
struct action_points {
    double points = 0;       ///< points per event (may be negative)
    bool per_value = false;  ///< multiply by the event's `value`

    friend bool operator==(const action_points&, const action_points&) = default;
};

/// A fit rule: points for a member attribute (docs/journey.md "Lead scoring").
struct fit_rule {
    /// `tag`: the member has tag `name`; `equals`: column `name` equals `text`
    /// (ASCII case-insensitive, trimmed); `range`: column `name` is a number in
    /// [`min`, `max`].
    enum class kind : std::uint8_t { tag, equals, range };
    kind type = kind::tag;
    std::string name;                                       ///< the tag (lower case) or the column (lower case)
    std::string text;                                       ///< for `equals`
    double min = -std::numeric_limits<double>::infinity();  ///< for `range`, inclusive
    double max = std::numeric_limits<double>::infinity();   ///< for `range`, inclusive
    double points = 0;

    friend bool operator==(const fit_rule&, const fit_rule&) = default;
};

/// Points per action and per member attribute, with optional decay.
struct lead_scoring_config {
    /// Half-life of engagement points in days (> 0), or nullopt for no decay.
    std::optional<double> half_life_days;
    /// Action name (exact, case-sensitive) and its points, in file order.
    std::vector<std::pair<std::string, action_points>> actions;
    std::vector<fit_rule> fit;

    /// Points of an action, or nullptr when the action scores nothing.
    const action_points* find_action(std::string_view name) const noexcept;

    friend bool operator==(const lead_scoring_config&, const lead_scoring_config&) = default;
};

/// "Action `action` happened at least `at_least` times"; with alternatives,
/// the events of `action` and of every alternative count together ("asked or
/// answered at least once").
struct milestone {
    std::string action;
    std::uint32_t at_least = 1;
    std::vector<std::string> alternatives;  ///< further actions that count (JSON `any_of`)

    /// All actions that count: `action` and the alternatives.
    std::vector<std::string> actions() const {
        std::vector<std::string> out{action};
        out.insert(out.end(), alternatives.begin(), alternatives.end());
        return out;
    }

    friend bool operator==(const milestone&, const milestone&) = default;
};

/// What a member needs to hold a stage (all listed conditions, `>=`).
struct stage_rule {
    std::optional<double> min_score;  ///< total = fit + engagement
    std::optional<double> min_fit;
    std::optional<double> min_engagement;
    std::vector<milestone> milestones;

    friend bool operator==(const stage_rule&, const stage_rule&) = default;
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

    /// One of the presets: engage_right, four_phase, loyalty_loop, inbound,
    /// success. Presets are the JSON files of share/journeys/, embedded in the
    /// library; they include lead-scoring tables and stage rules.
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
    /// Free text describing the journey (may be empty).
    const std::string& description() const noexcept { return description_; }
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
    /// Lead scoring: points per action and attribute, decay.
    const lead_scoring_config& lead_scoring() const noexcept { return lead_scoring_; }
    /// Stage rule of stage `s` (1 .. stage_count()-1), or nullptr when the
    /// journey has none for it.
    const stage_rule* rule(stage_index s) const noexcept {
        return s < rules_.size() && rules_[s] ? &*rules_[s] : nullptr;
    }

    void set_name(std::string name) { name_ = std::move(name); }
    void set_description(std::string text) { description_ = std::move(text); }
    /// @throws config_error if `from` is not a step.
    void set_step(stage_index from, journey_step step);
    /// @throws config_error outside 0..11.
    void set_min_peer_satisfaction(int value);
    /// @throws config_error when negative.
    void set_default_capacity(int value);
    /// @throws config_error when a weight is negative or not finite.
    void set_weights(const score_weights& w);
    /// @throws config_error on a non-positive half-life, non-finite points,
    ///         an empty action name or a malformed fit rule.
    void set_lead_scoring(lead_scoring_config config);
    /// Set (or with nullopt remove) the rule of stage `s`.
    /// @throws config_error for the first stage, a stage that does not exist,
    ///         non-finite thresholds or a milestone with an empty action or
    ///         `at_least` of 0.
    void set_rule(stage_index s, std::optional<stage_rule> rule);

    friend bool operator==(const journey&, const journey&) = default;

private:
    std::string name_;
    std::string description_;
    std::vector<std::string> stages_;
    std::vector<journey_step> steps_;
    int min_peer_satisfaction_ = 7;
    int default_capacity_ = 3;
    score_weights weights_{};
    lead_scoring_config lead_scoring_{};
    std::vector<std::optional<stage_rule>> rules_;  // per stage; [0] always empty
};

/// Check weights: finite and non-negative. @throws config_error.
void validate_weights(const score_weights& w);

/// Set one weight by name (similarity, tags, proximity, happiness).
/// @throws config_error for an unknown name (the value is not checked here).
void set_weight(score_weights& w, std::string_view name, double value);

/// Parse `name=value[,name=value...]` (e.g. `similarity=0.6,tags=0.1`) over
/// `base`: names not given keep base's weight. The result is validated.
/// @throws config_error naming the item that is malformed, unknown or invalid.
score_weights parse_weights(std::string_view text, score_weights base);

/// Parse a stage gap `MIN:MAX` (e.g. `1:2`), integers with 1 <= MIN <= MAX.
/// @throws config_error naming the text and what was expected.
stage_gap parse_stage_gap(std::string_view text);

/// The `MIN:MAX` form of a stage gap.
std::string to_string(const stage_gap& gap);

/// Check a stage gap against a journey: 1 <= min <= max <= stage_count() - 1.
/// @throws config_error saying which bound is wrong.
void validate_stage_gap(const stage_gap& gap, const journey& j);

}  // namespace engage_right
