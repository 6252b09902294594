#include <engage_right/detail/csv.hpp>
#include <engage_right/error.hpp>
#include <engage_right/io.hpp>
#include <engage_right/matching.hpp>
#include <engage_right/ranking.hpp>

#include "journey/gap.hpp"
#include "util/names.hpp"
#include "util/parallel.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <mutex>
#include <numeric>
#include <queue>
#include <set>
#include <thread>
#include <unordered_map>

namespace engage_right {

namespace {

constexpr std::size_t no_group = static_cast<std::size_t>(-1);

constexpr detail::name_table<match_method, 3> method_names{
    "matching method",
    {{{match_method::optimal, "optimal"}, {match_method::stable, "stable"}, {match_method::greedy, "greedy"}}}};

constexpr detail::name_table<unmatched_reason, 3> reason_names{
    "unmatched reason",
    {{{unmatched_reason::no_eligible_peer, "no_eligible_peer"},
      {unmatched_reason::no_positive_score, "no_positive_score"},
      {unmatched_reason::capacity_exhausted, "capacity_exhausted"}}}};

}  // namespace

const char* to_string(match_method m) noexcept { return method_names.name(m); }

match_method parse_match_method(std::string_view name) { return method_names.parse(name); }

const char* to_string(unmatched_reason r) noexcept { return reason_names.name(r); }

// ------------------------------------------------------------ community ---

match_result match(const community& c, const match_options& o) {
    if (o.per_member == 0 || o.per_member > 1000)
        throw config_error(fmt::format("per_member must be 1..1000, got {}", o.per_member));
    if (!(o.spread >= 0 && o.spread <= 1))
        throw config_error(fmt::format("spread must be in [0, 1], got {}", o.spread));
    if (!(o.cooldown_days >= 0) || !std::isfinite(o.cooldown_days))
        throw config_error(fmt::format("cooldown_days must be a finite number >= 0, got {}", o.cooldown_days));
    if (!std::isfinite(o.continuity_bonus) || o.continuity_bonus < 0)
        throw config_error(fmt::format("continuity_bonus must be a finite number >= 0, got {}", o.continuity_bonus));
    const journey& j = c.journey();
    const pairing_history& h = o.history;
    if (h.peer.size() != h.size() || h.timestamp.size() != h.size())
        throw config_error("pairing history columns differ in length");

    // History: pairs within the cooldown are blocked, older ones may get a bonus.
    double as_of = 0;
    if (o.as_of) as_of = *o.as_of;
    else if (h.size()) as_of = *std::max_element(h.timestamp.begin(), h.timestamp.end());
    auto key = [](member_index a, member_index b) {
        if (a > b) std::swap(a, b);
        return (static_cast<std::uint64_t>(a) << 32) | b;
    };
    std::unordered_map<std::uint64_t, double> last_met;  // pair -> latest meeting
    for (std::size_t i = 0; i < h.size(); ++i) {
        if (h.member[i] >= c.size() || h.peer[i] >= c.size())
            throw config_error("pairing history names an unknown member");
        auto [it, fresh] = last_met.emplace(key(h.member[i], h.peer[i]), h.timestamp[i]);
        if (!fresh) it->second = std::max(it->second, h.timestamp[i]);
    }
    recommend_options ro = o.scoring;
    ro.reasons = false;
    std::size_t excluded = 0;
    const double window = o.cooldown_days * 86400.0;
    for (const auto& [k, t] : last_met)
        if (o.cooldown_days > 0 && t <= as_of && as_of - t < window) {
            ro.blocked.emplace_back(static_cast<member_index>(k >> 32), static_cast<member_index>(k & 0xffffffffu));
            ++excluded;
        }
    std::sort(ro.blocked.begin(), ro.blocked.end());

    // Problems: rows are seekers, columns peers. With the stage gap 1:1 every
    // journey step is its own problem (seekers at s, peers at s+1). A wider
    // gap lets seekers of neighbouring stages compete for the same peers, so
    // seeker stages whose peer windows overlap are solved together: one
    // problem per group, its columns the peers of the union of the windows.
    validate_stage_gap(o.scoring.gap, j);
    const std::size_t stages = j.stage_count();
    std::vector<detail::stage_window> peers_of(stages);
    for (std::size_t s = 0; s + 1 < stages; ++s) peers_of[s] = detail::peer_window(j, s, o.scoring.gap);
    std::vector<std::size_t> group_of(stages, no_group);
    struct group {
        std::size_t first_stage = 0, last_stage = 0;  // seeker stages
        std::size_t first_peer_stage = 0, last_peer_stage = 0;
    };
    std::vector<group> groups;
    for (std::size_t s = 0; s + 1 < stages; ++s) {
        if (peers_of[s].empty()) continue;
        // Windows move right with s, so overlapping ones are consecutive.
        if (!groups.empty() && groups.back().last_peer_stage >= peers_of[s].first) {
            groups.back().last_stage = s;
            groups.back().last_peer_stage = std::max(groups.back().last_peer_stage, peers_of[s].last);
        } else {
            groups.push_back({s, s, peers_of[s].first, peers_of[s].last});
        }
        group_of[s] = groups.size() - 1;
    }

    // Candidates: the top-K eligible peers of every member (all when K = 0).
    std::size_t k = o.candidates;
    if (k == 0) {
        k = 1;
        for (std::size_t s = 0; s + 1 < stages; ++s)
            if (!peers_of[s].empty())
                k = std::max<std::size_t>(k, c.stage_members(static_cast<stage_index>(peers_of[s].last)).last -
                                                 c.stage_members(static_cast<stage_index>(peers_of[s].first)).first);
    }
    ro.k = k;
    const recommender rec(c, ro);
    std::vector<recommendation> cands = rec.for_all();

    match_result out;
    out.candidate_pairs = cands.size();
    out.excluded_by_cooldown = excluded;

    const std::size_t problem_count = groups.size();
    std::vector<bipartite_problem> problems(problem_count);
    std::vector<std::vector<std::size_t>> cand_of(problem_count);  // arc -> index into cands
    std::vector<member_index> row_base(problem_count), column_base(problem_count);
    for (std::size_t g = 0; g < problem_count; ++g) {
        bipartite_problem& p = problems[g];
        p.row_demand = static_cast<std::uint32_t>(o.per_member);
        p.spread = o.spread;
        // Seekers of consecutive stages form one index range, and so do peers.
        const index_range rows{c.stage_members(static_cast<stage_index>(groups[g].first_stage)).first,
                               c.stage_members(static_cast<stage_index>(groups[g].last_stage)).last};
        const index_range right{c.stage_members(static_cast<stage_index>(groups[g].first_peer_stage)).first,
                                c.stage_members(static_cast<stage_index>(groups[g].last_peer_stage)).last};
        row_base[g] = rows.first;
        column_base[g] = right.first;
        p.rows = rows.size();
        p.capacity.resize(right.size());
        for (member_index v = right.first; v < right.last; ++v)
            p.capacity[v - right.first] = static_cast<std::uint32_t>(std::max(0, c.capacity(v)));
    }
    std::vector<std::uint8_t> has_candidate(c.size(), 0), has_positive(c.size(), 0);
    for (std::size_t i = 0; i < cands.size(); ++i) {
        const recommendation& r = cands[i];
        const std::size_t g = group_of[c.stage(r.member)];
        double value = r.score;
        if (o.continuity_bonus > 0) {
            const auto it = last_met.find(key(r.member, r.peer));
            if (it != last_met.end() && it->second <= as_of) value += o.continuity_bonus;
        }
        has_candidate[r.member] = 1;
        if (value > 0) has_positive[r.member] = 1;
        problems[g].arcs.push_back({r.member - row_base[g], r.peer - column_base[g], value});
        cand_of[g].push_back(i);
    }

    std::vector<std::vector<std::size_t>> chosen(problem_count);
    auto solve = [&](std::size_t s) {
        switch (o.method) {
            case match_method::optimal: chosen[s] = solve_optimal(problems[s]); break;
            case match_method::stable: chosen[s] = solve_stable(problems[s]); break;
            case match_method::greedy: chosen[s] = solve_greedy(problems[s]); break;
        }
    };
    unsigned threads = detail::thread_count(o.scoring.threads);
    threads = static_cast<unsigned>(std::min<std::size_t>(threads, problem_count));
    if (threads <= 1) {
        for (std::size_t s = 0; s < problem_count; ++s) solve(s);
    } else {
        std::atomic<std::size_t> next{0};
        std::vector<std::thread> pool;
        std::exception_ptr failure;
        std::mutex failure_lock;
        for (unsigned t = 0; t < threads; ++t)
            pool.emplace_back([&] {
                for (std::size_t s; (s = next.fetch_add(1)) < problem_count;) {
                    try {
                        solve(s);
                    } catch (...) {
                        std::lock_guard<std::mutex> lock(failure_lock);
                        if (!failure) failure = std::current_exception();
                    }
                }
            });
        for (auto& th : pool) th.join();
        if (failure) std::rethrow_exception(failure);
    }

    // Pairs, with seats numbered per peer in value order (best pair, seat 0).
    std::vector<std::uint32_t> matched(c.size(), 0);
    for (std::size_t s = 0; s < problem_count; ++s) {
        std::vector<match_pair> step_pairs;
        for (const std::size_t a : chosen[s]) {
            const recommendation& r = cands[cand_of[s][a]];
            match_pair mp;
            mp.member = r.member;
            mp.peer = r.peer;
            mp.score = r.score;
            mp.value = problems[s].arcs[a].value;
            mp.components = r.components;
            mp.medium = r.medium;
            step_pairs.push_back(std::move(mp));
            ++matched[r.member];
        }
        std::sort(step_pairs.begin(), step_pairs.end(), [](const match_pair& a, const match_pair& b) {
            if (a.peer != b.peer) return a.peer < b.peer;
            if (a.value != b.value) return a.value > b.value;
            return a.member < b.member;
        });
        for (std::size_t i = 0; i < step_pairs.size(); ++i) {
            const std::uint32_t seat =
                i > 0 && step_pairs[i - 1].peer == step_pairs[i].peer ? step_pairs[i - 1].seat + 1 : 0;
            step_pairs[i].seat = seat;
            const double cost = o.spread * seat / std::max(1, c.capacity(step_pairs[i].peer));
            step_pairs[i].value -= cost;
        }
        for (auto& mp : step_pairs) out.pairs.push_back(std::move(mp));
    }
    std::sort(out.pairs.begin(), out.pairs.end(), [](const match_pair& a, const match_pair& b) {
        if (a.member != b.member) return a.member < b.member;
        if (a.value != b.value) return a.value > b.value;
        return a.peer < b.peer;
    });
    for (auto& mp : out.pairs) {
        out.total_score += mp.score;
        out.total_value += mp.value;
        if (o.reasons)
            mp.reason = o.scoring.model
                            ? o.scoring.model->reason(mp.member, mp.peer, o.scoring.model->features(mp.member, mp.peer))
                            : reason_sentence(c, mp.member, mp.peer, mp.components, o.scoring.gap);
    }
    for (member_index u = 0; u < c.size(); ++u) {
        if (c.stage(u) + 1u >= j.stage_count() || c.opted_out(u) || matched[u] >= o.per_member) continue;
        unmatched_reason why = unmatched_reason::capacity_exhausted;
        if (!has_candidate[u]) why = unmatched_reason::no_eligible_peer;
        else if (!has_positive[u]) why = unmatched_reason::no_positive_score;
        out.unmatched.push_back({u, matched[u], why});
    }
    return out;
}

}  // namespace engage_right
