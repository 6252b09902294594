#include <engage_right/detail/csv.hpp>
#include <engage_right/error.hpp>
#include <engage_right/io.hpp>
#include <engage_right/matching.hpp>

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

using detail::csv_field;
using detail::csv_reader;
using detail::trim;
using detail::lower;
using detail::shown;

const char* to_string(match_method m) noexcept {
    switch (m) {
        case match_method::optimal: return "optimal";
        case match_method::stable: return "stable";
        case match_method::greedy: return "greedy";
    }
    return "?";
}

match_method parse_match_method(std::string_view name) {
    if (name == "optimal") return match_method::optimal;
    if (name == "stable") return match_method::stable;
    if (name == "greedy") return match_method::greedy;
    throw config_error(fmt::format("unknown matching method '{}' (expected optimal, stable or greedy)", name));
}

const char* to_string(unmatched_reason r) noexcept {
    switch (r) {
        case unmatched_reason::no_eligible_peer: return "no_eligible_peer";
        case unmatched_reason::no_positive_score: return "no_positive_score";
        case unmatched_reason::capacity_exhausted: return "capacity_exhausted";
    }
    return "?";
}

// ------------------------------------------------------------- solvers ---

namespace {

void check_problem(const bipartite_problem& p) {
    if (p.row_demand == 0) throw config_error("row demand (per_member) must be >= 1");
    if (!(p.spread >= 0 && p.spread <= 1)) throw config_error(fmt::format("spread must be in [0, 1], got {}", p.spread));
    for (const auto& a : p.arcs) {
        if (a.row >= p.rows || a.column >= p.capacity.size())
            throw config_error(fmt::format("arc ({}, {}) outside the problem ({} rows, {} columns)", a.row, a.column,
                                           p.rows, p.capacity.size()));
        if (!std::isfinite(a.value)) throw config_error("arc values must be finite");
    }
}

double seat_cost(const bipartite_problem& p, std::uint32_t column, std::size_t seat) {
    return p.spread == 0 ? 0.0 : p.spread * static_cast<double>(seat) / static_cast<double>(p.capacity[column]);
}

}  // namespace

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
                        relax(T, d + std::max(0.0, seat_cost(p, static_cast<std::uint32_t>(c), column_assigned[c].size()) +
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

std::vector<std::pair<std::uint32_t, std::uint32_t>> solve_optimal_dense(std::span<const double> values,
                                                                         std::size_t rows,
                                                                         std::span<const std::uint32_t> capacity,
                                                                         std::uint32_t row_demand, double spread) {
    const std::size_t R = rows, C = capacity.size();
    if (row_demand == 0) throw config_error("row demand (per_member) must be >= 1");
    if (!(spread >= 0 && spread <= 1)) throw config_error(fmt::format("spread must be in [0, 1], got {}", spread));
    if (values.size() != R * C)
        throw config_error(fmt::format("dense values: expected {} x {} = {} entries, got {}", R, C, R * C, values.size()));
    if (R > std::numeric_limits<std::uint32_t>::max() || C > std::numeric_limits<std::uint32_t>::max())
        throw config_error("dense values: too many rows or columns");
    // The same min-cost flow as solve_optimal (source -> row -> column ->
    // seat -> sink, plus "stay unmatched" row -> sink at cost 0), searched
    // with arrays instead of a heap. Disallowed entries become -inf, so a
    // row scan is one branch-free loop over the columns: -inf gives an
    // infinite reduced cost that never improves a distance.
    constexpr double inf = std::numeric_limits<double>::infinity();
    std::vector<double> v(values.begin(), values.end());
    for (double& x : v)
        if (!(x > 0)) x = -inf;
        else if (!std::isfinite(x)) throw config_error("dense values must be finite or NaN");
    auto seat = [&](std::size_t c, std::size_t j) {
        return spread == 0 ? 0.0 : spread * static_cast<double>(j) / static_cast<double>(capacity[c]);
    };
    // Potentials: a row's best value, 0 for columns and the sink; every
    // reduced cost below is cost + pot[from] - pot[to] >= 0.
    std::vector<double> prow(R, 0.0), pcol(C, 0.0);
    double psink = 0;
    for (std::size_t r = 0; r < R; ++r) {
        const double* row = v.data() + r * C;
        for (std::size_t c = 0; c < C; ++c) prow[r] = std::max(prow[r], row[c]);
    }
    std::vector<std::vector<std::uint32_t>> row_cols(R), col_rows(C);
    constexpr std::uint32_t none = std::numeric_limits<std::uint32_t>::max();
    std::vector<double> dcol(C, inf), drow(R, inf);
    std::vector<std::uint32_t> col_pred(C, none), row_pred(R, none);  // row reached from column / column from row
    std::vector<std::uint8_t> row_done(R, 0);
    std::vector<std::uint32_t> done_cols, done_rows, reached, touched_rows;
    // Unsettled columns are rem[0, nrem); settling one swaps it behind.
    std::vector<std::uint32_t> rem(C), pos(C);
    std::iota(rem.begin(), rem.end(), 0u);
    std::iota(pos.begin(), pos.end(), 0u);
    std::size_t nrem = C;
    auto take_out = [&](std::uint32_t c) {  // move c behind the unsettled range
        const std::size_t i = pos[c], j = --nrem;
        const std::uint32_t other = rem[j];
        rem[i] = other;
        pos[other] = static_cast<std::uint32_t>(i);
        rem[j] = c;
        pos[c] = static_cast<std::uint32_t>(j);
    };

    for (std::size_t r0 = 0; r0 < R; ++r0) {
        if (!(prow[r0] > 0)) continue;  // no allowed pair: nothing to gain
        for (std::uint32_t unit = 0; unit < row_demand; ++unit) {
            double dsink = inf;
            std::uint32_t sink_from_col = none, sink_from_row = none;
            // The nearest unsettled column, kept fresh by every row scan.
            std::size_t min_col = C;
            double min_d = inf;
            bool min_valid = false;
            // Scan a settled row: relax its columns in one pass that also
            // finds the nearest unsettled column. Columns the row already
            // holds are saturated arcs: they are moved out of the pass.
            auto scan_row = [&](std::uint32_t r, double dr) {
                const double* row = v.data() + static_cast<std::size_t>(r) * C;
                const double base = dr + prow[r];
                const std::size_t before = nrem;
                for (const auto c : row_cols[r])
                    if (pos[c] < nrem) take_out(c);
                std::size_t mc = C;
                double md = inf;
                // Raw pointers: the hot loop of the whole solver.
                const std::uint32_t* const rm = rem.data();
                const double* const pc = pcol.data();
                double* const dc = dcol.data();
                std::uint32_t* const cp = col_pred.data();
                const std::size_t n = nrem;
                for (std::size_t i = 0; i < n; ++i) {
                    const std::uint32_t c = rm[i];
                    // base - row[c] - pcol[c] = dr + reduced cost (>= dr up to rounding)
                    const double nd = std::max(dr, base - row[c] - pc[c]);
                    double d = dc[c];
                    if (nd < d) {
                        d = nd;
                        dc[c] = nd;
                        cp[c] = r;
                    }
                    // On ties prefer a column with a free seat: it ends the
                    // search (ties are common when many peers score alike).
                    if (d < md || (d == md && col_rows[c].size() < capacity[c])) {
                        md = d;
                        mc = c;
                    }
                }
                for (std::size_t i = nrem; i < before; ++i)
                    if (dcol[rem[i]] < md || (dcol[rem[i]] == md && col_rows[rem[i]].size() < capacity[rem[i]])) {
                        md = dcol[rem[i]];
                        mc = rem[i];
                    }
                nrem = before;
                min_col = mc;
                min_d = md;
                min_valid = true;
                const double ns = dr + std::max(0.0, prow[r] - psink);
                if (ns < dsink) {
                    dsink = ns;
                    sink_from_col = none;
                    sink_from_row = r;
                }
            };
            const auto start = static_cast<std::uint32_t>(r0);
            drow[start] = 0;
            touched_rows.push_back(start);
            row_done[start] = 1;
            done_rows.push_back(start);
            scan_row(start, 0.0);
            double last = 0;  // distance of the last settled node: nothing unsettled is nearer
            for (;;) {
                // A row at the distance of the column it was reached from
                // (a tight arc, the usual case) is nearest: no pass needed.
                std::size_t tight = reached.size();
                for (std::size_t i = 0; i < reached.size(); ++i)
                    if (drow[reached[i]] <= last && drow[reached[i]] < dsink) {
                        tight = i;
                        break;
                    }
                if (tight < reached.size()) {
                    const std::uint32_t r = reached[tight];
                    reached[tight] = reached.back();
                    reached.pop_back();
                    row_done[r] = 1;
                    done_rows.push_back(r);
                    last = drow[r];
                    scan_row(r, drow[r]);
                    continue;
                }
                if (!min_valid) {
                    min_col = C;
                    min_d = inf;
                    for (std::size_t i = 0; i < nrem; ++i)
                        if (dcol[rem[i]] < min_d ||
                            (dcol[rem[i]] == min_d && col_rows[rem[i]].size() < capacity[rem[i]])) {
                            min_d = dcol[rem[i]];
                            min_col = rem[i];
                        }
                    min_valid = true;
                }
                // The nearest node: a row reached through a column it holds
                // (rows first on ties: few, and usually at the column's
                // distance) or a column; stop once the sink is nearer.
                double bd = std::min(dsink, min_d);
                std::size_t best_row = reached.size();
                for (std::size_t i = 0; i < reached.size(); ++i)
                    if (drow[reached[i]] <= bd && drow[reached[i]] < dsink) {
                        bd = drow[reached[i]];
                        best_row = i;
                    }
                if (best_row < reached.size()) {
                    const std::uint32_t r = reached[best_row];
                    reached[best_row] = reached.back();
                    reached.pop_back();
                    row_done[r] = 1;
                    done_rows.push_back(r);
                    last = bd;
                    scan_row(r, bd);
                    continue;
                }
                if (!(min_col < C && min_d < dsink)) break;
                const auto c = static_cast<std::uint32_t>(min_col);
                bd = min_d;
                last = bd;
                take_out(c);
                min_valid = false;
                done_cols.push_back(c);
                if (col_rows[c].size() < capacity[c]) {
                    const double ns = bd + std::max(0.0, seat(c, col_rows[c].size()) + pcol[c] - psink);
                    if (ns < dsink) {
                        dsink = ns;
                        sink_from_col = c;
                        sink_from_row = none;
                    }
                }
                // Rows holding c can give it up (backward arcs).
                for (const auto r : col_rows[c]) {
                    if (row_done[r]) continue;
                    const double dr = bd + std::max(0.0, v[static_cast<std::size_t>(r) * C + c] + pcol[c] - prow[r]);
                    if (dr < drow[r]) {
                        if (drow[r] == inf) {
                            reached.push_back(r);
                            touched_rows.push_back(r);
                        }
                        drow[r] = dr;
                        row_pred[r] = c;
                    }
                }
            }
            if (dsink == inf) break;  // cannot happen: "unmatched" is always open
            // Augment from the sink back to r0.
            std::uint32_t r = sink_from_row;
            if (sink_from_col != none) {
                const std::uint32_t c = sink_from_col;
                r = col_pred[c];
                row_cols[r].push_back(c);
                col_rows[c].push_back(r);
            }
            while (r != start) {
                const std::uint32_t c = row_pred[r];  // r gives up c ...
                auto& rc = row_cols[r];
                rc.erase(std::find(rc.begin(), rc.end(), c));
                auto& cr = col_rows[c];
                cr.erase(std::find(cr.begin(), cr.end(), r));
                r = col_pred[c];  // ... to the row that reached c
                row_cols[r].push_back(c);
                col_rows[c].push_back(r);
            }
            for (const auto x : done_rows) prow[x] += drow[x] - dsink;
            for (const auto x : done_cols) pcol[x] += dcol[x] - dsink;
            for (const auto x : touched_rows) {
                drow[x] = inf;
                row_done[x] = 0;
                row_pred[x] = none;
            }
            touched_rows.clear();
            reached.clear();
            std::fill(dcol.begin(), dcol.end(), inf);
            std::fill(col_pred.begin(), col_pred.end(), none);
            nrem = C;  // settled columns sit behind the range: all unsettled again
            done_rows.clear();
            done_cols.clear();
        }
    }
    std::vector<std::pair<std::uint32_t, std::uint32_t>> chosen;
    for (std::size_t r = 0; r < R; ++r)
        for (const auto c : row_cols[r]) chosen.emplace_back(static_cast<std::uint32_t>(r), c);
    std::sort(chosen.begin(), chosen.end());
    return chosen;
}

std::vector<std::vector<std::uint32_t>> solve_stable_ranked(const std::vector<std::vector<std::uint32_t>>& row_prefs,
                                                            const std::vector<std::vector<std::uint32_t>>& column_prefs,
                                                            const std::vector<std::uint32_t>& capacity,
                                                            std::uint32_t row_demand) {
    if (column_prefs.size() != capacity.size())
        throw config_error("stable matching: one capacity per column is needed");
    if (row_demand == 0) throw config_error("row demand (per_member) must be >= 1");
    const std::size_t R = row_prefs.size(), C = capacity.size();
    // rank[c][row]: position in the column's list; absent = unacceptable.
    std::vector<std::unordered_map<std::uint32_t, std::size_t>> rank(C);
    for (std::size_t c = 0; c < C; ++c)
        for (std::size_t k = 0; k < column_prefs[c].size(); ++k) {
            if (column_prefs[c][k] >= R) throw config_error("stable matching: column preference names an unknown row");
            rank[c].emplace(column_prefs[c][k], k);
        }
    for (const auto& prefs : row_prefs)
        for (auto c : prefs)
            if (c >= C) throw config_error("stable matching: row preference names an unknown column");
    // Held rows per column, ordered by the column's preference.
    std::vector<std::set<std::pair<std::size_t, std::uint32_t>>> held(C);
    std::vector<std::size_t> next(R, 0);
    std::vector<std::uint32_t> holding(R, 0);
    std::vector<std::vector<std::uint32_t>> result(R);
    std::vector<std::uint32_t> queue;
    for (std::size_t r = R; r-- > 0;) queue.push_back(static_cast<std::uint32_t>(r));  // row 0 proposes first
    while (!queue.empty()) {
        const std::uint32_t r = queue.back();
        queue.pop_back();
        while (holding[r] < row_demand && next[r] < row_prefs[r].size()) {
            const std::uint32_t c = row_prefs[r][next[r]++];
            const auto it = rank[c].find(r);
            if (it == rank[c].end() || capacity[c] == 0) continue;  // unacceptable
            const std::pair<std::size_t, std::uint32_t> entry{it->second, r};
            if (held[c].size() < capacity[c]) {
                held[c].insert(entry);
                ++holding[r];
            } else if (entry < *held[c].rbegin()) {
                const std::uint32_t bumped = held[c].rbegin()->second;
                held[c].erase(std::prev(held[c].end()));
                held[c].insert(entry);
                ++holding[r];
                --holding[bumped];
                queue.push_back(bumped);
            }
        }
    }
    for (std::size_t c = 0; c < C; ++c)
        for (const auto& [k, r] : held[c]) result[r].push_back(static_cast<std::uint32_t>(c));
    for (std::size_t r = 0; r < R; ++r) {
        // Report each row's columns in its own preference order.
        std::unordered_map<std::uint32_t, std::size_t> pos;
        for (std::size_t k = 0; k < row_prefs[r].size(); ++k) pos.emplace(row_prefs[r][k], k);
        std::sort(result[r].begin(), result[r].end(), [&](auto a, auto b) { return pos[a] < pos[b]; });
    }
    return result;
}

std::vector<std::size_t> solve_stable(const bipartite_problem& p) {
    check_problem(p);
    const std::size_t R = p.rows, C = p.capacity.size();
    std::vector<std::vector<std::size_t>> row_arcs(R), column_arcs(C);
    for (std::size_t i = 0; i < p.arcs.size(); ++i) {
        if (!(p.arcs[i].value > 0)) continue;
        row_arcs[p.arcs[i].row].push_back(i);
        column_arcs[p.arcs[i].column].push_back(i);
    }
    auto by_value = [&](bool rows_side) {
        return [&, rows_side](std::size_t a, std::size_t b) {
            if (p.arcs[a].value != p.arcs[b].value) return p.arcs[a].value > p.arcs[b].value;
            return rows_side ? p.arcs[a].column < p.arcs[b].column : p.arcs[a].row < p.arcs[b].row;
        };
    };
    std::vector<std::vector<std::uint32_t>> row_prefs(R), column_prefs(C);
    std::vector<std::unordered_map<std::uint32_t, std::size_t>> arc_of(R);
    for (std::size_t r = 0; r < R; ++r) {
        std::sort(row_arcs[r].begin(), row_arcs[r].end(), by_value(true));
        for (auto a : row_arcs[r]) {
            if (!arc_of[r].emplace(p.arcs[a].column, a).second)
                throw config_error(fmt::format("row {} has two arcs to column {}", r, p.arcs[a].column));
            row_prefs[r].push_back(p.arcs[a].column);
        }
    }
    for (std::size_t c = 0; c < C; ++c) {
        std::sort(column_arcs[c].begin(), column_arcs[c].end(), by_value(false));
        for (auto a : column_arcs[c]) column_prefs[c].push_back(p.arcs[a].row);
    }
    const auto matched = solve_stable_ranked(row_prefs, column_prefs, p.capacity, p.row_demand);
    std::vector<std::size_t> chosen;
    for (std::size_t r = 0; r < R; ++r)
        for (auto c : matched[r]) chosen.push_back(arc_of[r].at(c));
    std::sort(chosen.begin(), chosen.end());
    return chosen;
}

std::vector<std::size_t> solve_greedy(const bipartite_problem& p) {
    check_problem(p);
    // Max-heap of (value at push time, -row, -column, arc); a popped entry
    // whose column filled up since is re-pushed with its current value.
    struct entry {
        double value;
        std::uint32_t row, column;
        std::size_t arc;
        bool operator<(const entry& o) const {
            if (value != o.value) return value < o.value;
            if (row != o.row) return row > o.row;
            return column > o.column;
        }
    };
    std::priority_queue<entry> heap;
    for (std::size_t i = 0; i < p.arcs.size(); ++i)
        if (p.arcs[i].value > 0) heap.push({p.arcs[i].value, p.arcs[i].row, p.arcs[i].column, i});
    std::vector<std::uint32_t> load(p.capacity.size(), 0), taken(p.rows, 0);
    std::vector<std::size_t> chosen;
    while (!heap.empty()) {
        entry e = heap.top();
        heap.pop();
        if (taken[e.row] >= p.row_demand || load[e.column] >= p.capacity[e.column]) continue;
        const double now = p.arcs[e.arc].value - seat_cost(p, e.column, load[e.column]);
        if (now != e.value) {
            if (now > 0) heap.push({now, e.row, e.column, e.arc});
            continue;
        }
        ++taken[e.row];
        ++load[e.column];
        chosen.push_back(e.arc);
    }
    std::sort(chosen.begin(), chosen.end());
    return chosen;
}

// ------------------------------------------------------------ community ---

match_result match(const community& c, const match_options& o) {
    if (o.per_member == 0 || o.per_member > 1000)
        throw config_error(fmt::format("per_member must be 1..1000, got {}", o.per_member));
    if (!(o.spread >= 0 && o.spread <= 1)) throw config_error(fmt::format("spread must be in [0, 1], got {}", o.spread));
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
        if (h.member[i] >= c.size() || h.peer[i] >= c.size()) throw config_error("pairing history names an unknown member");
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

    // Candidates: the top-K eligible peers of every member (all when K = 0).
    std::size_t k = o.candidates;
    if (k == 0) {
        k = 1;
        for (std::size_t s = 0; s < j.stage_count(); ++s)
            k = std::max(k, c.stage_members(static_cast<stage_index>(s)).size());
    }
    ro.k = k;
    const recommender rec(c, ro);
    std::vector<recommendation> cands = rec.for_all();

    match_result out;
    out.candidate_pairs = cands.size();
    out.excluded_by_cooldown = excluded;

    // One problem per journey step: rows = seekers at s, columns = peers at s+1.
    const std::size_t steps = j.stage_count() - 1;
    std::vector<bipartite_problem> problems(steps);
    std::vector<std::vector<std::size_t>> cand_of(steps);  // arc -> index into cands
    for (auto& p : problems) {
        p.row_demand = static_cast<std::uint32_t>(o.per_member);
        p.spread = o.spread;
    }
    for (std::size_t s = 0; s < steps; ++s) {
        const index_range right = c.stage_members(static_cast<stage_index>(s + 1));
        problems[s].rows = c.stage_members(static_cast<stage_index>(s)).size();
        problems[s].capacity.resize(right.size());
        for (member_index v = right.first; v < right.last; ++v)
            problems[s].capacity[v - right.first] = static_cast<std::uint32_t>(std::max(0, c.capacity(v)));
    }
    std::vector<std::uint8_t> has_candidate(c.size(), 0), has_positive(c.size(), 0);
    for (std::size_t i = 0; i < cands.size(); ++i) {
        const recommendation& r = cands[i];
        const std::size_t s = c.stage(r.member);
        double value = r.score;
        if (o.continuity_bonus > 0) {
            const auto it = last_met.find(key(r.member, r.peer));
            if (it != last_met.end() && it->second <= as_of) value += o.continuity_bonus;
        }
        has_candidate[r.member] = 1;
        if (value > 0) has_positive[r.member] = 1;
        problems[s].arcs.push_back({r.member - c.stage_members(static_cast<stage_index>(s)).first,
                                    r.peer - c.stage_members(static_cast<stage_index>(s + 1)).first, value});
        cand_of[s].push_back(i);
    }

    std::vector<std::vector<std::size_t>> chosen(steps);
    auto solve = [&](std::size_t s) {
        switch (o.method) {
            case match_method::optimal: chosen[s] = solve_optimal(problems[s]); break;
            case match_method::stable: chosen[s] = solve_stable(problems[s]); break;
            case match_method::greedy: chosen[s] = solve_greedy(problems[s]); break;
        }
    };
    unsigned threads = o.scoring.threads ? o.scoring.threads : std::max(1u, std::thread::hardware_concurrency());
    threads = static_cast<unsigned>(std::min<std::size_t>(threads, steps));
    if (threads <= 1) {
        for (std::size_t s = 0; s < steps; ++s) solve(s);
    } else {
        std::atomic<std::size_t> next{0};
        std::vector<std::thread> pool;
        std::exception_ptr failure;
        std::mutex failure_lock;
        for (unsigned t = 0; t < threads; ++t)
            pool.emplace_back([&] {
                for (std::size_t s; (s = next.fetch_add(1)) < steps;) {
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
    for (std::size_t s = 0; s < steps; ++s) {
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
            const std::uint32_t seat = i > 0 && step_pairs[i - 1].peer == step_pairs[i].peer ? step_pairs[i - 1].seat + 1 : 0;
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
        if (o.reasons) mp.reason = reason_sentence(c, mp.member, mp.peer, mp.components);
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
