// Offline-evaluation benchmark: read members and dated interactions, replay
// at a split time and evaluate four methods with bootstrap intervals. Prints
// one JSON line of timings (seconds) and counts.
//
// usage: engage-right-bench-evaluate --members F --interactions F
//        [--split-at 80%] [--bootstrap 1000] [--threads N] [--repeat R] [--breakdown 1]
// The evaluation is run R times (best time reported); with --breakdown 1,
// each method is also timed alone (without bootstrap, replay included).

#include <engage_right/engage_right.hpp>

#include "bench_options.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <iostream>
#include <map>
#include <string>

namespace er = engage_right;
using bench::clock_type;
using bench::peak_rss_kib;
using bench::seconds_since;

int main(int argc, char** argv) {
    auto parsed = bench::parse_options(argc, argv, {"members", "interactions"},
                                       "engage-right-bench-evaluate --members F --interactions F [--split-at 80%] "
                                       "[--bootstrap N] [--threads N] [--repeat R] [--breakdown 1]");
    if (!parsed) return 2;
    std::map<std::string, std::string>& opt = *parsed;
    try {
        const er::journey j;
        auto t0 = clock_type::now();
        const er::evaluation_input in = er::read_evaluation_input(opt["members"], opt["interactions"], std::nullopt, j);
        const double t_read = seconds_since(t0);
        er::evaluate_options o;
        o.split_at = er::parse_split_at(opt.count("split-at") ? opt["split-at"] : "80%", in.interactions);
        if (opt.count("bootstrap")) o.bootstrap = std::stoul(opt["bootstrap"]);
        if (opt.count("threads")) o.threads = static_cast<unsigned>(std::stoul(opt["threads"]));
        const int repeat = opt.count("repeat") ? std::max(1, std::stoi(opt["repeat"])) : 1;
        double best = 1e300;
        er::evaluation ev;
        for (int r = 0; r < repeat; ++r) {
            t0 = clock_type::now();
            ev = er::evaluate(j, in, o);
            best = std::min(best, seconds_since(t0));
        }
        std::string steps;
        if (opt.count("breakdown") && opt["breakdown"] == "1") {
            const auto methods = o.methods;
            o.bootstrap = 0;
            for (const auto m : methods) {
                o.methods = {m};
                double one = 1e300;
                for (int r = 0; r < repeat; ++r) {
                    t0 = clock_type::now();
                    (void)er::evaluate(j, in, o);
                    one = std::min(one, seconds_since(t0));
                }
                steps += fmt::format("{}\"{}\": {:.4f}", steps.empty() ? "" : ", ", er::to_string(m), one);
            }
        }
        // Pairs the reference score looks at: every evaluated member against
        // the peer pool one stage to the right.
        std::size_t pairs = 0;
        {
            er::evaluate_options keep = o;
            keep.methods = {er::eval_method::degree};
            keep.bootstrap = 0;
            keep.keep_rankings = true;
            const er::evaluation d = er::evaluate(j, in, keep);
            const er::recommender r2(*d.replay);
            for (auto u : d.details->members)
                if (!d.replay->opted_out(u)) pairs += r2.peer_pool(d.replay->stage(u)).size();
        }
        std::cout << fmt::format(
            "{{\"members\": {}, \"interactions\": {}, \"evaluated_members\": {}, \"target_pairs\": {}, "
            "\"scored_pairs\": {}, \"read_s\": {:.4f}, \"evaluate_s\": {:.4f}, \"methods_alone_s\": {{{}}}, "
            "\"repeat\": {}, \"peak_rss_kib\": {}}}\n",
            in.members.size(), in.interactions.size(), ev.evaluated_members, ev.target_pairs, pairs, t_read, best,
            steps, repeat, peak_rss_kib());
    } catch (const std::exception& e) {
        std::cerr << "engage-right-bench-evaluate: " << e.what() << "\n";
        return 2;
    }
    return 0;
}
