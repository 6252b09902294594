#include <doctest/doctest.h>
#include <engage_right/engage_right.hpp>

#include <cmath>
#include <numeric>

using namespace engage_right;

namespace {

// A one-stage-free community whose interaction graph is given by edges over
// members "0".."n-1" (all at the first stage; only the graph matters here).
community graph_community(std::size_t n, const std::vector<std::pair<int, int>>& edges) {
    member_table m;
    for (std::size_t i = 0; i < n; ++i) {
        m.id.push_back(std::to_string(i));
        m.stage.push_back(0);
    }
    interaction_table t;
    for (auto [a, b] : edges) {
        t.source.push_back(static_cast<std::uint32_t>(a));
        t.target.push_back(static_cast<std::uint32_t>(b));
    }
    return community(journey{}, std::move(m), t);
}

double aa(const community& c, const char* u, const char* v) { return adamic_adar(c, c.index_of(u), c.index_of(v)); }

}  // namespace

// The published cases of networkx.adamic_adar_index's own tests.
TEST_CASE("Adamic-Adar: networkx reference cases") {
    SUBCASE("complete graph K5, pair (0, 1) = 3 / ln 4") {
        std::vector<std::pair<int, int>> e;
        for (int a = 0; a < 5; ++a)
            for (int b = a + 1; b < 5; ++b) e.emplace_back(a, b);
        const community c = graph_community(5, e);
        CHECK(aa(c, "0", "1") == doctest::Approx(3 / std::log(4.0)).epsilon(1e-12));
    }
    SUBCASE("path P3, pair (0, 2) = 1 / ln 2") {
        const community c = graph_community(3, {{0, 1}, {1, 2}});
        CHECK(aa(c, "0", "2") == doctest::Approx(1 / std::log(2.0)).epsilon(1e-12));
    }
    SUBCASE("star S4, leaves (1, 2) = 1 / ln 4") {
        const community c = graph_community(5, {{0, 1}, {0, 2}, {0, 3}, {0, 4}});
        CHECK(aa(c, "1", "2") == doctest::Approx(1 / std::log(4.0)).epsilon(1e-12));
    }
    SUBCASE("no common neighbour = 0") {
        const community c = graph_community(4, {{0, 1}, {2, 3}});
        CHECK(aa(c, "0", "2") == 0.0);
        CHECK(aa(c, "0", "1") == 0.0);
    }
    SUBCASE("weights and duplicates are ignored") {
        const community c = graph_community(3, {{0, 1}, {1, 0}, {1, 2}, {1, 2}, {2, 2}});
        CHECK(aa(c, "0", "2") == doctest::Approx(1 / std::log(2.0)).epsilon(1e-12));
        CHECK(c.self_loops_dropped() == 1);
    }
}

TEST_CASE("proximity maps aa to aa / (1 + aa)") {
    CHECK(proximity_from_adamic_adar(0) == 0.0);
    CHECK(proximity_from_adamic_adar(1) == 0.5);
    CHECK(proximity_from_adamic_adar(3) == 0.75);
}

TEST_CASE("cosine similarity closed forms") {
    const std::vector<float> a{1, 0, 0}, b{0, 1, 0}, c{1, 1, 0}, z{0, 0, 0}, n{-2, 0, 0};
    CHECK(cosine_similarity(a, b) == 0.0);
    CHECK(cosine_similarity(a, a) == doctest::Approx(1.0).epsilon(1e-15));
    CHECK(cosine_similarity(a, c) == doctest::Approx(1 / std::sqrt(2.0)).epsilon(1e-15));
    CHECK(cosine_similarity(a, z) == 0.0);
    CHECK(cosine_similarity(z, z) == 0.0);
    CHECK(cosine_similarity(a, n) == doctest::Approx(-1.0).epsilon(1e-15));
    const std::vector<float> p{3, 4}, q{4, 3};
    CHECK(cosine_similarity(p, q) == doctest::Approx(24.0 / 25.0).epsilon(1e-15));
}

TEST_CASE("Jaccard closed forms") {
    using v = std::vector<std::uint32_t>;
    CHECK(jaccard_index(v{}, v{}) == 0.0);
    CHECK(jaccard_index(v{1}, v{}) == 0.0);
    CHECK(jaccard_index(v{1, 2}, v{1, 2}) == 1.0);
    CHECK(jaccard_index(v{1, 2, 3}, v{2, 3, 4}) == 0.5);
    CHECK(jaccard_index(v{1}, v{2}) == 0.0);
}

TEST_CASE("reference score on a hand-computed pair") {
    const std::string members =
        "id,stage,satisfaction,tags,f_0,f_1\n"
        "u,prospect,,k8s;security,3,4\n"
        "v,interested,10,security;billing,4,3\n"
        "w,prospect,5,,0,0\n"
        "x,interested,,,0,0\n";
    const journey j;
    const member_table m = parse_members(members, j, "m.csv");
    const interaction_table t = parse_interactions("source,target\nu,w\nv,w\nu,x\nv,x\n", m, "i.csv");
    const community c(j, m, t);
    const member_index u = c.index_of("u"), v = c.index_of("v");
    const score_components comp = components(c, u, v);
    CHECK(comp.similarity == doctest::Approx(24.0 / 25.0).epsilon(1e-12));
    CHECK(comp.tags == doctest::Approx(1.0 / 3.0).epsilon(1e-12));
    const double a = 2 / std::log(2.0);  // common neighbours w and x, degree 2 each
    CHECK(comp.proximity == doctest::Approx(a / (1 + a)).epsilon(1e-12));
    CHECK(comp.happiness == 1.0);
    CHECK(happiness(c, u) == 0.5);
    CHECK(score(c, u, v, score_weights{}) ==
          doctest::Approx(0.5 * 24 / 25 + 0.15 / 3 + 0.25 * a / (1 + a) + 0.1).epsilon(1e-12));
    CHECK(score(c, u, v, score_weights{0, 0, 0, 1}) == 1.0);
}

TEST_CASE("parallel vectors have cosine exactly 1, so their scores tie") {
    // 1-d features: every pair of same-sign values is parallel.
    const std::vector<float> u{-0.436973f}, a{-0.448858f}, b{-0.8132156205073131f};
    CHECK(cosine_similarity(u, a) == 1.0);
    CHECK(cosine_similarity(u, b) == 1.0);
    const std::vector<float> p{0.1f, 0.7f, 0.3f}, q{0.3f, 2.1f, 0.9f};
    CHECK(cosine_similarity(p, q) <= 1.0);
    CHECK(cosine_similarity(p, q) == doctest::Approx(1.0).epsilon(1e-15));
}
