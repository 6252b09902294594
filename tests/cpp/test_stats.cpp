#include <doctest/doctest.h>
#include <engage_right/engage_right.hpp>

#include <cmath>
#include <random>
#include <string>

using namespace engage_right;

TEST_CASE("NPS follows its definition") {
    std::mt19937 rng(7);
    for (int round = 0; round < 200; ++round) {
        std::vector<std::int8_t> sat(rng() % 50);
        for (auto& s : sat) s = static_cast<std::int8_t>(static_cast<int>(rng() % 12) - 1);  // -1 .. 10
        int p = 0, d = 0, pa = 0, u = 0;
        for (auto s : sat) {
            if (s < 0) ++u;
            else if (s >= 9) ++p;
            else if (s >= 7) ++pa;
            else ++d;
        }
        const nps_summary r = nps(sat);
        CHECK(r.promoters == std::size_t(p));
        CHECK(r.passives == std::size_t(pa));
        CHECK(r.detractors == std::size_t(d));
        CHECK(r.unknown == std::size_t(u));
        if (p + pa + d == 0) {
            CHECK(std::isnan(r.nps()));
        } else {
            CHECK(r.nps() == doctest::Approx(100.0 * (p - d) / (p + pa + d)));
            CHECK(r.nps() >= -100);
            CHECK(r.nps() <= 100);
        }
    }
    const std::vector<std::int8_t> all_promoters{9, 10, 10};
    CHECK(nps(all_promoters).nps() == 100);
    const std::vector<std::int8_t> edges{0, 6, 7, 8, 9};  // 1 promoter, 2 passives, 2 detractors
    CHECK(nps(edges).nps() == doctest::Approx(-20));
}

TEST_CASE("funnel: members, NPS, seekers against seats, bottleneck") {
    journey j;                                 // prospect, interested, new_customer, loyal, advocate
    j.set_step(1, {false, channel::public_});  // interested -> new_customer disabled
    const member_table m = parse_members(
        "id,stage,satisfaction,capacity,opted_out\n"
        "p1,prospect,,,0\n"
        "p2,prospect,3,,0\n"
        "p3,prospect,,,1\n"      // opted out: not a seeker
        "i1,interested,9,2,0\n"  // peer for prospects: 2 seats
        "i2,interested,6,5,0\n"  // detractor: not a peer
        "i3,interested,,0,0\n"   // capacity 0: not a peer
        "n1,new_customer,10,,0\n"
        "l1,loyal,8,,0\n"
        "l2,loyal,,,0\n"
        "l3,loyal,7,,0\n"
        "a1,advocate,10,1,0\n",
        j);
    community c(j, member_table(m), parse_interactions("source,target\np1,i1\n", m));
    const funnel_report r = funnel(c);
    REQUIRE(r.stages.size() == 5);
    CHECK(r.stages[0].members == 3);
    CHECK(r.stages[0].reached == 11);
    CHECK(r.stages[1].reached == 8);
    CHECK(r.stages[1].conversion == doctest::Approx(8.0 / 11));
    CHECK(std::isnan(r.stages[0].conversion));
    CHECK(r.stages[3].nps.passives == 2);
    CHECK(r.stages[3].nps.unknown == 1);
    CHECK(r.stages[3].nps.nps() == 0);
    // Answers: p2 3, i1 9, i2 6, n1 10, l1 8, l3 7, a1 10 -> 3 promoters, 2 passives, 2 detractors.
    CHECK(r.overall.promoters == 3);
    CHECK(r.overall.detractors == 2);
    CHECK(r.overall.unknown == 4);
    CHECK(r.overall.nps() == doctest::Approx(100.0 * (3 - 2) / 7));
    // prospect -> interested: p1, p2 seek; i1 is the only peer (2 seats); p1 already knows i1.
    CHECK(r.steps[0].seekers == 2);
    CHECK(r.steps[0].peers == 1);
    CHECK(r.steps[0].seats == 2);
    CHECK(r.steps[0].seekers_without_peer == 1);
    CHECK(r.steps[0].seats_per_seeker == 1.0);
    CHECK_FALSE(r.steps[1].enabled);
    CHECK(r.steps[2].seekers == 1);
    CHECK(r.steps[2].seats == 9);
    // loyal -> advocate: 3 seekers, 1 seat: the bottleneck.
    CHECK(r.steps[3].seats_per_seeker == doctest::Approx(1.0 / 3));
    REQUIRE(r.bottleneck.has_value());
    CHECK(*r.bottleneck == 3);
    CHECK(r.bottleneck_text(j) == "loyal → advocate: 3 seekers, 1 seat (0.33 per seeker)");

    funnel_options o;
    o.allow_existing = true;
    CHECK(funnel(c, o).steps[0].seekers_without_peer == 0);
    o.min_satisfaction = 0;  // i2 becomes a peer
    CHECK(funnel(c, o).steps[0].seats == 7);
    // A stage gap of 1:2: each step's seekers count the seats of the next two
    // stages, except past a disabled step (interested -> new_customer).
    funnel_options wide;
    wide.gap = {1, 2};
    const funnel_report w = funnel(c, wide);
    CHECK(w.steps[0].peers == 1);  // i1 only: reaching n1 would cross the disabled step
    CHECK(w.steps[0].seats == 2);
    CHECK(w.steps[0].seekers_without_peer == 1);
    CHECK(w.steps[1].peers == 4);  // disabled itself, reported as it is: n1, l1, l2, l3
    CHECK(w.steps[1].seats == 12);
    CHECK(w.steps[2].peers == 4);  // l1, l2, l3 and a1
    CHECK(w.steps[2].seats == 10);
    CHECK(w.steps[3].seats == 1);  // loyal -> advocate: nothing further right
    REQUIRE(w.bottleneck.has_value());
    CHECK(*w.bottleneck == 3);
    wide.gap = {2, 2};
    CHECK(funnel(c, wide).steps[0].peers == 0);
    CHECK(funnel(c, wide).steps[2].seats == 1);
    CHECK(funnel(c, wide).steps[3].peers == 0);  // no stage two right of loyal
    wide.gap = {1, 5};
    CHECK_THROWS_AS(funnel(c, wide), config_error);
    CHECK(group_thousands(1200) == "1,200");
    CHECK(group_thousands(1234567) == "1,234,567");
    CHECK(group_thousands(12) == "12");
}
