// The rankings of the evaluation's methods. Every method ranks only the peers
// the recommender's hard rules allow (recommender::is_eligible, or
// is_eligible_any_stage for the unrestricted references); ties go to the
// smaller peer id, as in recommend.
#include "evaluate/evaluate_impl.hpp"
#include "scoring/kernel.hpp"
#include "util/parallel.hpp"
#include "util/random.hpp"

#include <engage_right/error.hpp>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>
#include <unordered_map>

namespace engage_right::detail::eval {
namespace {

using member_list = std::vector<member_index>;

// Run fn(workspace, i) for i in [0, n) on `threads` workers, each with its
// own workspace from make(); results go to per-index slots, so the thread
// count changes nothing.
template <class Make, class Fn>
void for_each_parallel(std::size_t n, unsigned threads, Make make, Fn fn) {
    constexpr std::size_t chunk = 32;
    std::atomic<std::size_t> next{0};
    std::exception_ptr failure;
    std::mutex failure_lock;
    auto work = [&] {
        try {
            auto ws = make();
            for (;;) {
                const std::size_t first = next.fetch_add(chunk);
                if (first >= n) return;
                for (std::size_t i = first; i < std::min(n, first + chunk); ++i) fn(ws, i);
            }
        } catch (...) {
            std::lock_guard lock(failure_lock);
            if (!failure) failure = std::current_exception();
            next.store(n);
        }
    };
    threads = static_cast<unsigned>(std::min<std::size_t>(threads, (n + chunk - 1) / chunk));
    if (threads <= 1) {
        work();
    } else {
        std::vector<std::jthread> pool;
        for (unsigned t = 0; t < threads; ++t) pool.emplace_back(work);
    }
    if (failure) std::rethrow_exception(failure);
}

rankings flatten(std::vector<member_list>& lists) {
    rankings r;
    r.offsets.reserve(lists.size() + 1);
    r.offsets.push_back(0);
    std::size_t total = 0;
    for (const auto& l : lists) total += l.size();
    r.peers.reserve(total);
    for (auto& l : lists) {
        r.peers.insert(r.peers.end(), l.begin(), l.end());
        r.offsets.push_back(r.peers.size());
        member_list().swap(l);
    }
    return r;
}

// True when a ranks before b among equal keys: the smaller id.
bool id_before(const community& c, member_index a, member_index b) {
    const auto& x = c.id(a);
    const auto& y = c.id(b);
    return x < y;
}

// The reference score through the recommender, in batches (the results
// carry strings; a batch bounds their memory).
rankings rank_reference(const recommender& rec, std::span<const member_index> members) {
    std::vector<member_list> lists(members.size());
    constexpr std::size_t batch = 4096;
    for (std::size_t first = 0; first < members.size(); first += batch) {
        const std::size_t last = std::min(members.size(), first + batch);
        const auto recs = rec.for_members(members.subspan(first, last - first));
        std::size_t i = first;
        for (const auto& r : recs) {
            while (members[i] != r.member) ++i;  // members without results have none
            lists[i].push_back(r.peer);
        }
    }
    return flatten(lists);
}

// A custom scorer: every eligible peer one stage right, top `depth`.
rankings rank_scorer(const recommender& rec, std::span<const member_index> members, std::size_t depth,
                     const pair_scorer& scorer, unsigned threads) {
    const community& c = rec.source();
    std::vector<member_list> lists(members.size());
    struct entry {
        double score;
        member_index peer;
    };
    for_each_parallel(
        members.size(), threads, [] { return std::vector<entry>(); },
        [&](std::vector<entry>& scored, std::size_t i) {
            const member_index u = members[i];
            scored.clear();
            if (!rec.is_seeker(u)) return;
            for (member_index v : rec.peer_pool(c.stage(u)))
                if (rec.is_eligible(u, v)) scored.push_back({scorer(c, u, v), v});
            const std::size_t keep = std::min(depth, scored.size());
            // Pool order is id order: ties by the smaller index.
            auto better = [](const entry& a, const entry& b) {
                return a.score > b.score || (a.score == b.score && a.peer < b.peer);
            };
            std::partial_sort(scored.begin(), scored.begin() + static_cast<std::ptrdiff_t>(keep), scored.end(), better);
            for (std::size_t r = 0; r < keep; ++r) lists[i].push_back(scored[r].peer);
        });
    return flatten(lists);
}

// Walk a fixed order of candidates and keep the first `depth` eligible ones.
template <class Eligible>
void first_eligible(std::span<const member_index> order, std::size_t depth, member_list& out, Eligible ok) {
    for (member_index v : order) {
        if (out.size() >= depth) break;
        if (ok(v)) out.push_back(v);
    }
}

// Candidates by degree, most contacts first, ties by id.
member_list by_degree(const community& c, member_list peers) {
    std::stable_sort(peers.begin(), peers.end(), [&](member_index a, member_index b) {
        if (c.degree(a) != c.degree(b)) return c.degree(a) > c.degree(b);
        return id_before(c, a, b);
    });
    return peers;
}

// Every member who may be anyone's peer, by id.
member_list all_peers_by_id(const recommender& rec) {
    const community& c = rec.source();
    member_list out;
    for (member_index v = 0; v < c.size(); ++v)
        if (rec.is_peer(v)) out.push_back(v);
    std::sort(out.begin(), out.end(), [&](member_index a, member_index b) { return id_before(c, a, b); });
    return out;
}

rankings rank_degree(const recommender& rec, std::span<const member_index> members, std::size_t depth, bool any_stage,
                     unsigned threads) {
    const community& c = rec.source();
    const std::size_t stages = c.journey().stage_count();
    std::vector<member_list> order(any_stage ? 1 : stages);
    if (any_stage) {
        order[0] = by_degree(c, all_peers_by_id(rec));
    } else {
        std::vector<std::uint8_t> used(stages, 0);
        for (member_index u : members) used[c.stage(u)] = 1;
        for (std::size_t s = 0; s < stages; ++s) {
            if (!used[s]) continue;
            const auto pool = rec.peer_pool(static_cast<stage_index>(s));
            order[s] = by_degree(c, member_list(pool.begin(), pool.end()));
        }
    }
    std::vector<member_list> lists(members.size());
    for_each_parallel(
        members.size(), threads, [] { return 0; },
        [&](int, std::size_t i) {
            const member_index u = members[i];
            if (!(any_stage ? rec.is_seeker_any_stage(u) : rec.is_seeker(u))) return;
            if (any_stage)
                first_eligible(order[0], depth, lists[i],
                               [&](member_index v) { return rec.is_eligible_any_stage(u, v); });
            else
                first_eligible(order[c.stage(u)], depth, lists[i],
                               [&](member_index v) { return rec.is_eligible(u, v); });
        });
    return flatten(lists);
}

struct aa_workspace {
    std::vector<double> aa;  // by member, 0 when untouched
    member_list touched;
    member_list ranked;
};

rankings rank_adamic_adar(const recommender& rec, std::span<const member_index> members, std::size_t depth,
                          bool any_stage, unsigned threads) {
    const community& c = rec.source();
    const std::size_t n = c.size();
    std::vector<double> inv_log(n, 0.0);
    for (member_index w = 0; w < n; ++w)
        if (c.degree(w) >= 2) inv_log[w] = inverse_log_degree(c.degree(w));
    const member_list fill_any = any_stage ? all_peers_by_id(rec) : member_list();
    std::vector<member_list> lists(members.size());
    for_each_parallel(
        members.size(), threads,
        [&] {
            aa_workspace ws;
            ws.aa.assign(n, 0.0);
            return ws;
        },
        [&](aa_workspace& ws, std::size_t i) {
            const member_index u = members[i];
            if (!(any_stage ? rec.is_seeker_any_stage(u) : rec.is_seeker(u))) return;
            auto ok = [&](member_index v) {
                return any_stage ? rec.is_eligible_any_stage(u, v) : rec.is_eligible(u, v);
            };
            // Sums over the common neighbours w in ascending order: the same
            // bits as adamic_adar(c, u, x).
            ws.touched.clear();
            for (member_index w : c.neighbors(u)) {
                const double add = inv_log[w];
                for (member_index x : c.neighbors(w)) {
                    if (x == u) continue;
                    if (ws.aa[x] == 0.0) ws.touched.push_back(x);
                    ws.aa[x] += add;
                }
            }
            ws.ranked.clear();
            for (member_index x : ws.touched)
                if (ok(x)) ws.ranked.push_back(x);
            const std::size_t keep = std::min(depth, ws.ranked.size());
            std::partial_sort(ws.ranked.begin(), ws.ranked.begin() + static_cast<std::ptrdiff_t>(keep), ws.ranked.end(),
                              [&](member_index a, member_index b) {
                                  if (ws.aa[a] != ws.aa[b]) return ws.aa[a] > ws.aa[b];
                                  return id_before(c, a, b);
                              });
            member_list& out = lists[i];
            out.assign(ws.ranked.begin(), ws.ranked.begin() + static_cast<std::ptrdiff_t>(keep));
            // Then the peers without a common neighbour, by id.
            if (out.size() < depth) {
                const std::span<const member_index> fill =
                    any_stage ? std::span<const member_index>(fill_any) : rec.peer_pool(c.stage(u));
                first_eligible(fill, depth, out, [&](member_index v) { return ws.aa[v] == 0.0 && ok(v); });
            }
            for (member_index x : ws.touched) ws.aa[x] = 0.0;
        });
    return flatten(lists);
}

// A uniformly random order of the eligible peers: a Fisher-Yates shuffle of
// the pool, drawn lazily (only the swapped positions are stored), stopped
// after `depth` eligible peers. The stream depends on the seed and the
// member's input position only.
rankings rank_random(const recommender& rec, std::span<const member_index> members, std::size_t depth,
                     std::uint64_t seed, unsigned threads) {
    const community& c = rec.source();
    const std::uint64_t base = mix64(seed ^ 0x72616e646f6d3a31ULL);
    std::vector<member_list> lists(members.size());
    for_each_parallel(
        members.size(), threads, [] { return std::unordered_map<std::uint32_t, std::uint32_t>(); },
        [&](std::unordered_map<std::uint32_t, std::uint32_t>& swapped, std::size_t i) {
            const member_index u = members[i];
            if (!rec.is_seeker(u)) return;
            const auto pool = rec.peer_pool(c.stage(u));
            const std::uint64_t key = mix64(base ^ c.input_position(u));
            const auto m = static_cast<std::uint32_t>(pool.size());
            swapped.clear();
            auto at = [&](std::uint32_t p) {
                const auto it = swapped.find(p);
                return it == swapped.end() ? p : it->second;
            };
            member_list& out = lists[i];
            for (std::uint32_t p = 0; p < m && out.size() < depth; ++p) {
                const auto q = static_cast<std::uint32_t>(p + below(draw64(key, p), m - p));
                const std::uint32_t chosen = at(q);
                swapped[q] = at(p);
                const member_index v = pool[chosen];
                if (rec.is_eligible(u, v)) out.push_back(v);
            }
        });
    return flatten(lists);
}

}  // namespace

rankings rank_members(const recommender& rec, eval_method method, std::span<const member_index> members,
                      std::size_t depth, const pair_scorer& scorer, std::uint64_t seed, unsigned threads) {
    switch (method) {
        case eval_method::engage_right:
            return scorer ? rank_scorer(rec, members, depth, scorer, threads) : rank_reference(rec, members);
        case eval_method::adamic_adar: return rank_adamic_adar(rec, members, depth, false, threads);
        case eval_method::degree: return rank_degree(rec, members, depth, false, threads);
        case eval_method::random: return rank_random(rec, members, depth, seed, threads);
        case eval_method::adamic_adar_unrestricted: return rank_adamic_adar(rec, members, depth, true, threads);
        case eval_method::degree_unrestricted: return rank_degree(rec, members, depth, true, threads);
    }
    throw config_error("unknown evaluation method");
}

}  // namespace engage_right::detail::eval
