#pragma once
// What the two importers (stackexchange.cpp, threads.cpp) share: times in
// milliseconds, the stage mapping and the dated stage history, members'
// top tags, the sorted events table, the output columns and journey.json.

#include <engage_right/adapters.hpp>
#include <engage_right/journey.hpp>

#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace engage_right::detail {

/// Milliseconds since 1970-01-01 UTC.
using time_ms = std::int64_t;
inline constexpr time_ms no_time = std::numeric_limits<time_ms>::min();

/// A timestamp (unix seconds or ISO-8601) in milliseconds, or nullopt.
std::optional<time_ms> parse_time_ms(std::string_view text) noexcept;
/// Unix seconds to milliseconds (rounded).
time_ms seconds_to_ms(double seconds) noexcept;
/// `YYYY-MM-DDTHH:MM:SS.fff`, UTC: the form of the dumps' own dates.
std::string format_time_ms(time_ms t);
/// The same into `out` (23 characters); returns the end.
char* format_time_ms(time_ms t, char* out) noexcept;

/// Ids to rows: a plain array for the dense non-negative ids of dumps, a
/// hash table for the others.
class id_lookup {
public:
    /// False when the id is there already.
    bool insert(std::int64_t id, std::uint32_t row);
    std::optional<std::uint32_t> find(std::int64_t id) const noexcept;

private:
    static constexpr std::uint32_t none = 0xFFFFFFFFu;
    std::vector<std::uint32_t> dense_;
    std::unordered_map<std::int64_t, std::uint32_t> sparse_;
    std::size_t size_ = 0;
};

/// What the stage mapping looks at, for one member at one time.
struct member_state {
    double reputation = 1;
    std::uint32_t questions = 0;  ///< questions asked (threads started)
    std::uint32_t answers = 0;    ///< answers (replies) written
    std::uint32_t comments = 0;   ///< comments written
    std::uint32_t contributions() const noexcept { return questions + answers + comments; }
};

/// The stage of a member state under a mapping; activity quantiles are
/// fixed from the final states.
class stage_mapper {
public:
    stage_mapper(const stage_mapping& m, std::size_t stage_count, std::span<const member_state> final_states);
    stage_index operator()(const member_state& s) const noexcept;

private:
    stage_mapping m_;
    std::size_t stages_;
    std::vector<std::uint32_t> active_counts_;  // sorted contributions of the active members (quantiles)
};

/// A dated change of a member's state.
struct state_change {
    enum class kind : std::uint8_t { question, answer, comment, reputation };
    std::uint32_t member = 0;
    time_ms time = 0;
    kind what = kind::reputation;
    double delta = 0;  ///< reputation change
};

/// stages.csv rows: the stage at the member's creation (changes up to then
/// included), then one row each time the mapped stage changes (changes at
/// the same time are applied together). `base_reputation[m]` is the reputation before any change of
/// `changes` (unclamped: the shown reputation is max(1, base + changes so
/// far)). `created[m]` may be no_time (then the member's first change).
/// `changes` is sorted here.
struct stage_row {
    std::uint32_t member;
    stage_index stage;
    time_ms time;
};
std::vector<stage_row> stage_history(const stage_mapper& map, std::span<const time_ms> created,
                                     std::span<const double> base_reputation, std::vector<state_change> changes);

/// Counts of tags per member (tag ids into a name list).
using tag_counts = std::unordered_map<std::uint32_t, std::uint32_t>;
/// The k most frequent tags, ties alphabetical, ';'-joined.
std::string top_tags(const tag_counts& counts, const std::vector<std::string>& names, std::size_t k);

/// Split a tag cell: `<a><b>` (dump XML), `|a|b|` (newer dumps) or `a;b`.
void split_tags(std::string_view cell, std::vector<std::string_view>& out);

/// Interned strings (tags, actions) numbered in order of first appearance.
class name_table {
public:
    std::uint32_t intern(std::string_view s);
    const std::vector<std::string>& names() const noexcept { return names_; }

private:
    std::unordered_map<std::string, std::uint32_t> index_;
    std::vector<std::string> names_;
};

