#pragma once
/// @file lead_scoring.hpp
/// Lead scoring with decay, milestone-based stage inference and stage
/// history (docs/journey.md, sections "Lead scoring" and "Stage rules").
///
/// Everything works on tables in input order: a member_table (stages may be
/// absent) and an event_table whose rows point into it. Results are indexed
/// by member row.

#include <engage_right/community.hpp>
#include <engage_right/io.hpp>
#include <engage_right/journey.hpp>

#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace engage_right {

/// Events as columns: what each member did and when.
struct event_table {
    std::vector<std::uint32_t> member;      ///< row in the member table
    std::vector<std::uint32_t> action;      ///< index into action_names
    std::vector<double> timestamp;          ///< unix seconds
    std::vector<double> value;              ///< NaN when empty; empty vector: no value column
    std::vector<std::string> action_names;  ///< distinct actions in order of first appearance
    /// Rows dropped because their member is unknown (only with
    /// event_read_options::skip_unknown_members).
    std::size_t skipped_unknown_members = 0;

    std::size_t size() const noexcept { return member.size(); }
};

/// Events as in-memory columns (a DataFrame whose members and actions were
/// already coded), borrowed for the duration of build_events().
struct event_columns {
    std::span<const std::uint32_t> member;         ///< row in the member table
    std::span<const std::uint32_t> action;         ///< index into action_names
    std::span<const std::string> action_names;     ///< distinct, trimmed, non-empty
    std::span<const double> timestamp;             ///< unix seconds
    std::optional<std::span<const double>> value;  ///< NaN = empty; nullopt: no value column
    /// Instead of `value`: the value cells as text, read with the events.csv
    /// rule (a finite number, or empty).
    std::optional<std::span<const std::string>> value_text;
    /// Optional: the caller's row of every event (for messages), e.g. when
    /// rows were dropped; empty = the event's own position.
    std::span<const std::int64_t> origin;
    std::size_t skipped = 0;  ///< rows the caller dropped (unknown members)
};

/// An event table from columns, with the rules of events.csv (finite times
/// and values, actions scored per value need a value); actions are numbered
/// by first appearance as the reader does. Errors name the row.
/// @throws config_error.
event_table build_events(const event_columns& columns, std::size_t member_count, const journey& j);

/// Options of the events.csv reader.
struct event_read_options {
    /// Drop (and count) rows whose member is not in the member table instead
    /// of failing.
    bool skip_unknown_members = false;
};

/// Parse events.csv text (`member,action,timestamp[,value]`) against a member
/// table. The journey says which actions need a value (`per_value`).
/// @throws input_error naming file, line and column.
event_table parse_events(std::string_view text, const member_table& members, const journey& j,
                         std::string_view source = "events.csv", const event_read_options& options = {});

/// Read events.csv from a file. @throws input_error.
event_table read_events(const std::filesystem::path& path, const member_table& members, const journey& j,
                        const event_read_options& options = {});

/// How members.csv must be read for the journey's fit rules and for stage
/// inference: stages optional, the columns named by fit rules kept as text.
member_read_options lead_read_options(const journey& j);

/// Fit, engagement and total score of one member.
struct lead_score {
    double fit = 0;         ///< points of the fit rules matched
    double engagement = 0;  ///< decayed points of the events up to as_of
    double total = 0;       ///< fit + engagement

    friend bool operator==(const lead_score&, const lead_score&) = default;
};

/// Options shared by lead_scores() and infer_stages().
struct lead_options {
    /// Score time in unix seconds; events after it are ignored. Default: the
    /// latest event timestamp (NaN when there are no events).
    std::optional<double> as_of;
    /// Worker threads; 0 = all cores. Results do not depend on it.
    unsigned threads = 0;
};

/// Scores per member row, and the as_of used.
struct lead_scores_result {
    double as_of = 0;
    std::vector<lead_score> scores;
};

