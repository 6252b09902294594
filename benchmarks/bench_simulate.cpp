// Simulation benchmark: load a community, then run every policy with the
// Monte Carlo engine and the mean field. Prints one JSON line per run with
// the time (seconds, the run only) and the final stage counts.
//
// usage: engage-right-bench-simulate --members F [--rounds N] [--params F]
//        [--seeds K] [--threads N] [--policies a,b,...] [--repeat N]
// --seeds K runs seeds 1..K for every Monte Carlo policy (for the spread of
// the final counts); --repeat N repeats the mean field (the best time counts).

#include <engage_right/engage_right.hpp>

#include "bench_options.hpp"

#include <fmt/format.h>

#include <chrono>
#include <iostream>
#include <map>
#include <string>
#include <vector>

namespace er = engage_right;
using bench::clock_type;
using bench::seconds_since;

static std::string json_counts(const er::simulation_result& r) {
    std::string out = "[";
    for (std::size_t s = 0; s < r.stages; ++s) out += fmt::format("{}{}", s ? ", " : "", r.count(r.rounds, s));
    return out + "]";
}

int main(int argc, char** argv) {
    auto parsed = bench::parse_options(argc, argv);
    if (!parsed) return 2;
    std::map<std::string, std::string>& opt = *parsed;
    if (!opt.count("members")) {
        std::cerr << "usage: engage-right-bench-simulate --members F [--rounds N] [--params F] [--seeds K]"
                     " [--threads N] [--policies a,b] [--repeat N]\n";
        return 2;
    }
    try {
        auto t0 = clock_type::now();
        const er::community c = er::community::from_csv(opt["members"]);
        const double t_load = seconds_since(t0);
        er::simulation_options base;
        base.rounds = opt.count("rounds") ? std::stoi(opt["rounds"]) : 52;
        base.threads = opt.count("threads") ? static_cast<unsigned>(std::stoul(opt["threads"])) : 0;
        if (opt.count("params")) base.params = er::simulation_params::load(opt["params"], c.journey().stage_count());
        const int seeds = opt.count("seeds") ? std::stoi(opt["seeds"]) : 1;
        const int repeat = opt.count("repeat") ? std::stoi(opt["repeat"]) : 20;
        std::vector<std::string> policies = {"none", "random", "mass_action", "engage_right"};
        if (opt.count("policies")) {
            policies.clear();
            std::string rest = opt["policies"];
            while (!rest.empty()) {
                const auto cut = rest.find(',');
                policies.push_back(rest.substr(0, cut));
                rest = cut == std::string::npos ? "" : rest.substr(cut + 1);
            }
        }
        std::cout << fmt::format("{{\"members\": {}, \"load_seconds\": {:.3f}, \"rounds\": {}}}\n", c.size(), t_load,
                                 base.rounds);
        for (const auto& name : policies) {
            er::simulation_options o = base;
            o.policy = er::parse_sim_policy(name);
            o.engine = er::sim_engine::mean_field;
            double best = 1e300;
            er::simulation_result mf;
            for (int k = 0; k < repeat; ++k) {
                t0 = clock_type::now();
                mf = er::simulate(c, o);
                best = std::min(best, seconds_since(t0));
            }
            std::cout << fmt::format(
                "{{\"policy\": \"{}\", \"engine\": \"mean_field\", \"seconds\": {:.6f}, \"final\": {}, "
                "\"viral_r\": {}}}\n",
                name, best, json_counts(mf), mf.viral_r);
            o.engine = er::sim_engine::monte_carlo;
            for (int seed = 1; seed <= seeds; ++seed) {
                o.seed = static_cast<std::uint64_t>(seed);
                t0 = clock_type::now();
                const er::simulation_result r = er::simulate(c, o);
                const double t = seconds_since(t0);
                std::cout << fmt::format(
                    "{{\"policy\": \"{}\", \"engine\": \"monte_carlo\", \"seed\": {}, \"seconds\": {:.3f}, "
                    "\"final\": {}, \"viral_r\": {}}}\n",
                    name, seed, t, json_counts(r), r.viral_r);
                std::cout.flush();
            }
        }
    } catch (const std::exception& e) {
        std::cerr << "engage-right-bench-simulate: " << e.what() << "\n";
        return 2;
    }
    return 0;
}
