// engage-right check: a journey against members and events.

#include "common.hpp"

#include <fmt/format.h>

#include <sstream>

namespace cli {
namespace {

constexpr const char* usage =
    R"(usage: engage-right check --journey PRESET|FILE [--events FILE] [--members FILE] [options]

Checks a journey against its data, so that a misspelt name does not fail
silently (an action that never occurs scores nothing, a milestone that never
occurs lets nobody reach its stage). Findings (docs/journey.md, "Checking a
journey"):

  unknown_action      an action of lead_scoring.actions never occurs in the events
  unknown_milestone   an action a stage rule's milestone names never occurs
  unused_action       an action of the events the journey neither scores nor
                      names in a milestone
  unknown_tag         a fit rule's tag no member has (needs --members)
  missing_rule        some stages have a rule, this one has none
  unreachable_stage   no member can reach the stage: its rule cannot hold
                      whatever the events, or no member held it in the events
  unreachable_member  a member recorded (members.csv) at a stage beyond the
                      furthest stage their events ever reached by the rules

The findings go to standard output (one row each) and, as warnings, to
standard error, where score, infer-stages and stats --events print the same
lines. Exit code 0, or 2 with --strict when there are findings.

options:
  --journey PRESET|FILE    the journey to check (required)
  --events FILE            events.csv (member, action, timestamp[, value])
  --members FILE           members.csv; without it, the members are those the
                           events name and fit points are taken at their most
  --as-of TIME, --skip-unknown-members   as for score
  --strict                 exit code 2 when there are findings
  --format table|csv|json  output format (default table)
  --output FILE            write there instead of standard output

columns: kind,subject,stage,reachable_stage,count,message
)";

void run(const arguments& a) {
    const format f = format_of(a);
    const er::journey j = journey_of(a);
    const auto members_path = a.get("members"), events_path = a.get("events");
    if (!events_path && (a.has("as-of") || a.has("skip-unknown-members")))
        throw usage_error("options --as-of and --skip-unknown-members need --events");
    er::check_options o;
    o.lead.as_of = time_option(a, "as-of");
    er::member_table members;
    er::event_table events;
    if (members_path) {
        members = er::read_members(*members_path, j, er::lead_read_options(j));
    } else if (events_path) {
        members = er::read_event_members(*events_path);
        o.member_attributes = false;
    }
    if (events_path) {
        er::event_read_options eo;
        eo.skip_unknown_members = a.has("skip-unknown-members");
        events = er::read_events(*events_path, members, j, eo);
        warn_count(*events_path, events.skipped_unknown_members, "event", "of unknown members skipped");
    }
    const auto findings =
        er::check_journey(j, members_path || events_path ? &members : nullptr, events_path ? &events : nullptr, o);

    result_table t(er::columns::check, findings.size());
    auto stage = [&](const std::optional<er::stage_index>& s) {
        return s ? cell::str(j.stage_name(*s)) : cell::none();
    };
    for (const auto& x : findings)
        t.rows.push_back({cell::str(er::to_string(x.kind)), cell::str(x.subject), stage(x.stage), stage(x.reachable),
                          cell::count(x.count), cell::str(x.message)});
    std::ostringstream buf;
    if (f == format::table) {
        if (!findings.empty()) {
            write(buf, t, f);
            buf << "\n";
        }
        buf << fmt::format("{} finding{} for journey '{}'\n", findings.size(), plural(findings.size()), j.name());
    } else {
        write(buf, t, f);
    }
    warn_findings(j, findings);
    emit_text(a, buf.str());
    strict_findings(a, findings);
}

}  // namespace

const command check_command{"check",
                            "check a journey against members and events: unknown or unused\nactions, "
                            "unreachable stages and members",
                            usage, "journey! events members as-of format output +skip-unknown-members +strict", run};

}  // namespace cli
