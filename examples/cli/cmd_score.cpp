// engage-right score: lead scores (fit and decayed engagement) from events.

#include "common.hpp"

namespace cli {
namespace {

constexpr const char* usage = R"(usage: engage-right score --members FILE --events FILE [options]

Lead scores per member: fit points for attributes plus engagement points for
actions, halved every half_life_days (the journey's lead_scoring section).

options:
  --members FILE           members.csv (the stage column is optional here)
  --events FILE            events.csv (member, action, timestamp[, value])
  --journey PRESET|FILE    engage_right (default), four_phase, loyalty_loop,
                           inbound, success, or a journey JSON file
  --as-of TIME             score time, unix seconds or ISO-8601 (default: the
                           latest event); later events are ignored
  --skip-unknown-members   drop events of ids missing from members.csv
                           (counted on stderr) instead of failing
  --strict                 findings of the journey check (see 'engage-right
                           check', printed as warnings on stderr) are an
                           error: exit code 2, no output
  --format table|csv|json  output format (default table)
  --output FILE            write there instead of standard output

columns: member,fit,engagement,total
)";

void run(const arguments& a) {
    const lead_inputs in = load_lead_inputs(a);
    check_lead_inputs(a, in);
    const er::lead_scores_result r = er::lead_scores(in.members, in.events, in.j, in.options);
    result_table t(er::columns::lead, r.scores.size());
    for (std::size_t i = 0; i < r.scores.size(); ++i)
        t.rows.push_back({cell::str(in.members.id[i]), cell::dec(r.scores[i].fit), cell::dec(r.scores[i].engagement),
                          cell::dec(r.scores[i].total)});
    emit(a, t);
}

}  // namespace

const command score_command{"score", "lead scores (fit, engagement with decay) from events", usage,
                            "members! events! journey as-of format output +skip-unknown-members +strict", run};

}  // namespace cli
