// engage-right recommend: the top-k peers of every member (or one member).

#include "common.hpp"

#include <fmt/format.h>

namespace cli {
namespace {

constexpr const char* usage = R"(usage: engage-right recommend --members FILE [options]

Top-k Engage Right peers per member (one stage to the right, or within
--stage-gap) under the reference scoring
  score = similarity*0.50 + tags*0.15 + proximity*0.25 + happiness*0.10

options:
  --snapshot FILE          a snapshot ('engage-right snapshot') in place of
                           --members, --interactions and --journey
  --members FILE           members.csv (id, stage, satisfaction, capacity,
                           opted_out, activity, tags, f_0..f_{d-1})
  --interactions FILE      interactions.csv (source, target[, weight][, timestamp])
  --journey PRESET|FILE    engage_right (default), four_phase, loyalty_loop,
                           inbound, success, or a journey JSON file
  --top K                  peers per member (default 5)
  --member ID              only this member
  --weights LIST           e.g. similarity=0.5,tags=0.15,proximity=0.25,happiness=0.1
                           (names not given keep the journey's weight)
  --min-satisfaction N     peers with a known satisfaction below N are skipped
                           (default: the journey's, 7)
  --allow-existing         also pair members who have already interacted
  --stage-gap MIN:MAX      peers stand MIN to MAX stages right (default 1:1,
                           the Engage Right rule; e.g. 1:2; every step in
                           between must be enabled; the channel is that of
                           the member's own step)
  --model FILE             rank by a learned model (model.json from
                           'engage-right fit'): the score becomes the model's
                           probability; the hard rules are unchanged
  --content FILE           content.csv, for a model that uses co_participation
  --as-of TIME             "now" for the model's activity features (default:
                           the latest interaction timestamp)
  --threads N              worker threads (default: all cores)
  --format table|csv|json  output format (default table)
  --output FILE            write there instead of standard output

columns: member,member_stage,peer,peer_stage,rank,score,similarity,tags,
         proximity,happiness,channel,reason
)";

void run(const arguments& a) {
    const er::community c = load_community(a);
    er::recommend_options o = recommend_options_of(a, c);
    o.k = static_cast<std::size_t>(a.get_int("top", 1, 1000000).value_or(5));
    o.threads = static_cast<unsigned>(a.get_int("threads", 0, 1024).value_or(0));
    std::vector<er::recommendation> recs;
    if (auto id = a.get("member")) {
        if (!c.find(*id)) throw usage_error(fmt::format("option --member: unknown member id '{}'", *id));
        recs = er::recommender(c, o).for_member(*id);
    } else {
        recs = er::recommender(c, o).for_all();
    }
    result_table t(er::columns::recommend, recs.size());
    const auto& j = c.journey();
    for (const auto& r : recs) {
        t.rows.push_back({cell::str(c.id(r.member)), cell::str(j.stage_name(c.stage(r.member))),
                          cell::str(c.id(r.peer)), cell::str(j.stage_name(c.stage(r.peer))), cell::num(r.rank),
                          cell::dec(r.score), cell::dec(r.components.similarity), cell::dec(r.components.tags),
                          cell::dec(r.components.proximity), cell::dec(r.components.happiness),
                          cell::str(er::to_string(r.medium)), cell::str(r.reason)});
    }
    emit(a, t);
}

}  // namespace

const command recommend_command{"recommend", "top-k peers for every member (or one member)", usage,
                                "members! snapshot interactions journey top member weights min-satisfaction format "
                                "output threads stage-gap model content "
                                "as-of "
                                "+allow-existing",
                                run};

}  // namespace cli
