// Exact maximum-score b-matching on an arc list: shortest augmenting paths.
#include "matching/solver.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <queue>
#include <set>
#include <unordered_map>
#include <vector>

namespace engage_right {

using detail::check_problem;
using detail::seat_cost;

std::vector<std::size_t> solve_optimal(const bipartite_problem& p) {
    check_problem(p);
    // Min-cost flow: source -> row (row_demand units) -> column (arc cost
    // -value) -> sink (seat j costs seat_cost(j)), plus a zero-cost "stay
    // unmatched" arc row -> sink, so every unit always has a way out and the
    // rows can be augmented one unit at a time (the Hungarian method on a
    // transportation problem). Each augmentation is a Dijkstra on reduced
    // costs that stops at the sink; potentials keep reduced costs >= 0.
    const std::size_t R = p.rows, C = p.capacity.size();
    const std::size_t T = R + C, N = R + C + 1;
    // Arcs with a positive value in row order, stored contiguously: the
    // searches walk them, and an indirection per arc costs a cache miss.
    std::vector<std::size_t> begin(R + 1, 0);
    for (const auto& a : p.arcs)
        if (a.value > 0) ++begin[a.row + 1];
    std::partial_sum(begin.begin(), begin.end(), begin.begin());
    const std::size_t M = begin.back();
    std::vector<std::uint32_t> arc_col(M), arc_row(M);
    std::vector<double> arc_val(M);
    std::vector<std::size_t> arc_id(M);
    {
        std::vector<std::size_t> fill(begin.begin(), begin.end() - 1);
        for (std::size_t i = 0; i < p.arcs.size(); ++i) {
            const auto& a = p.arcs[i];
            if (!(a.value > 0)) continue;
            const std::size_t k = fill[a.row]++;
            arc_col[k] = a.column;
            arc_row[k] = a.row;
            arc_val[k] = a.value;
            arc_id[k] = i;
        }
    }
    // Initial potentials: a row's best value, 0 elsewhere. Reduced costs are
    // then >= 0 everywhere and a row whose best column has a free seat is
    // matched by a search that settles just the row and that column.
    std::vector<double> pot(N, 0.0);
    for (std::size_t r = 0; r < R; ++r)
        for (std::size_t k = begin[r]; k < begin[r + 1]; ++k) pot[r] = std::max(pot[r], arc_val[k]);

    std::vector<std::vector<std::size_t>> row_assigned(R);     // arc positions
    std::vector<std::vector<std::size_t>> column_assigned(C);  // arc positions
    constexpr double inf = std::numeric_limits<double>::infinity();
    constexpr std::size_t none = std::numeric_limits<std::size_t>::max();
    std::vector<double> dist(N, inf);
    std::vector<std::size_t> pred_node(N, none), pred_arc(N, none);
    std::vector<std::uint8_t> done(N, 0);
    std::vector<std::size_t> touched, settled;
    using item = std::pair<double, std::size_t>;
    std::vector<item> heap;  // binary min-heap on (distance, node)
    const auto later = std::greater<item>();

    auto assigned = [&](std::size_t row, std::size_t k) {
        const auto& v = row_assigned[row];
        return std::find(v.begin(), v.end(), k) != v.end();
    };
    auto relax = [&](std::size_t to, double d, std::size_t from, std::size_t k) {
        // Nothing at or beyond the best known distance to the sink can be on
        // a shorter path (reduced costs are >= 0): skip it.
        if (d < dist[to] && (to == T || d < dist[T])) {
            if (dist[to] == inf) touched.push_back(to);
            dist[to] = d;
            pred_node[to] = from;
            pred_arc[to] = k;
            heap.emplace_back(d, to);
            std::push_heap(heap.begin(), heap.end(), later);
        }
    };

    for (std::size_t r0 = 0; r0 < R; ++r0) {
        if (begin[r0] == begin[r0 + 1]) continue;  // nothing to gain
        for (std::uint32_t unit = 0; unit < p.row_demand; ++unit) {
            dist[r0] = 0;
            touched.push_back(r0);
            heap.emplace_back(0.0, r0);
            while (!heap.empty()) {
                std::pop_heap(heap.begin(), heap.end(), later);
                const auto [d, x] = heap.back();
                heap.pop_back();
                if (done[x] || d > dist[x]) continue;
                done[x] = 1;
                if (x == T) break;
                settled.push_back(x);
                if (x < R) {
                    const double px = pot[x];
                    for (std::size_t k = begin[x]; k < begin[x + 1]; ++k) {
                        const std::size_t col = R + arc_col[k];
                        const double nd = d + std::max(0.0, px - arc_val[k] - pot[col]);
                        if (nd < dist[col] && nd < dist[T] && !assigned(x, k)) relax(col, nd, x, k);
                    }
                    relax(T, d + std::max(0.0, px - pot[T]), x, none);  // stay unmatched
                } else {
                    const std::size_t c = x - R;
                    if (column_assigned[c].size() < p.capacity[c])
                        relax(T,
                              d + std::max(0.0, seat_cost(p, static_cast<std::uint32_t>(c), column_assigned[c].size()) +
                                                    pot[x] - pot[T]),
                              x, none);
                    for (const std::size_t k : column_assigned[c]) {
                        const std::size_t r = arc_row[k];
                        relax(r, d + std::max(0.0, arc_val[k] + pot[x] - pot[r]), x, k);
                    }
                }
            }
            const double D = dist[T];
            // Augment along the path back from the sink.
            for (std::size_t y = T; pred_node[y] != none && y != r0;) {
                const std::size_t x = pred_node[y], k = pred_arc[y];
                if (k != none) {
                    if (x < R) {  // forward: row x takes column y
                        row_assigned[x].push_back(k);
                        column_assigned[y - R].push_back(k);
                    } else {  // backward: row y gives up column x
                        auto& ra = row_assigned[y];
                        ra.erase(std::find(ra.begin(), ra.end(), k));
                        auto& ca = column_assigned[x - R];
                        ca.erase(std::find(ca.begin(), ca.end(), k));
                    }
                }
                y = x;
            }
            for (const std::size_t x : settled) pot[x] += dist[x] - D;
            heap.clear();
            for (const std::size_t x : touched) {
                dist[x] = inf;
                pred_node[x] = pred_arc[x] = none;
                done[x] = 0;
            }
            touched.clear();
            settled.clear();
        }
    }
    std::vector<std::size_t> chosen;
    for (std::size_t r = 0; r < R; ++r)
        for (const std::size_t k : row_assigned[r]) chosen.push_back(arc_id[k]);
    std::sort(chosen.begin(), chosen.end());
    return chosen;
}

}  // namespace engage_right
