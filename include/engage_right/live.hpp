#pragma once
/// @file live.hpp
/// A community that changes while it is queried: members join, change stage
/// or satisfaction, meet, and ask to be forgotten. Queries run on immutable
/// versions; an update builds the next version and swaps it in atomically.

#include <engage_right/community.hpp>

#include <cstdint>
#include <filesystem>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace engage_right {

/// A member's fields for add_member / update_member, with the meaning of the
/// members.csv columns (DESIGN.md section 2) and checked by the same rules.
/// A field left nullopt keeps its value (update) or takes the default (add).
/// NaN in satisfaction, capacity or activity is an empty cell: unknown, the
/// journey default, not given.
struct member_fields {
    std::optional<std::string> stage;              ///< a stage name of the journey (case-insensitive)
    std::optional<double> satisfaction;            ///< integer 0..10, NaN = unknown
    std::optional<double> capacity;                ///< integer >= 0, NaN = the journey default
    std::optional<bool> opted_out;                 ///< never paired when true
    std::optional<double> activity;                ///< finite >= 0, NaN = not given
    std::optional<std::vector<std::string>> tags;  ///< trimmed and lower-cased like the tags column
    std::optional<std::vector<float>> features;    ///< exactly dimensions() finite values
};

/// One update, for apply().
struct live_update {
    enum class kind : std::uint8_t { add_member, update_member, add_interaction, erase };
    kind what = kind::add_member;
    std::string id;                                               ///< the member (add_interaction: the source)
    std::string other;                                            ///< add_interaction: the target
    member_fields fields;                                         ///< add_member, update_member
    double weight = 1.0;                                          ///< add_interaction: > 0
    double timestamp = std::numeric_limits<double>::quiet_NaN();  ///< add_interaction: unix seconds, NaN = none

    static live_update add(std::string id, member_fields f);
    static live_update update(std::string id, member_fields f);
    static live_update interaction(std::string source, std::string target, double weight = 1.0,
                                   double timestamp = std::numeric_limits<double>::quiet_NaN());
    static live_update erase_member(std::string id);
};

/// A community that accepts updates while any number of threads query it.
///
/// Concurrency contract (docs/reliability.md): current() hands out an
/// immutable version (a shared community); queries on it see one state,
/// never a mix, however long they run. Updates are serialised (one writer at
/// a time; others wait) and each builds the next version from the data it
/// holds, then publishes it with one pointer swap under a short lock. A version stays alive while
/// a query holds it, and no longer.
///
/// Incremental equals rebuild: every version is exactly the community that
/// community(journey, members, interactions) builds from the current data
/// (members in the order they were added, interaction rows in the order
/// they were added), so every answer is byte-identical to that of a fresh
/// load of the same data.
///
/// Cost: an update (or a batch given to apply()) costs O(n + m) for n
/// members and m interaction rows, the cost of building a community; batch
/// updates that arrive together.
class live_community {
public:
    /// An empty community on a journey, whose members will have `dimensions`
    /// features each (0: none).
    explicit live_community(engage_right::journey j = {}, std::size_t dimensions = 0);
    /// Start from an existing community (its data are copied).
    explicit live_community(const community& c);
    /// members.csv and interactions.csv, as community::from_csv.
    static live_community from_csv(const std::filesystem::path& members,
                                   const std::optional<std::filesystem::path>& interactions = std::nullopt,
                                   engage_right::journey j = {});
    /// A snapshot file (see snapshot.hpp). @throws input_error.
    static live_community load(const std::filesystem::path& path);

    live_community(const live_community&) = delete;
    live_community& operator=(const live_community&) = delete;
    live_community(live_community&&) noexcept;
    live_community& operator=(live_community&&) noexcept;
    ~live_community();

    /// The current version: a pointer copied under a short lock (never held
    /// during a rebuild); hold it for as long as a query needs one
    /// consistent state.
    std::shared_ptr<const community> current() const;
    /// Number of versions published so far (0 for the initial one).
    std::uint64_t version() const;

    /// A new member. @throws config_error (bad field, id taken) naming the
    /// update; nothing changes then.
    void add_member(std::string id, const member_fields& fields);
    /// Change some fields of a member. @throws not_found_error, config_error.
    void update_member(std::string_view id, const member_fields& fields);
    /// A contact between two members (rows merge like interactions.csv).
    /// @throws not_found_error, config_error.
    void add_interaction(std::string_view source, std::string_view target, double weight = 1.0,
                         double timestamp = std::numeric_limits<double>::quiet_NaN());
    /// Forget a member: their row, their interaction rows and any tag only
    /// they used leave the data (their bytes are overwritten before release);
    /// no later version, snapshot or export holds them. Versions handed out
    /// before keep them until their last holder lets go.
    /// @throws not_found_error.
    void erase(std::string_view id);
    /// Several updates, all or nothing, published as one version.
    /// @throws as the single updates, naming the update's position.
    void apply(const std::vector<live_update>& updates);

    /// Write the current version as a snapshot file (see snapshot.hpp).
    void save(const std::filesystem::path& path) const;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace engage_right
