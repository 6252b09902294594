#include "random_community.hpp"
#include "test_helpers.hpp"

#include <doctest/doctest.h>
#include <engage_right/engage_right.hpp>

#include <algorithm>
#include <map>
#include <random>

using namespace engage_right;

TEST_CASE("members are laid out by stage, then id; input order is kept") {
    const std::string members = "id,stage\nz,interested\nb,prospect\na,interested\nc,prospect\n";
    const journey j;
    const community c(j, parse_members(members, j, "m.csv"));
    REQUIRE(c.size() == 4);
    CHECK(c.id(0) == "b");
    CHECK(c.id(1) == "c");
    CHECK(c.id(2) == "a");
    CHECK(c.id(3) == "z");
    CHECK(c.stage_members(1).first == 2);
    CHECK(c.stage_members(1).last == 4);
    CHECK(c.stage_counts() == std::vector<std::size_t>{2, 2, 0, 0, 0});
    CHECK(c.input_position(c.index_of("z")) == 0);
    CHECK(c.at_input_position(2) == c.index_of("a"));
    CHECK(c.capacity(0) == 3);
    CHECK_FALSE(c.capacity_given(0));
    CHECK_THROWS_AS((void)c.index_of("nobody"), not_found_error);
}

TEST_CASE("features keep input order and can be borrowed without a copy") {
    std::vector<float> values{1, 2, 3, 4, 5, 6};
    auto shared = std::make_shared<std::vector<float>>(values);
    member_table m;
    m.id = {"y", "x", "w"};
    m.stage = {1, 0, 0};
    m.features.owner = shared;
    m.features.data = shared->data();
    m.features.rows = 3;
    m.features.dims = 2;
    const community c(journey{}, std::move(m));
    CHECK(c.feature_storage().data == shared->data());
    CHECK(c.features(c.index_of("y"))[0] == 1.0f);
    CHECK(c.features(c.index_of("w"))[1] == 6.0f);
    CHECK(feature_matrix(c)(1, 0) == 3.0f);
}

TEST_CASE("table validation reports the row") {
    member_table m;
    m.id = {"a", "a"};
    m.stage = {0, 0};
    CHECK_THROWS_AS(community(journey{}, m), config_error);
    m.id = {"a", "b"};
    m.stage = {0, 9};
    CHECK_THROWS_AS(community(journey{}, m), config_error);
    m.stage = {0, 1};
    m.satisfaction = {1};
    CHECK_THROWS_AS(community(journey{}, m), config_error);
}

TEST_CASE("adjacency lists are symmetric, sorted and count every edge twice") {
    for (std::uint64_t seed = 1; seed <= 50; ++seed) {
        auto rc = test_support::make_random_case(seed);
        const community& c = rc.community;
        std::size_t entries = 0;
        for (member_index u = 0; u < c.size(); ++u) {
            const auto nb = c.neighbors(u);
            entries += nb.size();
            CHECK(std::is_sorted(nb.begin(), nb.end()));
            CHECK(std::adjacent_find(nb.begin(), nb.end()) == nb.end());
            for (member_index v : nb) {
                CHECK(v != u);
                CHECK(c.has_interaction(v, u));
            }
        }
        CHECK(entries == 2 * c.edge_count());
    }
}

TEST_CASE("a large community is built the same on two threads: graph checked against a plain count") {
    // 80,000 rows take the two-thread path of the constructor.
    member_table m;
    const std::size_t n = 5000;
    for (std::size_t i = 0; i < n; ++i) {
        m.id.push_back("m" + std::to_string(i));
        m.stage.push_back(static_cast<stage_index>(i % 5));
    }
    interaction_table t;
    std::mt19937_64 rng(3);
    std::map<std::pair<std::string, std::string>, double> weight;  // (low id, high id) -> summed weight
    std::size_t loops = 0;
    for (int k = 0; k < 80000; ++k) {
        const auto a = static_cast<std::uint32_t>(rng() % n), b = static_cast<std::uint32_t>(rng() % (n / 10));
        const double w = 0.25 * static_cast<double>(1 + rng() % 8);
        t.source.push_back(a);
        t.target.push_back(b);
        t.weight.push_back(w);
        if (a == b) ++loops;
        else weight[std::minmax(m.id[a], m.id[b])] += w;  // input order, as the rows come
    }
    member_table dup = m;
    const community c(journey{}, std::move(m), t);
    CHECK(c.self_loops_dropped() == loops);
    CHECK(c.edge_count() == weight.size());
    for (const auto& [pair, w] : weight)
        CHECK(c.interaction_weight(c.index_of(pair.first), c.index_of(pair.second)) == w);
    // Errors come in the order of one thread: members before interactions.
    dup.id[7] = dup.id[3];
    t.weight[100] = -1;
    const std::string msg = test_support::error_of([&] { (void)community(journey{}, dup, t); });
    CHECK(msg.starts_with("members row "));
    CHECK(msg.ends_with(": duplicate id 'm3'"));
}
