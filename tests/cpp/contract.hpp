#pragma once
// The hard rules of DESIGN.md section 3 written from the contract rather
// than from the recommender: the reference the property tests compare with.

#include <engage_right/engage_right.hpp>

namespace test_support {

/// Whether v may be recommended to u under `o`; `any_stage` leaves rule 1 out.
inline bool eligible_by_contract(const engage_right::community& c, const engage_right::recommend_options& o,
                                 engage_right::member_index u, engage_right::member_index v, bool any_stage = false) {
    const engage_right::journey& j = c.journey();
    const int min_sat = o.min_satisfaction.value_or(j.min_peer_satisfaction());
    if (!any_stage) {
        // Rule 1 with the stage gap: min <= stage(v) - stage(u) <= max, and
        // every step from u's stage to v's enabled (only u's own with 1:1).
        const long distance = long{c.stage(v)} - long{c.stage(u)};
        if (distance < long{o.gap.min} || distance > long{o.gap.max}) return false;
        for (std::size_t s = c.stage(u); s < c.stage(v); ++s)
            if (!j.step(static_cast<engage_right::stage_index>(s)).enabled) return false;
    }
    if (u == v || c.opted_out(u) || c.opted_out(v)) return false;
    for (auto [a, b] : o.blocked)
        if ((a == u && b == v) || (a == v && b == u)) return false;
    if (c.satisfaction(v) && *c.satisfaction(v) < min_sat) return false;
    const int cap = c.capacity_given(v) ? c.capacity(v) : j.default_capacity();
    if (cap <= 0) return false;
    if (!o.allow_existing) {
        for (auto w : c.neighbors(u))
            if (w == v) return false;
    }
    return true;
}

}  // namespace test_support
