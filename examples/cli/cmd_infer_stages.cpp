// engage-right infer-stages: stages from the journey's milestone rules, the
// checklist of the next stage, and the stage history.

#include "common.hpp"

namespace cli {
namespace {

constexpr const char* usage = R"(usage: engage-right infer-stages --members FILE --events FILE [options]

Infers every member's stage from the journey's stage rules: the furthest stage
whose rule holds together with the rules of all earlier stages. Also reports
the checklist of the next stage and, with --history-out, when each member
first held each stage.

options:
  --members FILE, --events FILE, --journey PRESET|FILE, --as-of TIME,
  --skip-unknown-members, --strict   as for score
  --history-out FILE       write the stage history as stages.csv
                           (member,stage,timestamp)
  --format table|csv|json  output format (default table)
  --output FILE            write there instead of standard output

columns: member,recorded_stage,stage,fit,engagement,total,next_stage,
         next_milestone ("item: yes|no" items separated by "; ")
)";

void run(const arguments& a) {
    const lead_inputs in = load_lead_inputs(a);
    const er::stage_inference inf = er::infer_stages(in.members, in.events, in.j, in.options);
    check_lead_inputs(a, in, &inf);
    result_table t(er::columns::infer, inf.size());
    const auto& j = in.j;
    for (std::size_t i = 0; i < inf.size(); ++i) {
        const bool known = in.members.stage_known.empty() || in.members.stage_known[i];
        const std::size_t next = std::size_t{inf.stage[i]} + 1;
        t.rows.push_back(
            {cell::str(in.members.id[i]), known ? cell::str(j.stage_name(in.members.stage[i])) : cell::none(),
             cell::str(j.stage_name(inf.stage[i])), cell::dec(inf.scores[i].fit), cell::dec(inf.scores[i].engagement),
             cell::dec(inf.scores[i].total),
             next < j.stage_count() ? cell::str(j.stage_name(static_cast<er::stage_index>(next))) : cell::none(),
             cell::str(er::checklist_text(er::next_milestone(inf, j, i)))});
    }
    if (auto h = a.get("history-out"))
        write_file(*h, "history", [&](std::ostream& out) { er::write_stage_history(out, inf, in.members, j); });
    emit(a, t);
}

}  // namespace

const command infer_stages_command{
    "infer-stages", "stages from the journey's milestone rules, next milestones,\nstage history", usage,
    "members! events! journey as-of history-out format output +skip-unknown-members +strict", run};

}  // namespace cli
