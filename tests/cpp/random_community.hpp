#pragma once
// Random communities for property tests: random journeys, features with
// duplicates and zero rows (ties), tags, satisfaction, capacities, opt-outs,
// interactions with duplicates and self-loops, and random stage gaps.

#include <engage_right/engage_right.hpp>

#include <random>
#include <string>

namespace test_support {

struct random_case {
    engage_right::community community;
    engage_right::recommend_options options;
};

inline engage_right::journey random_journey(std::mt19937_64& rng) {
    using namespace engage_right;
    std::uniform_int_distribution<int> stages(2, 7);
    const int s = stages(rng);
    std::vector<std::string> names;
    for (int i = 0; i < s; ++i) names.push_back("st" + std::to_string(i));
    journey j(names, "random");
    for (int i = 0; i + 1 < s; ++i)
        j.set_step(static_cast<stage_index>(i),
                   {std::bernoulli_distribution(0.85)(rng),
                    std::bernoulli_distribution(0.5)(rng) ? channel::public_ : channel::private_});
    j.set_min_peer_satisfaction(std::uniform_int_distribution<int>(0, 11)(rng));
    j.set_default_capacity(std::uniform_int_distribution<int>(0, 3)(rng));
    return j;
}

inline random_case make_random_case(std::uint64_t seed) {
    using namespace engage_right;
    std::mt19937_64 rng(seed);
    auto uni = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    auto coin = [&](double p) { return std::bernoulli_distribution(p)(rng); };
    journey j = random_journey(rng);
    const int n = uni(1, 60);
    const int d = uni(0, 4);
    member_table m;
    std::vector<float> feats;
    std::vector<std::vector<float>> palette;  // repeated vectors create exact ties
    for (int k = 0; k < 4; ++k) {
        std::vector<float> f;
        for (int x = 0; x < d; ++x) f.push_back(static_cast<float>(uni(-3, 3)));
        palette.push_back(f);
    }
    // Sometimes a large tag vocabulary whose ids collide modulo 64 (tags
    // k, k + 64, k + 128 are used together), to exercise tag signatures.
    const bool wide = coin(0.3);
    const int ntags = wide ? 192 : uni(0, 6);
    for (int k = 0; k < ntags; ++k) m.tag_names.push_back("t" + std::to_string(k));
    m.tag_offsets.push_back(0);
    for (int i = 0; i < n; ++i) {
        // Ids of mixed length so that string order differs from number order.
        m.id.push_back((coin(0.5) ? "m" : "a-") + std::to_string(i * 7 % 101));
        m.stage.push_back(static_cast<stage_index>(uni(0, static_cast<int>(j.stage_count()) - 1)));
        m.satisfaction.push_back(coin(0.3) ? std::int8_t{-1} : static_cast<std::int8_t>(uni(0, 10)));
        m.capacity.push_back(coin(0.5) ? -1 : uni(0, 3));
        m.opted_out.push_back(coin(0.08) ? 1 : 0);
        m.activity.push_back(uni(0, 100));
        if (wide) {
            const int base = uni(0, 2);
            for (int k : {base, base + 64, base + 128, uni(0, 191)})
                if (coin(0.5)) m.tag_ids.push_back(static_cast<std::uint32_t>(k));
        } else if (ntags > 0) {
            for (int k = 0; k < ntags; ++k)
                if (coin(0.3)) m.tag_ids.push_back(static_cast<std::uint32_t>(k));
        }
        m.tag_offsets.push_back(static_cast<std::uint32_t>(m.tag_ids.size()));
        if (coin(0.4)) {
            const auto& f = palette[static_cast<std::size_t>(uni(0, 3))];
            feats.insert(feats.end(), f.begin(), f.end());
        } else {
            for (int x = 0; x < d; ++x)
                feats.push_back(coin(0.1) ? 0.0f : std::uniform_real_distribution<float>(-1, 1)(rng));
        }
    }
    // Make ids unique (the scheme above can collide).
    for (int i = 0; i < n; ++i) m.id[static_cast<std::size_t>(i)] += "_" + std::to_string(i % 3) + std::to_string(i);
    m.features = feature_block::own(std::move(feats), static_cast<std::size_t>(n), static_cast<std::size_t>(d));
    interaction_table t;
    const int edges = uni(0, n * 3);
    for (int e = 0; e < edges; ++e) {
        t.source.push_back(static_cast<std::uint32_t>(uni(0, n - 1)));
        t.target.push_back(static_cast<std::uint32_t>(uni(0, n - 1)));
        t.weight.push_back(uni(1, 3));
    }
    recommend_options o;
    o.k = static_cast<std::size_t>(uni(1, 6));
    o.allow_existing = coin(0.3);
    if (coin(0.3)) o.min_satisfaction = uni(0, 11);
    if (coin(0.5)) {
        o.weights = score_weights{uni(0, 4) / 4.0, uni(0, 4) / 4.0, uni(0, 4) / 4.0, uni(0, 4) / 4.0};
    }
    o.threads = static_cast<unsigned>(uni(1, 3));
    community c(std::move(j), std::move(m), t);
    const int nblocked = uni(0, 5);
    for (int b = 0; b < nblocked && n > 1; ++b)
        o.blocked.emplace_back(static_cast<member_index>(uni(0, n - 1)), static_cast<member_index>(uni(0, n - 1)));
    // A random stage gap in six cases of ten (drawn last, so that the cases
    // above stay what they were); the rest keep the Engage Right rule 1:1.
    if (coin(0.6)) {
        const int steps = static_cast<int>(c.journey().stage_count()) - 1;
        const int lo = uni(1, steps);
        o.gap = stage_gap{static_cast<std::uint32_t>(lo), static_cast<std::uint32_t>(uni(lo, steps))};
    }
    return {std::move(c), std::move(o)};
}

}  // namespace test_support
