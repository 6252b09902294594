// Snapshots and live updates: load from CSV, save and load a snapshot, the
// cost of one update and of a batch, and the latency of one member's top-5
// while a writer applies updates. Prints one JSON line (seconds).
//
// usage: engage-right-bench-live --members F --interactions F --out DIR
//        [--queries N] [--batch B]

#include <engage_right/engage_right.hpp>

#include "bench_options.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <random>
#include <thread>
#include <vector>

namespace er = engage_right;
using bench::clock_type;
using bench::seconds_since;

namespace {

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[v.size() / 2];
}

double quantile(std::vector<double> v, double q) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[std::min(v.size() - 1, static_cast<std::size_t>(q * static_cast<double>(v.size())))];
}

// Latencies of top-5 queries for random members of the current version.
std::vector<double> query_latencies(const er::live_community& live, std::size_t queries, std::uint64_t seed,
                                    const std::atomic<bool>* stop = nullptr) {
    std::mt19937_64 rng(seed);
    std::vector<double> out;
    er::recommend_options o;
    o.k = 5;
    o.threads = 1;
    o.reasons = false;
    for (std::size_t q = 0; q < queries && !(stop && stop->load()); ++q) {
        const auto t0 = clock_type::now();
        const auto c = live.current();
        const auto u = static_cast<er::member_index>(rng() % c->size());
        const auto recs = er::recommender(*c, o).for_member(u);
        out.push_back(seconds_since(t0));
        if (recs.size() > o.k) std::abort();
    }
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    auto parsed = bench::parse_options(argc, argv, {"members", "interactions", "out"},
                                       "engage-right-bench-live --members F --interactions F --out DIR "
                                       "[--queries N] [--batch B]");
    if (!parsed) return 2;
    auto& opt = *parsed;
    const std::size_t queries = std::stoul(opt.count("queries") ? opt["queries"] : "200");
    const std::size_t batch_size = std::stoul(opt.count("batch") ? opt["batch"] : "100");
    std::filesystem::create_directories(opt["out"]);
    const std::filesystem::path snap = std::filesystem::path(opt["out"]) / "community.snap";
    try {
        auto t0 = clock_type::now();
        const er::community csv = er::community::from_csv(opt["members"], std::filesystem::path(opt["interactions"]));
        const double t_csv = seconds_since(t0);
        t0 = clock_type::now();
        er::save(csv, snap);
        const double t_save = seconds_since(t0);
        std::vector<double> loads;
        for (int k = 0; k < 3; ++k) {
            t0 = clock_type::now();
            const er::community back = er::load(snap);
            loads.push_back(seconds_since(t0));
            if (back.size() != csv.size()) std::abort();
        }

        er::live_community live(csv);
        std::mt19937_64 rng(1);
        auto random_id = [&] {
            const auto c = live.current();
            return c->id(static_cast<er::member_index>(rng() % c->size()));
        };
        std::vector<double> singles;
        for (int k = 0; k < 5; ++k) {
            er::member_fields f;
            f.satisfaction = static_cast<double>(rng() % 11);
            const std::string id = random_id();
            t0 = clock_type::now();
            live.update_member(id, f);
            singles.push_back(seconds_since(t0));
        }
        std::vector<er::live_update> batch;
        for (std::size_t k = 0; k < batch_size; ++k) {
            er::member_fields f;
            f.satisfaction = static_cast<double>(rng() % 11);
            batch.push_back(er::live_update::update(random_id(), f));
        }
        t0 = clock_type::now();
        live.apply(batch);
        const double t_batch = seconds_since(t0);

        const auto quiet = query_latencies(live, queries, 7);
        // The same queries while one writer applies batches back to back.
        std::atomic<bool> stop{false};
        std::size_t published = 0;
        std::thread writer([&] {
            std::mt19937_64 wrng(3);
            while (!stop.load()) {
                std::vector<er::live_update> b;
                for (std::size_t k = 0; k < batch_size; ++k) {
                    er::member_fields f;
                    f.satisfaction = static_cast<double>(wrng() % 11);
                    const auto c = live.current();
                    b.push_back(er::live_update::update(c->id(static_cast<er::member_index>(wrng() % c->size())), f));
                }
                live.apply(b);
                ++published;
            }
        });
        t0 = clock_type::now();
        const auto busy = query_latencies(live, queries, 7);
        const double t_busy = seconds_since(t0);
        stop.store(true);
        writer.join();

        fmt::print(
            "{{\"members\": {}, \"rows\": {}, \"load_csv\": {:.4f}, \"save_snapshot\": {:.4f}, "
            "\"snapshot_bytes\": {}, \"load_snapshot\": {:.4f}, \"update_one\": {:.4f}, \"update_batch\": {:.4f}, "
            "\"batch\": {}, \"query_p50\": {:.6f}, \"query_p99\": {:.6f}, \"query_p50_updating\": {:.6f}, "
            "\"query_p99_updating\": {:.6f}, \"versions_during_queries\": {}, \"query_seconds_updating\": {:.3f}, "
            "\"peak_rss_kib\": {}}}\n",
            csv.size(), csv.interaction_rows().size(), t_csv, t_save, std::filesystem::file_size(snap), median(loads),
            median(singles), t_batch, batch_size, quantile(quiet, 0.5), quantile(quiet, 0.99), quantile(busy, 0.5),
            quantile(busy, 0.99), published, t_busy, bench::peak_rss_kib());
    } catch (const er::error& e) {
        fmt::print(stderr, "engage-right-bench-live: {}\n", e.what());
        return 1;
    }
    return 0;
}
