#pragma once
// Two communities compared observable by observable, without going through
// the snapshot code: for snapshot round trips and live-versus-rebuild tests.

#include <doctest/doctest.h>
#include <engage_right/community.hpp>

#include <algorithm>
#include <cmath>

namespace test_support {

inline void require_same(const engage_right::community& a, const engage_right::community& b) {
    using engage_right::member_index;
    REQUIRE(a.size() == b.size());
    CHECK(a.journey().to_json() == b.journey().to_json());
    CHECK(a.tag_count() == b.tag_count());
    CHECK(a.dimensions() == b.dimensions());
    CHECK(a.edge_count() == b.edge_count());
    CHECK(a.self_loops_dropped() == b.self_loops_dropped());
    CHECK(a.duplicate_interactions_merged() == b.duplicate_interactions_merged());
    for (member_index i = 0; i < a.size(); ++i) {
        REQUIRE(a.id(i) == b.id(i));
        CHECK(a.stage(i) == b.stage(i));
        CHECK(a.satisfaction_raw(i) == b.satisfaction_raw(i));
        CHECK(a.capacity(i) == b.capacity(i));
        CHECK(a.capacity_given(i) == b.capacity_given(i));
        CHECK(a.opted_out(i) == b.opted_out(i));
        const double x = a.activity(i), y = b.activity(i);
        CHECK(((std::isnan(x) && std::isnan(y)) || x == y));
        CHECK(a.input_position(i) == b.input_position(i));
        const auto ta = a.tags(i), tb = b.tags(i);
        REQUIRE(ta.size() == tb.size());
        for (std::size_t k = 0; k < ta.size(); ++k) CHECK(a.tag_name(ta[k]) == b.tag_name(tb[k]));
        const auto fa = a.features(i), fb = b.features(i);
        CHECK(std::equal(fa.begin(), fa.end(), fb.begin(), fb.end()));
        const auto na = a.neighbors(i), nb = b.neighbors(i);
        CHECK(std::equal(na.begin(), na.end(), nb.begin(), nb.end()));
        const auto wa = a.neighbor_weights(i), wb = b.neighbor_weights(i);
        CHECK(std::equal(wa.begin(), wa.end(), wb.begin(), wb.end()));
        const auto sa = a.action_times(i), sb = b.action_times(i);
        CHECK(std::equal(sa.begin(), sa.end(), sb.begin(), sb.end()));
    }
}

}  // namespace test_support
