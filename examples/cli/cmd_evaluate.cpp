// engage-right evaluate: replay history at a split time and measure how often
// each ranking method puts a real future contact near the top
// (docs/evaluation.md).

#include "common.hpp"

#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <sstream>

namespace cli {
namespace {

constexpr const char* usage =
    R"(usage: engage-right evaluate --members FILE --interactions FILE --split-at TIME [options]

Replays the community as it was at the split time T (members who existed,
their stage at T, the interactions before T) and asks every method to rank
each member's peers. Targets are the pairs whose first interaction falls in
[T, T + horizon); every member with at least one target is evaluated. All
methods rank only the peers the hard rules allow (the *_unrestricted ones
ignore the stage rule). The ceiling is the share of targets the rules allow
at all. Metrics are means over the evaluated members with bootstrap 95 %
intervals; differences are paired against the first method.

options:
  --members FILE           members.csv; an optional `created` column (unix
                           seconds or ISO-8601) leaves out members created at
                           or after T (without it, every member existed)
  --interactions FILE      interactions.csv with a timestamp on every row
  --split-at TIME          unix seconds, ISO-8601, or a share of the
                           interactions, e.g. 80% (the last 20 % are the future)
  --horizon-days D         targets are first contacts within D days of T
                           (default: every later contact)
  --stages FILE            stages.csv (member,stage,timestamp): a member's stage
                           at T is the latest entry at or before T; members
                           whose entries all come after T are left out,
                           members without entries keep the members.csv stage
  --journey PRESET|FILE    engage_right (default), four_phase, loyalty_loop,
                           inbound, success, or a journey JSON file
  --k LIST                 cut-offs of hit@k, recall@k, ndcg@k (default 5,10);
                           coverage and gini use the largest
  --methods LIST           engage_right, adamic_adar, degree, random,
                           adamic_adar_unrestricted, degree_unrestricted
                           (default engage_right,adamic_adar,degree,random)
  --weights LIST           weights of engage_right, e.g. similarity=0.5,tags=0.15,
                           proximity=0.25,happiness=0.1
  --min-satisfaction N     peers with a known satisfaction below N are skipped
                           (default: the journey's, 7)
  --allow-existing         also rank peers met before T (hard rule 5 off)
  --stage-gap MIN:MAX      peers stand MIN to MAX stages right for every
                           method but the unrestricted ones (default 1:1)
  --model FILE             engage_right ranks by a learned model (model.json
                           from 'engage-right fit'), its features as of T
  --fit-before T1          fit that model here first, on history before T1
                           (T1 <= --split-at: no leakage); as for fit
  --fit-horizon-days D     the fit's label window before T1 (default 30)
  --content FILE           content.csv, for a model that uses co_participation
  --mrr-depth N            MRR looks this deep into a ranking (default 10)
  --bootstrap N            resamples for the 95 % intervals (default 1000; 0: none)
  --seed S                 seed of the bootstrap and of random (default 0)
  --threads N              worker threads (default: all cores)
  --format table|csv|json  output format (default table)
  --output FILE            write there instead of standard output

csv columns: method, then per metric (hit@k, recall@k, ndcg@k, mrr) the value,
             <metric>_low and <metric>_high, then coverage, gini, eligible_peers
)";

std::string interval(const er::estimate& e) {
    if (std::isnan(e.low)) return fmt::format("{:.3f}", e.value);
    return fmt::format("{:.3f} [{:.3f}, {:.3f}]", e.value, e.low, e.high);
}

std::string signed_interval(const er::estimate& e) {
    if (std::isnan(e.low)) return fmt::format("{:+.3f}", e.value);
    return fmt::format("{:+.3f} [{:+.3f}, {:+.3f}]", e.value, e.low, e.high);
}

std::string time_text(double t) { return std::isinf(t) ? std::string("end of data") : er::format_timestamp(t); }

// One row per method, the columns of the csv format (and of er.evaluate).
result_table wide_table(const er::evaluation& ev) {
    result_table t;
    t.columns.emplace_back("method");
    for (const auto& m : ev.metrics) {
        t.columns.push_back(m);
        t.columns.push_back(m + "_low");
        t.columns.push_back(m + "_high");
    }
    for (const char* c : {"coverage", "gini", "eligible_peers"}) t.columns.emplace_back(c);
    for (const auto& me : ev.methods) {
        std::vector<cell> row{cell::str(std::string(er::to_string(me.method)))};
        for (const auto& e : me.metrics) {
            row.push_back(cell::dec(e.value));
            row.push_back(cell::dec_or_none(e.low));
            row.push_back(cell::dec_or_none(e.high));
        }
        row.push_back(cell::dec_or_none(me.coverage));
        row.push_back(cell::dec_or_none(me.gini));
        row.push_back(cell::count(me.eligible_peers));
        t.rows.push_back(std::move(row));
    }
    return t;
}

// Metrics as rows, methods as columns: what a person reads.
std::string people_table(const er::evaluation& ev) {
    result_table t;
    t.columns.emplace_back("metric");
    for (const auto& me : ev.methods) t.columns.emplace_back(er::to_string(me.method));
    for (std::size_t x = 0; x < ev.metrics.size(); ++x) {
        std::vector<cell> row{cell::str(ev.metrics[x])};
        for (const auto& me : ev.methods) row.push_back(cell::str(interval(me.metrics[x])));
        t.rows.push_back(std::move(row));
    }
    std::vector<cell> cov{cell::str(fmt::format("coverage@{}", ev.k.back()))};
    std::vector<cell> gini{cell::str(fmt::format("gini@{}", ev.k.back()))};
    for (const auto& me : ev.methods) {
        cov.push_back(std::isnan(me.coverage) ? cell::none() : cell::str(fmt::format("{:.3f}", me.coverage)));
        gini.push_back(std::isnan(me.gini) ? cell::none() : cell::str(fmt::format("{:.3f}", me.gini)));
    }
    t.rows.push_back(std::move(cov));
    t.rows.push_back(std::move(gini));

    std::ostringstream out;
    out << fmt::format(
        "Replay at {} (targets: first contacts until {}): {} of {} members present, {} interactions before; "
        "{} target pairs, {} members evaluated.\n",
        er::format_timestamp(ev.split_at), time_text(ev.horizon_end), ev.members_in_replay, ev.members,
        ev.interactions_before, ev.target_pairs, ev.evaluated_members);
    out << fmt::format(
        "Ceiling: the hard rules allow {:.1f} % of the targets ({} of {}); at best hit = {:.3f}, recall = {:.3f}.\n\n",
        100 * ev.ceiling, ev.reachable_targets, ev.targets, ev.ceiling_hit, ev.ceiling_recall);
    write(out, t, format::table);
    if (ev.methods.size() > 1) {
        result_table d;
        d.columns.emplace_back(fmt::format("minus {}", er::to_string(ev.methods[0].method)));
        for (std::size_t m = 1; m < ev.methods.size(); ++m) d.columns.emplace_back(er::to_string(ev.methods[m].method));
        for (std::size_t x = 0; x < ev.metrics.size(); ++x) {
            std::vector<cell> row{cell::str(ev.metrics[x])};
            for (std::size_t m = 1; m < ev.methods.size(); ++m)
                row.push_back(cell::str(signed_interval(ev.methods[m].difference[x])));
            d.rows.push_back(std::move(row));
        }
        out << "\nPaired differences against " << er::to_string(ev.methods[0].method) << ":\n";
        write(out, d, format::table);
    }
    if (ev.bootstrap > 0)
        out << fmt::format("\n95 % percentile intervals from {} bootstrap resamples of the evaluated members.\n",
                           ev.bootstrap);
    return out.str();
}

std::string json_pair(const er::estimate& e) {
    return fmt::format("[{}, {}]", json_number(e.low), json_number(e.high));
}

std::string json_output(const er::evaluation& ev, std::uint64_t seed) {
    std::ostringstream o;
    o << "{\"split_at\": " << json_string(er::format_timestamp(ev.split_at)) << ", \"horizon_end\": "
      << (std::isinf(ev.horizon_end) ? "null" : json_string(er::format_timestamp(ev.horizon_end)))
      << ", \"members\": " << ev.members << ", \"members_in_replay\": " << ev.members_in_replay
      << ", \"members_created_later\": " << ev.members_created_later
      << ", \"members_not_yet_staged\": " << ev.members_not_yet_staged
      << ", \"interactions_before\": " << ev.interactions_before << ", \"target_pairs\": " << ev.target_pairs
      << ", \"targets\": " << ev.targets << ", \"reachable_targets\": " << ev.reachable_targets
      << ", \"window_pairs_with_new_members\": " << ev.window_pairs_with_new_members
      << ", \"evaluated_members\": " << ev.evaluated_members << ", \"ceiling\": " << json_number(ev.ceiling)
      << ", \"ceiling_hit\": " << json_number(ev.ceiling_hit)
      << ", \"ceiling_recall\": " << json_number(ev.ceiling_recall) << ", \"k\": [";
    for (std::size_t i = 0; i < ev.k.size(); ++i) o << (i ? ", " : "") << ev.k[i];
    o << "], \"mrr_depth\": " << ev.mrr_depth << ", \"bootstrap\": " << ev.bootstrap << ", \"seed\": " << seed
      << ", \"methods\": {";
    for (std::size_t m = 0; m < ev.methods.size(); ++m) {
        const auto& me = ev.methods[m];
        o << (m ? ", " : "") << json_string(std::string(er::to_string(me.method))) << ": {";
        for (std::size_t x = 0; x < ev.metrics.size(); ++x)
            o << json_string(ev.metrics[x]) << ": " << json_number(me.metrics[x].value) << ", "
              << json_string(ev.metrics[x] + "_ci") << ": " << json_pair(me.metrics[x]) << ", ";
        o << "\"coverage\": " << json_number(me.coverage) << ", \"gini\": " << json_number(me.gini)
          << ", \"eligible_peers\": " << me.eligible_peers << "}";
    }
    o << "}, \"baseline\": " << json_string(std::string(er::to_string(ev.methods[0].method))) << ", \"differences\": {";
    for (std::size_t m = 1; m < ev.methods.size(); ++m) {
        const auto& me = ev.methods[m];
        o << (m > 1 ? ", " : "") << json_string(std::string(er::to_string(me.method))) << ": {";
        for (std::size_t x = 0; x < ev.metrics.size(); ++x)
            o << (x ? ", " : "") << json_string(ev.metrics[x]) << ": " << json_number(me.difference[x].value) << ", "
              << json_string(ev.metrics[x] + "_ci") << ": " << json_pair(me.difference[x]);
        o << "}";
    }
    o << "}}\n";
    return o.str();
}

void run(const arguments& a) {
    const format f = format_of(a);
    const er::journey j = journey_of(a);
    std::optional<std::filesystem::path> stages;
    if (auto s = a.get("stages")) stages = *s;
    er::evaluate_options o;
    if (auto k = a.get("k")) o.k = parsed_option("k", [&] { return er::parse_cutoffs(*k); });
    if (auto m = a.get("methods")) o.methods = parsed_option("methods", [&] { return er::parse_eval_methods(*m); });
    if (auto w = a.get("weights"))
        o.scoring.weights = parsed_option("weights", [&] { return er::parse_weights(*w, j.weights()); });
    if (auto m = a.get_int("min-satisfaction", 0, 11)) o.scoring.min_satisfaction = static_cast<int>(*m);
    o.scoring.allow_existing = a.has("allow-existing");
    o.scoring.gap = stage_gap_of(a, j);
    if (auto h = a.get_real("horizon-days", 1e-9, 1e9, "a number of days > 0")) o.horizon_days = *h;
    o.mrr_depth = static_cast<std::size_t>(a.get_int("mrr-depth", 1, 1000000).value_or(10));
    o.bootstrap = static_cast<std::size_t>(a.get_int("bootstrap", 0, 1000000).value_or(1000));
    o.seed = static_cast<std::uint64_t>(a.get_int("seed", 0, std::numeric_limits<long long>::max()).value_or(0));
    o.threads = static_cast<unsigned>(a.get_int("threads", 0, 1024).value_or(0));

    const er::evaluation_input in =
        er::read_evaluation_input(a.require("members"), a.require("interactions"), stages, j);
    const std::string split = a.require("split-at");
    o.split_at = parsed_option("split-at", [&] { return er::parse_split_at(split, in.interactions); });
    if (auto content = a.get("content"))
        o.model_content = std::make_shared<er::content_table>(er::read_content(*content));
    if (auto path = a.get("model")) {
        if (a.has("fit-before")) throw usage_error("options --model and --fit-before: give one of them");
        o.model = std::make_shared<er::ranking_model>(er::read_model(*path));
    } else if (auto t1 = a.get("fit-before")) {
        // Fit on [.., T1), evaluate on [T, ..): the model never sees the evaluation window.
        er::fit_options fo;
        fo.split_at = parsed_option("fit-before", [&] { return er::parse_split_at(*t1, in.interactions); });
        if (fo.split_at > o.split_at)
            throw usage_error(
                "option --fit-before: must not be after --split-at (the model would see the "
                "evaluation window)");
        fo.horizon_days = a.get_real("fit-horizon-days", 1e-9, 1e6, "a number of days > 0").value_or(30);
        fo.min_satisfaction = o.scoring.min_satisfaction;
        fo.threads = o.threads;
        er::ranking_history h{j, in.members, in.interactions, std::nullopt};
        if (o.model_content) h.content = *o.model_content;
        o.model = std::make_shared<er::ranking_model>(er::fit_ranking(h, fo).model);
    } else if (o.model_content) {
        throw usage_error("option --content: only used with --model or --fit-before");
    }
    const er::evaluation ev = er::evaluate(j, in, o);

    if (f == format::json) emit_text(a, json_output(ev, o.seed));
    else if (f == format::csv) emit(a, wide_table(ev));
    else emit_text(a, people_table(ev));
}

}  // namespace

const command evaluate_command{
    "evaluate", "replay history at a split time: hit@k, recall, NDCG, MRR per method", usage,
    "members! interactions! split-at! horizon-days stages journey k methods weights min-satisfaction mrr-depth "
    "bootstrap seed threads format output stage-gap model content fit-before fit-horizon-days +allow-existing",
    run};

}  // namespace cli