/// Lead scores of every member. O(E log E_max + n * fit rules), E_max the
/// most events of one member.
/// @throws config_error when a fit rule needs a column the table lacks.
lead_scores_result lead_scores(const member_table& members, const event_table& events, const journey& j,
                               const lead_options& options = {});

/// One item of a stage rule and whether a member meets it.
struct requirement {
    enum class kind : std::uint8_t { score, fit, engagement, milestone };
    kind type = kind::score;
    std::string action;   ///< for milestones: the action, or "a or b" for alternatives
    double required = 0;  ///< threshold, or count for milestones
    double current = 0;   ///< the member's value
    bool met = false;

    /// e.g. `score >= 20 (has 12.5)`, `purchase x2 (has 1)`, `review`.
    std::string text() const;
};

/// Inferred stages, scores and history of every member row.
struct stage_inference {
    double as_of = 0;  ///< time of the inference (see lead_options)
    std::size_t stage_count = 0;
    std::vector<lead_score> scores;  ///< per member row
    std::vector<stage_index> stage;  ///< inferred stage per member row
    /// rows x stage_count, row-major: when the member first held the stage
    /// (unix seconds), NaN when never. A member holds stage s at time t when
    /// the rules of stages 1..s all hold at t.
    std::vector<double> entered;
    /// Distinct actions named by milestones, and the members' counts of them
    /// (rows x milestone_actions.size(), row-major) up to as_of.
    std::vector<std::string> milestone_actions;
    std::vector<std::uint32_t> milestone_counts;

    double entered_at(std::size_t row, stage_index s) const noexcept { return entered[row * stage_count + s]; }
    std::size_t size() const noexcept { return stage.size(); }
};

/// Infer every member's stage from the journey's stage rules (the furthest
/// stage whose rule holds together with the rules of all earlier stages), with
/// scores and the stage history.
/// @throws config_error when a stage after the first has no rule, or as lead_scores().
stage_inference infer_stages(const member_table& members, const event_table& events, const journey& j,
                             const lead_options& options = {});

/// The checklist of the rule of the stage after the member's inferred stage;
/// empty for members at the last stage.
std::vector<requirement> next_milestone(const stage_inference& inference, const journey& j, std::size_t row);

/// The checklist of the rule of stage `s` for a member (scores and counts at
/// the inference's as_of); empty when the stage has no rule.
/// @throws config_error for a row or stage out of range.
std::vector<requirement> requirements(const stage_inference& inference, const journey& j, std::size_t row,
                                      stage_index s);

/// A checklist as one line of text: `item: yes|no` items joined by `; `
/// (the next_milestone column of infer-stages), e.g.
/// `score >= 20 (has 12.5): no; review: yes`.
std::string checklist_text(std::span<const requirement> items);

/// Stage history rows (member row, stage, time) in member-row then stage
/// order: the content of stages.csv.
struct stage_entry {
    std::uint32_t member = 0;
    stage_index stage = 0;
    double timestamp = 0;
};
std::vector<stage_entry> stage_history(const stage_inference& inference);

/// Write stages.csv (`member,stage,timestamp`, ISO-8601 UTC times) from
/// columns of equal length. @throws config_error naming the row of a
/// non-finite timestamp or when the lengths differ (nothing is written then).
void write_stage_history(std::ostream& out, std::span<const std::string> members, std::span<const std::string> stages,
                         std::span<const double> seconds);

/// Write stages.csv to a file; the columns are checked before the file is
/// created. @throws config_error as above, error when the file cannot be written.
void write_stage_history(const std::filesystem::path& path, std::span<const std::string> members,
                         std::span<const std::string> stages, std::span<const double> seconds);

/// Write the stage history of an inference as stages.csv (ids from `members`,
/// stage names from `j`).
void write_stage_history(std::ostream& out, const stage_inference& inference, const member_table& members,
                         const journey& j);

}  // namespace engage_right
