#include "contract.hpp"
#include "random_community.hpp"

#include <doctest/doctest.h>
#include <engage_right/engage_right.hpp>

#include <algorithm>
#include <set>
#include <thread>

using namespace engage_right;
using test_support::eligible_by_contract;

TEST_CASE("property: hard rules hold and top-k is exact on 1,200 random communities") {
    std::size_t results = 0, members_checked = 0, ties_seen = 0, wide_cases = 0, far_results = 0;
    for (std::uint64_t seed = 1; seed <= 1200; ++seed) {
        auto rc = test_support::make_random_case(seed);
        const community& c = rc.community;
        // Two cases in three treat every contact with more than 1 or 2
        // contacts as a hub (not walked through): results must not change.
        rc.options.hub_degree = seed % 3;
        const recommend_options& o = rc.options;
        const score_weights w = o.weights.value_or(c.journey().weights());
        const recommender rec(c, o);
        const auto all = rec.for_all();
        wide_cases += !o.gap.one_stage();
        std::size_t at = 0;
        for (std::uint32_t row = 0; row < c.size(); ++row) {
            const member_index u = c.at_input_position(row);
            // Brute force over every pair, from the contract.
            std::vector<std::pair<double, member_index>> expect;
            for (member_index v = 0; v < c.size(); ++v)
                if (eligible_by_contract(c, o, u, v)) expect.emplace_back(score(c, u, v, w), v);
            std::sort(expect.begin(), expect.end(), [&](const auto& a, const auto& b) {
                if (a.first != b.first) return a.first > b.first;
                return c.id(a.second) < c.id(b.second);
            });
            for (std::size_t i = 1; i < expect.size(); ++i) ties_seen += expect[i].first == expect[i - 1].first;
            if (expect.size() > o.k) expect.resize(o.k);
            ++members_checked;
            for (std::size_t r = 0; r < expect.size(); ++r, ++at) {
                REQUIRE_MESSAGE(at < all.size(), "seed " << seed);
                const recommendation& got = all[at];
                CHECK_MESSAGE(got.member == u, "seed " << seed);
                CHECK_MESSAGE(got.rank == r + 1, "seed " << seed);
                CHECK_MESSAGE(got.peer == expect[r].second,
                              "seed " << seed << " member " << c.id(u) << " rank " << r + 1);
                CHECK_MESSAGE(got.score == expect[r].first, "seed " << seed);  // bit-identical
                CHECK(rec.check(u, got.peer).eligible);
                CHECK(got.medium == c.journey().step(c.stage(u)).medium);
                CHECK_FALSE(got.reason.empty());
                far_results += c.stage(got.peer) > c.stage(u) + 1u;
                ++results;
            }
        }
        CHECK_MESSAGE(at == all.size(), "seed " << seed << ": extra results");
    }
    MESSAGE("checked " << members_checked << " members, " << results << " results (" << far_results
                       << " more than one stage right), " << ties_seen << " exact score ties among eligible peers, "
                       << wide_cases << " communities with a stage gap other than 1:1");
    CHECK(results > 10000);
    CHECK(ties_seen > 1000);
    CHECK(wide_cases > 300);
    CHECK(far_results > 1000);
}

TEST_CASE("check() agrees with the contract on every pair") {
    for (std::uint64_t seed = 5000; seed < 5200; ++seed) {
        auto rc = test_support::make_random_case(seed);
        const recommender rec(rc.community, rc.options);
        for (member_index u = 0; u < rc.community.size(); ++u)
            for (member_index v = 0; v < rc.community.size(); ++v) {
                const auto verdict = rec.check(u, v);
                CHECK(verdict.eligible == eligible_by_contract(rc.community, rc.options, u, v));
                CHECK(verdict.eligible == (verdict.failed == rule::none));
                CHECK(verdict.eligible == verdict.why.empty());
            }
    }
}

