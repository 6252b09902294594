// Exact maximum-score b-matching on a dense value matrix, without an arc list.
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

std::vector<std::pair<std::uint32_t, std::uint32_t>> solve_optimal_dense(std::span<const double> values,
                                                                         std::size_t rows,
                                                                         std::span<const std::uint32_t> capacity,
                                                                         std::uint32_t row_demand, double spread) {
    const std::size_t R = rows, C = capacity.size();
    if (row_demand == 0) throw config_error("row demand (per_member) must be >= 1");
    if (!(spread >= 0 && spread <= 1)) throw config_error(fmt::format("spread must be in [0, 1], got {}", spread));
    if (values.size() != R * C)
        throw config_error(
            fmt::format("dense values: expected {} x {} = {} entries, got {}", R, C, R * C, values.size()));
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
            // Settles reached[i] (swapped out of `reached`) at its distance.
            const auto settle_row = [&](std::size_t i) {
                const std::uint32_t r = reached[i];
                reached[i] = reached.back();
                reached.pop_back();
                row_done[r] = 1;
                done_rows.push_back(r);
                last = drow[r];
                scan_row(r, last);
            };
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
                    settle_row(tight);
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
                    settle_row(best_row);  // at bd
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

}  // namespace engage_right
