// engage-right fit: learn a ranking model from dated history (docs/ranking.md).

#include "common.hpp"

#include <fmt/format.h>

#include <chrono>
#include <iostream>
#include <limits>

namespace cli {
namespace {

constexpr const char* usage = R"(usage: engage-right fit --members FILE --interactions FILE --split-at TIME [options]

Learns which eligible pairs go on to interact, from history before --split-at
T: features are computed as of T0 = T - horizon from everything before T0;
a pair is a positive when it was eligible at T0 (hard rules) and first
interacted in [T0, T); every member with a positive adds it and --negatives
sampled eligible pairs that did not interact. An L2-regularised logistic
regression on the standardised features gives model.json, which recommend,
match (--model FILE) take. Nothing at or after T is read.

features: similarity, tags, proximity, happiness (the score components),
peer_log_degree, peer_activity, peer_idle_days, and co_participation with
--content (docs/ranking.md has the definitions).

options:
  --members FILE           members.csv; a `created` column (when present)
                           removes members who joined after T0
  --interactions FILE      interactions.csv with a timestamp on every row
  --split-at TIME          T: unix seconds or ISO-8601 (labels end here)
  --horizon-days D         label window length (default 30)
  --content FILE           content.csv: adds co_participation (shared threads)
  --journey PRESET|FILE    engage_right (default), ... or a journey JSON file
  --min-satisfaction N     hard rule 3 for the training pairs (default: the journey's)
  --half-life-days D       half-life of peer_activity (default 30)
  --negatives N            negatives sampled per member (default 50; 0 = all
                           eligible pairs, which can be many: members with a
                           positive x peers one stage right)
  --l2 X                   ridge penalty on the standardised coefficients
                           (default 1; scikit-learn C = 1/X; 0 = none)
  --seed N                 negative sampling seed (default 0)
  --threads N              worker threads (default: all cores); the model
                           does not depend on it
  --out FILE               model file to write (default model.json)
  --design-out FILE        also write the training rows as CSV (member, peer,
                           label, then one column per feature, raw values)
  --format table|csv|json  format of the coefficient table (default table)
  --output FILE            write the table there instead of standard output

columns: feature,coefficient,mean,scale
)";

void run(const arguments& a) {
    const auto started = std::chrono::steady_clock::now();
    er::fit_options o;
    o.split_at = *time_option(a, "split-at");
    o.horizon_days = a.get_real("horizon-days", 1e-9, 1e6, "a number > 0").value_or(30);
    o.half_life_days = a.get_real("half-life-days", 1e-9, 1e6, "a number > 0").value_or(30);
    o.negatives = static_cast<std::size_t>(a.get_int("negatives", 0, 100000000).value_or(50));
    o.l2 = a.get_real("l2", 0, 1e12).value_or(1.0);
    o.seed = static_cast<std::uint64_t>(a.get_int("seed", 0, std::numeric_limits<long long>::max()).value_or(0));
    o.threads = static_cast<unsigned>(a.get_int("threads", 0, 1024).value_or(0));
    if (auto m = a.get_int("min-satisfaction", 0, 11)) o.min_satisfaction = static_cast<int>(*m);

    er::ranking_history h{journey_of(a), {}, {}, std::nullopt};
    h.members = er::read_members(a.require("members"), h.j);
    h.interactions = er::read_interactions(a.require("interactions"), h.members);
    if (auto content = a.get("content")) h.content = er::read_content(*content);
    const er::ranking_fit f = er::fit_ranking(h, o);
    const er::ranking_model& m = f.model;

    const std::string out = a.get("out").value_or("model.json");
    write_file(out, "model", [&](std::ostream& s) { s << er::model_json(m); });
    if (auto design = a.get("design-out")) {
        write_file(*design, "design", [&](std::ostream& s) {
            s << "member,peer,label";
            for (auto feat : f.design.features) s << ',' << er::to_string(feat);
            s << '\n';
            const std::size_t p = f.design.features.size();
            for (std::size_t i = 0; i < f.design.rows(); ++i) {
                s << er::csv_quote(f.design.member[i]) << ',' << er::csv_quote(f.design.peer[i]) << ','
                  << int(f.design.label[i]);
                for (std::size_t j = 0; j < p; ++j) s << ',' << json_number(f.design.values[i * p + j]);
                s << '\n';
            }
        });
    }
    const auto& t = m.training;
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::cerr << fmt::format(
        "engage-right fit: {} training pairs ({} positive) from {} active of {} members; window {} .. {}; {} "
        "Newton steps{}; wrote {} ({:.2f} s)\n",
        t.samples, t.positives, t.active_members, t.members, er::format_timestamp(t.window_start),
        er::format_timestamp(t.split_at), t.iterations, t.converged ? "" : " (NOT converged)", out, secs);

    result_table table(er::columns::ranking_model, m.features.size() + 1);
    table.rows.push_back({cell::str("(intercept)"), cell::dec(m.intercept), cell::none(), cell::none()});
    for (std::size_t j = 0; j < m.features.size(); ++j)
        table.rows.push_back({cell::str(er::to_string(m.features[j])), cell::dec(m.coefficients[j]),
                              cell::dec(m.mean[j]), cell::dec(m.scale[j])});
    emit(a, table);
}

}  // namespace

const command fit_command{"fit", "learn a ranking model (model.json) from dated history", usage,
                          "members! interactions! split-at! horizon-days content journey min-satisfaction "
                          "half-life-days negatives l2 seed threads out design-out format output",
                          run};

}  // namespace cli
