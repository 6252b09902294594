// Batch-recommend benchmark: load a community, top-k for every member, write
// the CLI's CSV. Prints one JSON line of timings (seconds).
//
// usage: engage-right-bench recommend --members F [--interactions F] [--top K]
//        [--output OUT.csv] [--single-member ID] [--repeat R] [--threads N]
//        [--no-batch]   (load and single query only, for very large communities)

#include <engage_right/engage_right.hpp>

#include "bench_options.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <thread>

namespace er = engage_right;
using bench::clock_type;
using bench::peak_rss_kib;
using bench::seconds_since;

int main(int argc, char** argv) {
    if (argc < 2 || std::string(argv[1]) != "recommend") {
        std::cerr << "usage: engage-right-bench recommend --members F [--interactions F] [--top K] [--output F]"
                     " [--single-member ID] [--repeat R] [--threads N]\n";
        return 2;
    }
    std::map<std::string, std::string> opt;
    bool batch = true;
    for (int i = 2; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--no-batch") {
            batch = false;
        } else if (a.rfind("--", 0) == 0 && i + 1 < argc) {
            opt[a.substr(2)] = argv[++i];
        } else {
            std::cerr << "engage-right-bench: bad argument " << a << "\n";
            return 2;
        }
    }
    try {
        const auto t_load = clock_type::now();
        std::optional<std::filesystem::path> inter;
        if (opt.count("interactions")) inter = opt["interactions"];
        const er::community c = er::community::from_csv(opt.at("members"), inter);
        const double load_s = seconds_since(t_load);

        er::recommend_options o;
        o.k = opt.count("top") ? std::stoul(opt["top"]) : 5;
        o.threads = opt.count("threads") ? static_cast<unsigned>(std::stoul(opt["threads"])) : 0;
        const int repeat = opt.count("repeat") ? std::stoi(opt["repeat"]) : 1;

        double best = 1e300, best_no_reason = 1e300;
        std::vector<er::recommendation> recs;
        for (int r = 0; r < repeat && batch; ++r) {
            const auto t0 = clock_type::now();
            recs = er::recommender(c, o).for_all();
            best = std::min(best, seconds_since(t0));
        }
        if (batch) {
            er::recommend_options bare = o;
            bare.reasons = false;
            for (int r = 0; r < repeat; ++r) {
                const auto t0 = clock_type::now();
                auto x = er::recommender(c, bare).for_all();
                best_no_reason = std::min(best_no_reason, seconds_since(t0));
            }
        }
        double write_s = 0;
        if (opt.count("output") && batch) {
            const auto t0 = clock_type::now();
            std::string buf;
            buf.reserve(recs.size() * 160);
            buf +=
                "member,member_stage,peer,peer_stage,rank,score,similarity,tags,proximity,happiness,channel,reason\n";
            const auto& j = c.journey();
            for (const auto& x : recs)
                fmt::format_to(std::back_inserter(buf), "{},{},{},{},{},{:.6f},{:.6f},{:.6f},{:.6f},{:.6f},{},{}\n",
                               er::csv_quote(c.id(x.member)), j.stage_name(c.stage(x.member)),
                               er::csv_quote(c.id(x.peer)), j.stage_name(c.stage(x.peer)), x.rank, x.score,
                               x.components.similarity, x.components.tags, x.components.proximity,
                               x.components.happiness, er::to_string(x.medium), er::csv_quote(x.reason));
            std::ofstream out(opt["output"], std::ios::binary);
            out.write(buf.data(), static_cast<std::streamsize>(buf.size()));
            write_s = seconds_since(t0);
        }
        std::string single = "null";
        if (opt.count("single-member")) {
            // A fresh recommender per query: the cost a one-off lookup pays.
            double b = 1e300;
            for (int r = 0; r < std::max(repeat, 3); ++r) {
                const auto t0 = clock_type::now();
                auto x = er::recommend(c, opt["single-member"], o);
                b = std::min(b, seconds_since(t0));
            }
            single = fmt::format("{:.6f}", b);
        }
        auto seconds = [&](double x) { return batch ? fmt::format("{:.4f}", x) : std::string("null"); };
        std::cout << fmt::format(
            "{{\"members\": {}, \"edges\": {}, \"load_s\": {:.4f}, \"recommend_s\": {}, "
            "\"recommend_no_reasons_s\": {}, \"write_s\": {}, \"rows\": {}, \"single_query_s\": {}, "
            "\"threads\": {}, \"community_mib\": {:.1f}, \"peak_rss_mib\": {:.1f}}}\n",
            c.size(), c.edge_count(), load_s, seconds(best), seconds(best_no_reason), seconds(write_s), recs.size(),
            single, o.threads ? o.threads : std::thread::hardware_concurrency(),
            static_cast<double>(c.memory_bytes()) / (1 << 20), static_cast<double>(peak_rss_kib()) / 1024.0);
    } catch (const std::exception& e) {
        std::cerr << "engage-right-bench: " << e.what() << "\n";
        return 2;
    }
}