TEST_CASE("is_eligible, is_eligible_any_stage, is_peer and peer_pool agree with the contract") {
    std::size_t any_only = 0;
    for (std::uint64_t seed = 5200; seed < 5400; ++seed) {
        auto rc = test_support::make_random_case(seed);
        const community& c = rc.community;
        const recommender rec(c, rc.options);
        const journey& j = c.journey();
        for (member_index u = 0; u < c.size(); ++u)
            for (member_index v = 0; v < c.size(); ++v) {
                CHECK(rec.is_eligible(u, v) == eligible_by_contract(c, rc.options, u, v));
                const bool any = eligible_by_contract(c, rc.options, u, v, true);
                CHECK(rec.is_eligible_any_stage(u, v) == any);
                any_only += any && !rec.is_eligible(u, v);
            }
        const int min_sat = rc.options.min_satisfaction.value_or(j.min_peer_satisfaction());
        for (member_index v = 0; v < c.size(); ++v) {
            const bool peer =
                !c.opted_out(v) && c.capacity(v) > 0 && !(c.satisfaction(v) && *c.satisfaction(v) < min_sat);
            CHECK(rec.is_peer(v) == peer);
        }
        for (std::size_t s = 0; s < j.stage_count(); ++s) {
            // The window of the gap: min <= t - s <= max, every step from s to t enabled; in id order.
            std::vector<member_index> expect;
            for (member_index v = 0; v < c.size(); ++v) {
                const std::size_t t = c.stage(v);
                bool in_window = t > s && t - s >= rc.options.gap.min && t - s <= rc.options.gap.max;
                for (std::size_t x = s; in_window && x < t; ++x)
                    in_window = j.step(static_cast<stage_index>(x)).enabled;
                if (in_window && rec.is_peer(v)) expect.push_back(v);
            }
            std::sort(expect.begin(), expect.end(), [&](member_index a, member_index b) { return c.id(a) < c.id(b); });
            const auto pool = rec.peer_pool(static_cast<stage_index>(s));
            CHECK(std::vector<member_index>(pool.begin(), pool.end()) == expect);
        }
        for (member_index u = 0; u < c.size(); ++u) {
            const bool seeker = !c.opted_out(u) && !rec.peer_pool(c.stage(u)).empty();
            CHECK(rec.is_seeker(u) == seeker);
            CHECK(rec.is_seeker_any_stage(u) == !c.opted_out(u));
            for (member_index v = 0; v < c.size(); ++v) {
                if (!seeker) CHECK_FALSE(rec.is_eligible(u, v));
                if (c.opted_out(u)) CHECK_FALSE(rec.is_eligible_any_stage(u, v));
            }
        }
        CHECK_FALSE(rec.is_eligible(0, static_cast<member_index>(c.size())));
    }
    CHECK(any_only > 1000);
}

TEST_CASE("single-member queries equal the batch; thread count does not matter" * doctest::test_suite("concurrency")) {
    for (std::uint64_t seed = 9000; seed < 9100; ++seed) {
        auto rc = test_support::make_random_case(seed);
        recommend_options one = rc.options;
        one.threads = 1;
        recommend_options many = rc.options;
        many.threads = 4;
        const auto a = recommender(rc.community, one).for_all();
        const auto b = recommender(rc.community, many).for_all();
        REQUIRE(a.size() == b.size());
        for (std::size_t i = 0; i < a.size(); ++i) {
            CHECK(a[i].peer == b[i].peer);
            CHECK(a[i].score == b[i].score);
        }
        const recommender rec(rc.community, rc.options);
        std::size_t at = 0;
        for (std::uint32_t row = 0; row < rc.community.size(); ++row) {
            const member_index u = rc.community.at_input_position(row);
            for (const auto& r : rec.for_member(rc.community.id(u))) {
                REQUIRE(at < a.size());
                CHECK(r.peer == a[at].peer);
                CHECK(r.score == a[at].score);
                ++at;
            }
        }
        CHECK(at == a.size());
    }
}

TEST_CASE("concurrent queries on one recommender agree with serial ones" * doctest::test_suite("concurrency")) {
    auto rc = test_support::make_random_case(424242);
    const recommender rec(rc.community, rc.options);
    const auto serial = rec.for_all();
    std::vector<std::vector<recommendation>> got(8);
    {
        std::vector<std::jthread> pool;
        for (std::size_t t = 0; t < got.size(); ++t) pool.emplace_back([&, t] { got[t] = rec.for_all(); });
    }
    for (const auto& g : got) {
        REQUIRE(g.size() == serial.size());
        for (std::size_t i = 0; i < g.size(); ++i) CHECK(g[i].peer == serial[i].peer);
    }
}

