// engage-right match: who meets whom, a capacity-aware plan.

#include "common.hpp"

#include <fmt/format.h>

#include <sstream>

namespace cli {
namespace {

constexpr const char* usage = R"(usage: engage-right match --members FILE [options]

A plan of who meets whom: every member gets up to --per-member peers one stage
to the right (or within --stage-gap), every peer takes at most its capacity,
the hard rules always hold.

options:
  --snapshot FILE          a snapshot ('engage-right snapshot') in place of
                           --members, --interactions and --journey
  --members FILE, --interactions FILE, --journey PRESET|FILE,
  --weights LIST, --min-satisfaction N, --allow-existing,
  --stage-gap MIN:MAX      as for recommend; under a wider gap, seekers of
                           different stages share the seats of their peers
  --per-member N           peers per member (default 1)
  --method NAME            optimal (default: maximum total score, exact),
                           stable (deferred acceptance, members propose),
                           greedy (best pair first)
  --candidates K           each member's top-K eligible peers form the matching
                           graph (default 50); 0 = every eligible pair
  --history FILE           earlier pairings, pairs.csv (member,peer,timestamp)
  --cooldown-days D        pairs met within D days before --as-of are not
                           paired again (default 90; 0 = off)
  --continuity-bonus X     add X to the score of pairs met before (default 0)
  --as-of TIME             "now" for the cooldown (default: latest in --history)
                           and for --model (default: latest interaction)
  --model FILE             score pairs by a learned model (model.json from
                           'engage-right fit'; see recommend --help)
  --content FILE           content.csv, for a model that uses co_participation
  --blocked FILE           blocked.csv (member,peer): never paired, both ways
  --spread X               0..1: seat j of a peer with capacity c costs X*j/c of
                           score, spreading load over peers (default 0)
  --threads N              worker threads (default: all cores)
  --format table|csv|json  output format (default table)
  --output FILE            write there instead of standard output

columns: member,member_stage,peer,peer_stage,score,channel,reason
Members with fewer peers than asked follow as rows with an empty peer and the
reason no_eligible_peer, no_positive_score or capacity_exhausted.
)";

void run(const arguments& a) {
    const format f = format_of(a);
    const er::community c = load_community(a);
    const er::match_options o = match_options_of(a, c);
    const er::match_result r = er::match(c, o);
    const auto& j = c.journey();
    result_table pairs(er::columns::match);
    for (const auto& p : r.pairs)
        pairs.rows.push_back({cell::str(c.id(p.member)), cell::str(j.stage_name(c.stage(p.member))),
                              cell::str(c.id(p.peer)), cell::str(j.stage_name(c.stage(p.peer))), cell::dec(p.score),
                              cell::str(er::to_string(p.medium)), cell::str(p.reason)});
    result_table unmatched(er::columns::unmatched);
    for (const auto& u : r.unmatched)
        unmatched.rows.push_back({cell::str(c.id(u.member)), cell::str(j.stage_name(c.stage(u.member))),
                                  cell::num(u.matched), cell::str(er::to_string(u.reason))});
    std::ostringstream buf;
    if (f == format::csv) {
        result_table all = pairs;
        for (const auto& u : r.unmatched)
            all.rows.push_back({cell::str(c.id(u.member)), cell::str(j.stage_name(c.stage(u.member))), cell::none(),
                                cell::none(), cell::none(), cell::none(), cell::str(er::to_string(u.reason))});
        write(buf, all, f);
    } else if (f == format::json) {
        buf << "{\"method\": " << json_string(er::to_string(o.method)) << ", \"pairs\": ";
        write(buf, pairs, f);
        buf << ", \"unmatched\": ";
        write(buf, unmatched, f);
        buf << fmt::format(", \"total_score\": {}, \"total_value\": {}, \"candidate_pairs\": {}}}\n", r.total_score,
                           r.total_value, r.candidate_pairs);
    } else {
        write(buf, pairs, f);
        buf << fmt::format("\n{} pair{} ({}), total score {:.3f}; {} member{} with fewer peers than asked\n",
                           r.pairs.size(), plural(r.pairs.size()), er::to_string(o.method), r.total_score,
                           r.unmatched.size(), plural(r.unmatched.size()));
        if (!r.unmatched.empty()) {
            buf << "\n";
            write(buf, unmatched, f);
        }
    }
    emit_text(a, buf.str());
}

}  // namespace

const command match_command{"match", "who meets whom: a capacity-aware plan (optimal, stable, greedy)", usage,
                            std::string(match_option_spec), run};

}  // namespace cli
