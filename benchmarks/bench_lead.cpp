// Lead-scoring benchmark: read members and events, score and infer stages
// with history, write the results. Prints one JSON line of timings (seconds).
//
// usage: engage-right-bench-lead --members F --events F --journey J
//        [--as-of T] [--out DIR] [--threads N]
// Writes DIR/stages_inferred.csv (member,stage,fit,engagement,total) and
// DIR/history.csv (member,stage,timestamp) when --out is given.

#include <engage_right/engage_right.hpp>

#include "bench_options.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <string>

namespace er = engage_right;
using bench::clock_type;
using bench::peak_rss_kib;
using bench::seconds_since;

int main(int argc, char** argv) {
    auto parsed = bench::parse_options(
        argc, argv, {"members", "events", "journey"},
        "engage-right-bench-lead --members F --events F --journey J [--as-of T] [--out DIR] [--threads N]");
    if (!parsed) return 2;
    std::map<std::string, std::string>& opt = *parsed;
    try {
        const auto t_start = clock_type::now();
        const er::journey j = er::journey::from_preset_or_file(opt["journey"]);
        auto t0 = clock_type::now();
        const er::member_table members = er::read_members(opt["members"], j, er::lead_read_options(j));
        const double t_members = seconds_since(t0);
        t0 = clock_type::now();
        const er::event_table events = er::read_events(opt["events"], members, j);
        const double t_events = seconds_since(t0);
        er::lead_options o;
        if (opt.count("as-of")) o.as_of = er::parse_timestamp(opt["as-of"]);
        if (opt.count("threads")) o.threads = static_cast<unsigned>(std::stoul(opt["threads"]));
        t0 = clock_type::now();
        const er::stage_inference inf = er::infer_stages(members, events, j, o);
        const double t_infer = seconds_since(t0);
        double t_write = 0;
        std::size_t history_rows = 0;
        if (opt.count("out")) {
            t0 = clock_type::now();
            const std::filesystem::path dir = opt["out"];
            std::filesystem::create_directories(dir);
            {
                std::string buf = "member,stage,fit,engagement,total\n";
                for (std::size_t i = 0; i < inf.size(); ++i)
                    buf += fmt::format("{},{},{:.17g},{:.17g},{:.17g}\n", members.id[i], j.stage_name(inf.stage[i]),
                                       inf.scores[i].fit, inf.scores[i].engagement, inf.scores[i].total);
                std::ofstream(dir / "stages_inferred.csv", std::ios::binary) << buf;
            }
            {
                const auto rows = er::stage_history(inf);
                history_rows = rows.size();
                std::string buf = "member,stage,timestamp\n";
                for (const auto& e : rows)
                    buf += fmt::format("{},{},{}\n", members.id[e.member], j.stage_name(e.stage),
                                       er::format_timestamp(e.timestamp));
                std::ofstream(dir / "history.csv", std::ios::binary) << buf;
            }
            t_write = seconds_since(t0);
        }
        std::cout << fmt::format(
            "{{\"members\": {}, \"events\": {}, \"read_members_s\": {:.4f}, \"read_events_s\": {:.4f}, "
            "\"infer_s\": {:.4f}, \"write_s\": {:.4f}, \"total_s\": {:.4f}, \"history_rows\": {}, "
            "\"peak_rss_kib\": {}}}\n",
            members.size(), events.size(), t_members, t_events, t_infer, t_write, seconds_since(t_start), history_rows,
            peak_rss_kib());
    } catch (const std::exception& e) {
        std::cerr << "engage-right-bench-lead: " << e.what() << "\n";
        return 2;
    }
    return 0;
}