TEST_CASE("larger community: batch equals pairwise brute force") {
    // 3,000 members with 16 features and real tag overlap exercise the chunked kernel.
    std::mt19937_64 rng(77);
    member_table m;
    const std::size_t n = 3000, d = 16;
    std::vector<float> f;
    m.tag_offsets.push_back(0);
    for (int t = 0; t < 12; ++t) m.tag_names.push_back("tag" + std::to_string(t));
    for (std::size_t i = 0; i < n; ++i) {
        m.id.push_back("u" + std::to_string(i));
        m.stage.push_back(static_cast<stage_index>(i % 5 == 0 ? 4 : i % 3));
        for (std::size_t k = 0; k < d; ++k) f.push_back(std::normal_distribution<float>()(rng));
        m.tag_ids.push_back(static_cast<std::uint32_t>(rng() % 12));
        m.tag_offsets.push_back(static_cast<std::uint32_t>(m.tag_ids.size()));
    }
    m.features = feature_block::own(std::move(f), n, d);
    interaction_table t;
    for (std::size_t e = 0; e < 4 * n; ++e) {
        t.source.push_back(static_cast<std::uint32_t>(rng() % n));
        t.target.push_back(static_cast<std::uint32_t>(rng() % n));
    }
    const community c(journey{}, std::move(m), t);
    // The Engage Right rule and two wider windows (peers of several stages
    // in one block, ranked by score then id across stages).
    for (const stage_gap gap : {stage_gap{1, 1}, stage_gap{1, 3}, stage_gap{2, 4}}) {
        recommend_options o;
        o.k = 7;
        o.gap = gap;
        const recommender rec(c, o);
        for (member_index u = 0; u < c.size(); u += 37) {
            std::vector<std::pair<double, member_index>> expect;
            for (member_index v = 0; v < c.size(); ++v)
                if (rec.check(u, v).eligible) expect.emplace_back(score(c, u, v, score_weights{}), v);
            std::sort(expect.begin(), expect.end(), [&](auto& a, auto& b) {
                return a.first != b.first ? a.first > b.first : c.id(a.second) < c.id(b.second);
            });
            const auto got = rec.for_member(u);
            REQUIRE(got.size() == std::min<std::size_t>(7, expect.size()));
            for (std::size_t r = 0; r < got.size(); ++r) {
                CHECK(got[r].peer == expect[r].second);
                CHECK(got[r].score == expect[r].first);
            }
        }
    }
}

TEST_CASE("options are validated") {
    const community c;
    recommend_options o;
    o.k = 0;
    CHECK_THROWS_AS(recommender(c, o), config_error);
    o.k = 1;
    o.weights = score_weights{-1, 0, 0, 0};
    CHECK_THROWS_AS(recommender(c, o), config_error);
    o.weights.reset();
    o.min_satisfaction = 12;
    CHECK_THROWS_AS(recommender(c, o), config_error);
    CHECK_THROWS_AS(recommend(c, "nobody"), not_found_error);
    o.min_satisfaction.reset();
    // Stage gaps: 1 <= MIN <= MAX <= steps of the journey (4 for the default).
    for (const stage_gap bad : {stage_gap{0, 1}, stage_gap{2, 1}, stage_gap{1, 5}, stage_gap{0, 0}}) {
        o.gap = bad;
        CHECK_THROWS_AS(recommender(c, o), config_error);
    }
    o.gap = {1, 5};
    CHECK_THROWS_WITH(recommender(c, o),
                      "stage gap 1:5: MAX 5 is more than the 4 steps of journey 'engage_right' "
                      "(5 stages)");
    o.gap = {4, 4};
    CHECK_NOTHROW(recommender(c, o));
}

