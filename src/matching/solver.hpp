#pragma once
// Checks and seat costs shared by the solvers. Private to src/matching.

#include <engage_right/error.hpp>
#include <engage_right/matching.hpp>

#include <fmt/format.h>

#include <cmath>

namespace engage_right::detail {

inline void check_problem(const bipartite_problem& p) {
    if (p.row_demand == 0) throw config_error("row demand (per_member) must be >= 1");
    if (!(p.spread >= 0 && p.spread <= 1))
        throw config_error(fmt::format("spread must be in [0, 1], got {}", p.spread));
    for (const auto& a : p.arcs) {
        if (a.row >= p.rows || a.column >= p.capacity.size())
            throw config_error(fmt::format("arc ({}, {}) outside the problem ({} rows, {} columns)", a.row, a.column,
                                           p.rows, p.capacity.size()));
        if (!std::isfinite(a.value)) throw config_error("arc values must be finite");
    }
}

inline double seat_cost(const bipartite_problem& p, std::uint32_t column, std::size_t seat) {
    return p.spread == 0 ? 0.0 : p.spread * static_cast<double>(seat) / static_cast<double>(p.capacity[column]);
}

}  // namespace engage_right::detail
