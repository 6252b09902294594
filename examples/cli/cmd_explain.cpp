// engage-right explain: score components, eligibility and reason of one pair.

#include "common.hpp"

#include <fmt/format.h>

namespace cli {
namespace {

constexpr const char* usage = R"(usage: engage-right explain --members FILE --member ID --peer ID [options]

Score components, the hard-rule verdict and the reason sentence for one pair.

options:
  --snapshot FILE          a snapshot ('engage-right snapshot') in place of
                           --members, --interactions and --journey
  --members FILE, --interactions FILE, --journey PRESET|FILE,
  --weights LIST, --min-satisfaction N, --allow-existing,
  --stage-gap MIN:MAX      as for recommend
  --model FILE, --content FILE, --as-of TIME               as for recommend
                           (with --model: the model's probability and reason)
  --member ID              the member looking for a peer
  --peer ID                the candidate peer
  --format table|csv|json  output format (default table)
)";

void run(const arguments& a) {
    const std::string member = a.require("member"), peer = a.require("peer");
    const er::community c = load_community(a);
    for (const auto& id : {member, peer})
        if (!c.find(id)) throw usage_error(fmt::format("unknown member id '{}'", id));
    const er::recommend_options o = recommend_options_of(a, c);
    const er::explanation e = er::explain(c, member, peer, o);
    const auto& j = c.journey();
    result_table t;
    t.columns = {"member", "member_stage", "peer", "peer_stage", "eligible",  "failed_rule", "why",
                 "score",  "similarity",   "tags", "proximity",  "happiness", "channel",     "reason"};
    t.rows.push_back({cell::str(member), cell::str(j.stage_name(c.stage(e.member))), cell::str(peer),
                      cell::str(j.stage_name(c.stage(e.peer))), cell::str(e.verdict.eligible ? "yes" : "no"),
                      cell::num(static_cast<int>(e.verdict.failed)), cell::str(e.verdict.why), cell::dec(e.score),
                      cell::dec(e.components.similarity), cell::dec(e.components.tags),
                      cell::dec(e.components.proximity), cell::dec(e.components.happiness),
                      e.medium ? cell::str(er::to_string(*e.medium)) : cell::none(), cell::str(e.sentence)});
    emit(a, t);
}

}  // namespace

const command explain_command{"explain", "score components and eligibility of one (member, peer) pair", usage,
                              "members! snapshot interactions journey member! peer! weights min-satisfaction format "
                              "output stage-gap model content "
                              "as-of +allow-existing",
                              run};

}  // namespace cli