TEST_CASE("stage gaps parse as MIN:MAX and nothing else") {
    CHECK(parse_stage_gap("1:1") == stage_gap{1, 1});
    CHECK(parse_stage_gap("1:2") == stage_gap{1, 2});
    CHECK(parse_stage_gap("3:63") == stage_gap{3, 63});
    CHECK(to_string(stage_gap{2, 3}) == "2:3");
    for (const char* bad : {"", "x", "1", "1:", ":2", "0:1", "2:1", "1:2:3", " 1:2", "1:2 ", "+1:2", "-1:2", "1.0:2",
                            "1;2", "99999999999:1"})
        CHECK_THROWS_WITH_AS(parse_stage_gap(bad),
                             doctest::Contains("expected MIN:MAX, two integers with 1 <= MIN <= MAX"), config_error);
}

TEST_CASE("explain names the failing rule and the reason") {
    const std::string members =
        "id,stage,satisfaction,capacity,opted_out,tags\n"
        "p,prospect,,,,k8s;security\n"
        "i,interested,10,,,k8s;security\n"
        "sad,interested,3,,,\n"
        "busy,interested,9,0,,\n"
        "gone,interested,9,,1,\n"
        "friend,interested,9,,,\n"
        "far,loyal,9,,,\n";
    const journey j;
    const member_table m = parse_members(members, j, "m.csv");
    const community c(j, m, parse_interactions("source,target\np,friend\n", m, "i.csv"));
    const explanation ok = explain(c, "p", "i");
    CHECK(ok.verdict.eligible);
    CHECK(ok.sentence == "shares k8s, security; promoter (10/10)");
    CHECK(ok.shared_tags == std::vector<std::string>{"k8s", "security"});
    CHECK(ok.medium == channel::private_);
    CHECK(explain(c, "p", "sad").verdict.failed == rule::satisfaction);
    CHECK(explain(c, "p", "busy").verdict.failed == rule::capacity);
    CHECK(explain(c, "p", "gone").verdict.failed == rule::distinct_active);
    CHECK(explain(c, "p", "friend").verdict.failed == rule::no_existing_contact);
    CHECK(explain(c, "p", "far").verdict.failed == rule::next_stage);
    CHECK(explain(c, "far", "p").verdict.failed == rule::next_stage);
    recommend_options again;
    again.allow_existing = true;
    CHECK(explain(c, "p", "friend", again).verdict.eligible);
    // A wider window: far (loyal) is three stages right of p (prospect).
    recommend_options wide;
    wide.gap = {1, 2};
    const explanation too_far = explain(c, "p", "far", wide);
    CHECK(too_far.verdict.failed == rule::next_stage);
    CHECK(too_far.verdict.why == "far is at loyal, not 1 to 2 stages right of prospect (stage gap 1:2)");
    CHECK_FALSE(too_far.medium.has_value());
    wide.gap = {2, 3};
    const explanation far = explain(c, "p", "far", wide);
    CHECK(far.verdict.eligible);
    CHECK(far.medium == channel::private_);  // the channel of prospect -> interested
    CHECK(far.sentence == "3 stages right (loyal); promoter (9/10)");
    CHECK(explain(c, "p", "far").sentence == "next-stage peer (loyal); promoter (9/10)");  // 1:1 as before
    CHECK(explain(c, "p", "i", wide).verdict.why ==
          "i is at interested, not 2 to 3 stages right of prospect "
          "(stage gap 2:3)");
    const auto far_recs = recommend(c, "p", wide);
    REQUIRE(far_recs.size() == 1);
    CHECK(c.id(far_recs[0].peer) == "far");
    CHECK(far_recs[0].reason == "3 stages right (loyal); promoter (9/10)");
    // A disabled step in between stops the window there.
    journey cut;
    cut.set_step(2, {false, channel::public_});  // new_customer -> loyal
    const community c2(cut, m, parse_interactions("source,target\np,friend\n", m, "i.csv"));
    const explanation blocked = explain(c2, "p", "far", wide);
    CHECK(blocked.verdict.failed == rule::next_stage);
    CHECK(blocked.verdict.why == "the step new_customer -> loyal is disabled");
    CHECK(recommend(c2, "p", wide).empty());
    const auto recs = recommend(c, "p");
    REQUIRE(recs.size() == 1);
    CHECK(c.id(recs[0].peer) == "i");
}