/// One row of events.csv before sorting.
struct event_row {
    time_ms time;
    std::uint32_t member;
    std::uint32_t action;  ///< into the action names
    std::int32_t value;    ///< no_value = empty cell
};
inline constexpr std::int32_t no_value = std::numeric_limits<std::int32_t>::min();

/// events.csv, sorted by (time, member row, action name, value).
import_table events_table(std::vector<event_row> rows, const std::vector<std::string>& actions,
                          const std::vector<std::string>& member_ids);

/// stages.csv, sorted by (time, member row, stage).
import_table stages_table(std::vector<stage_row> rows, const std::vector<std::string>& member_ids, const journey& j);

/// Column builders.
import_column text_column(std::string name, std::vector<std::string> values);
import_column integer_column(std::string name, std::vector<std::int64_t> values);
/// Text as codes into labels (missing_integer = empty cell).
import_column coded_column(std::string name, std::vector<std::int64_t> codes, std::vector<std::string> labels);
import_column time_column(std::string name, std::vector<std::int64_t> values);
import_column real_column(std::string name, std::vector<double> values, int decimals);

/// The defaults an importer gives journey.json for its actions.
struct journey_defaults {
    std::string name;         ///< for a preset base
    std::string description;  ///< for a preset base
    double half_life_days = 90;
    /// Points of an occurring action that the base journey does not score.
    std::function<double(const std::string&)> points;
    std::vector<fit_rule> fit;
    /// Rules for a journey of 5 stages (index 1..4); milestones naming an
    /// action that does not occur are dropped.
    std::vector<std::optional<stage_rule>> rules;
};

/// members.csv's leading columns, as every importer writes them: id, stage
/// (coded by the journey's stages), empty satisfaction and capacity,
/// opted_out 0. The importer appends its own columns.
import_table members_table(const std::vector<std::string>& ids, std::vector<std::int64_t> stage, const journey& j);

/// interactions.csv as every importer writes it: source and target coded by
/// the member ids, weight, timestamp, kind coded by `kinds`, then `content`
/// (the content id column, named "content").
import_table interactions_table(const std::vector<std::string>& ids, std::vector<std::int64_t> source,
                                std::vector<std::int64_t> target, std::vector<std::int64_t> weight,
                                std::vector<std::int64_t> when, std::vector<std::int64_t> kind,
                                std::vector<std::string> kinds, import_column content);

/// content.csv's leading columns, as every importer writes them: id, author
/// coded by the member ids, kind coded by `kinds`, parent, created, tags
/// (';'-separated). The importer appends its own columns.
import_table import_content_table(import_column id, const std::vector<std::string>& ids,
                                  std::vector<std::int64_t> author, std::vector<std::int64_t> kind,
                                  std::vector<std::string> kinds, import_column parent,
                                  std::vector<std::int64_t> created, std::vector<std::string> tags);

/// The default rules of an importer's 5-stage journey (index 1..4):
/// interested at a lead score of 3; newcomer once `started` (or `replied`)
/// happened; loyal once `replied` happened and `received` 5 times; advocate at
/// a lead score of 50 and the `advocate` milestones.
std::vector<std::optional<stage_rule>> default_stage_rules(const std::string& started, const std::string& replied,
                                                           const std::string& received,
                                                           std::vector<milestone> advocate);

/// The output journey: the base's stages and settings; lead scoring over
/// `actions` (the actions that occur, in this order) with the base's points
/// where it names them and the defaults elsewhere; the base's fit, half-life
/// and stage rules when the base was written for these actions, else the
/// defaults (docs/import.md, "journey.json").
journey import_journey(const journey& base, const std::vector<std::string>& actions, const journey_defaults& d);

/// The mapping given, or the importer's default.
stage_mapping mapping_or(const import_options& o, stage_mapping::kind fallback, const journey& j);

/// log1p(count) rounded to 4 decimals: the behaviour features f_*.
double log_count(double count) noexcept;

}  // namespace engage_right::detail
