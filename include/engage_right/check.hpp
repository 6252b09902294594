#pragma once
/// @file check.hpp
/// Checking a journey against data (docs/journey.md, "Checking a journey"):
/// action and milestone names that never occur in the events, event actions
/// the journey ignores, fit tags nobody has, stages nobody can reach and
/// members recorded at a stage their events never reached. A misspelt name
/// in a journey otherwise fails silently (the action scores 0, nobody
/// reaches the stage); these findings say so.

#include <engage_right/journey.hpp>
#include <engage_right/lead_scoring.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace engage_right {

/// What a finding is about. The names (to_string) are stable: scripts may
/// rely on them.
enum class finding_kind : std::uint8_t {
    unknown_action,      ///< an action of lead_scoring.actions never occurs in the events
    unknown_milestone,   ///< an action a milestone names (or an any_of alternative) never occurs in the events
    unused_action,       ///< an action of the events that the journey neither scores nor names in a milestone
    unknown_tag,         ///< a fit rule's tag that no member has
    missing_rule,        ///< some stages have rules, this one (after the first) has none: inference fails
    unreachable_stage,   ///< no member can reach the stage: by the rules alone, or given the events
    unreachable_member,  ///< a member's recorded stage is beyond anything their events reach by the rules
};

/// "unknown_action", "unknown_milestone", ... (the enumerator's name).
const char* to_string(finding_kind k) noexcept;
/// Parse a kind's name. @throws config_error naming the known kinds.
finding_kind parse_finding_kind(std::string_view name);

/// One finding.
struct finding {
    finding_kind kind = finding_kind::unknown_action;
    /// The action (action kinds), the tag (unknown_tag), the stage's name
    /// (stage kinds) or the member id (unreachable_member).
    std::string subject;
    /// The stage concerned: the rule's stage (unknown_milestone), the stage
    /// (missing_rule, unreachable_stage), the recorded stage
    /// (unreachable_member); nullopt otherwise.
    std::optional<stage_index> stage;
    /// unreachable_member: the furthest stage the member's events reach
    /// (held at some time up to as_of, or now).
    std::optional<stage_index> reachable;
    /// unused_action: events of the action; unreachable_stage: members
    /// recorded at the stage; unreachable_member: the member's events; 0
    /// otherwise.
    std::size_t count = 0;
    /// One line of text, the same the CLI prints.
    std::string message;

    friend bool operator==(const finding&, const finding&) = default;
};

/// Options of check_journey().
struct check_options {
    /// as_of (default: the latest event) and threads of the stage inference.
    lead_options lead;
    /// False when the member table holds only ids (events read without
    /// members.csv, see event_members()): fit points are then unknown and
    /// taken at their most (every positive fit rule matched), so that a stage
    /// called unreachable is unreachable whatever the members' attributes.
    bool member_attributes = true;
    /// An inference already made from the same tables, journey and options
    /// (infer-stages has one): reused instead of inferring again. Borrowed.
    const stage_inference* inference = nullptr;
};

/// Check a journey, alone or against members and events.
///
/// - Without data: stages whose rule cannot hold whatever the events
///   (min_fit above every fit point together, min_engagement or min_score
///   out of reach with no action scoring positive points), and stages
///   without a rule when others have one.
/// - With members: fit rule tags no member has.
/// - With events (members required: events point into the member table):
///   unknown and unused action names; stages no member ever held (the stage
///   history up to as_of, or the stage now), with the conditions nobody
///   met; members whose recorded stage is beyond the furthest stage they
///   ever held. Stage findings need a rule for every stage after the first.
///
/// Findings come in the order of finding_kind, then journey order (actions,
/// stages), first appearance in the events (unused actions) or member row.
/// Cost: at most two stage inferences, O(E log E) each.
/// @throws config_error when events are given without members or point
///         outside the member table, or as infer_stages().
std::vector<finding> check_journey(const journey& j, const member_table* members = nullptr,
                                   const event_table* events = nullptr, const check_options& options = {});

/// The findings as short text, one line each, except that members recorded
/// beyond their reach are summed up per recorded stage ("1175 members are
/// recorded at 'interested' but their events never reach it by the stage
/// rules: '1', '2', ... and 1170 more"): what the CLI prints as warnings and
/// the Python lead functions keep in `attrs["findings"]`. At most one line
/// per finding that is not about a member, plus one per stage.
std::vector<std::string> finding_summary(const journey& j, const std::vector<finding>& findings);

/// The members events.csv names, as a member table of ids only (no stage,
/// no attributes), in order of first appearance: to read events when
/// members.csv is not at hand (then check_options::member_attributes =
/// false). @throws input_error naming file, line and column.
member_table parse_event_members(std::string_view text, std::string_view source = "events.csv");
/// Read the members events.csv names. @throws input_error.
member_table read_event_members(const std::filesystem::path& path);

}  // namespace engage_right
