// Stable (deferred acceptance) and greedy plans.
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

}  // namespace engage_right
