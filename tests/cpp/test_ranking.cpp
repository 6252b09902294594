// Learned ranking: content.csv, the L2 logistic regression, model.json, the
// training rows (no leakage), scoring with a model (hard rules, determinism).
#include "test_helpers.hpp"

#include <engage_right/engage_right.hpp>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <cmath>
#include <map>
#include <random>
#include <set>

namespace {

using namespace engage_right;
using test_support::day;
using test_support::error_of;

// A random dated history: members on the default journey (some with a
// created time), interactions spread over [0, 100) days, content threads.
ranking_history random_history(std::uint64_t seed, std::size_t n = 80, bool with_content = true) {
    std::mt19937_64 rng(seed);
    auto uni = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    auto coin = [&](double p) { return std::bernoulli_distribution(p)(rng); };
    ranking_history h;
    member_table& m = h.members;
    const int d = 3;
    std::vector<float> feats;
    m.tag_names = {"a", "b", "c", "d"};
    m.tag_offsets.push_back(0);
    for (std::size_t i = 0; i < n; ++i) {
        m.id.push_back(fmt::format("u{}", i));
        m.stage.push_back(static_cast<stage_index>(uni(0, 4)));
        m.satisfaction.push_back(coin(0.4) ? std::int8_t{-1} : static_cast<std::int8_t>(uni(0, 10)));
        m.capacity.push_back(coin(0.8) ? -1 : uni(0, 2));
        m.opted_out.push_back(coin(0.05) ? 1 : 0);
        m.activity.push_back(std::nan(""));
        m.created.push_back(coin(0.2) ? uni(0, 99) * day : std::nan(""));
        for (std::uint32_t t = 0; t < 4; ++t)
            if (coin(0.3)) m.tag_ids.push_back(t);
        m.tag_offsets.push_back(static_cast<std::uint32_t>(m.tag_ids.size()));
        for (int k = 0; k < d; ++k) feats.push_back(static_cast<float>(uni(-2, 2)));
    }
    m.features = feature_block::own(std::move(feats), n, d);
    const std::size_t e = n * 6;
    for (std::size_t k = 0; k < e; ++k) {
        // Mostly between neighbouring stages, so that labels exist.
        const auto a = static_cast<std::uint32_t>(uni(0, static_cast<int>(n) - 1));
        auto b = static_cast<std::uint32_t>(uni(0, static_cast<int>(n) - 1));
        for (int tries = 0; tries < 20 && m.stage[b] != m.stage[a] + 1; ++tries)
            b = static_cast<std::uint32_t>(uni(0, static_cast<int>(n) - 1));
        h.interactions.source.push_back(a);
        h.interactions.target.push_back(b);
        h.interactions.weight.push_back(1.0);
        h.interactions.timestamp.push_back(uni(0, 99 * 24) * 3600.0 + uni(0, 3599));
    }
    if (with_content) {
        content_columns cc;
        for (int i = 0; i < 60; ++i) {
            cc.id.push_back(fmt::format("p{}", i));
            cc.author.push_back(coin(0.1) ? std::string() : fmt::format("u{}", uni(0, static_cast<int>(n) - 1)));
            cc.kind.push_back(i < 15 ? "question" : "answer");
            cc.parent.push_back(i < 15 ? std::string() : fmt::format("p{}", uni(0, i - 1)));
            cc.created.push_back(uni(0, 99) * day);
        }
        h.content = build_content(cc);
    }
    return h;
}

fit_options options_at(double split_days) {
    fit_options o;
    o.split_at = split_days * day;
    o.horizon_days = 30;
    o.negatives = 10;
    o.threads = 1;
    return o;
}

}  // namespace

TEST_CASE("content.csv: threads, optional columns, features") {
    const std::string text =
        "id,author,kind,parent,created,tags,score,accepted,title,url,f_1,f_0\n"
        "q1,alice,Question,,2026-01-01,Kubernetes; security,5,0,How?,http://x,1,2\n"
        "a1,bob,answer,q1,2026-01-02T10:00:00Z,,3,1,,,0,0\n"
        "c1,,comment,a1,1767312000,,,,,,0.5,0.25\n"
        "q2,bob,question,,2026-01-03,security,,,,,1,1\n";
    const content_table t = parse_content(text);
    REQUIRE(t.size() == 4);
    CHECK(t.kind[0] == "question");
    CHECK(t.parent[0] == content_table::no_parent);
    CHECK(t.parent[2] == 1);
    CHECK(t.thread == std::vector<std::uint32_t>{0, 0, 0, 3});
    CHECK(t.author[2].empty());
    CHECK(t.tag_names == std::vector<std::string>{"kubernetes", "security"});
    CHECK(t.tag_offsets == std::vector<std::uint32_t>{0, 2, 2, 2, 3});
    CHECK(std::isnan(t.score[2]));
    CHECK(t.accepted == std::vector<std::uint8_t>{0, 1, 0, 0});
    CHECK(t.features.dims == 2);
    CHECK(t.features.data[0] == 2.0f);  // f_0 of q1
    CHECK(t.created[2] == 1767312000.0);
}

TEST_CASE("content.csv: malformed input names file, line and column") {
    auto err = [](const std::string& text) { return error_of([&] { (void)parse_content(text, "content.csv"); }); };
    const std::string h = "id,author,kind,parent,created,tags\n";
    CHECK(err("id,author,kind,created,tags\nx,a,q,2026-01-01,\n").find("content.csv:1:") == 0);
    CHECK(err("id,author,kind,created,tags\nx,a,q,2026-01-01,\n").find("parent") != std::string::npos);
    CHECK(err(h + "x,a,q,,yesterday,\n") ==
          "content.csv:2:8: created: expected unix seconds or ISO-8601 (e.g. "
          "2026-03-14T09:30:00Z) in years 0001-9999, got \"yesterday\"");
    CHECK(err(h + "x,a,q,,,\n") == "content.csv:2:8: created: expected unix seconds or ISO-8601, got an empty field");
    CHECK(err(h + "x,a,,,2026-01-01,\n").find("content.csv:2:5: kind: expected") == 0);
    CHECK(err(h + ",a,q,,2026-01-01,\n").find("content.csv:2:1: id: expected") == 0);
    CHECK(err(h + "x,a,q,y,2026-01-01,\n") == "content.csv:2:7: parent: unknown content id \"y\" (not in the content)");
    CHECK(err(h + "x,a,q,x,2026-01-01,\n") == "content.csv:2:7: parent: an item cannot be its own parent");
    CHECK(err(h + "x,a,q,y,2026-01-01,\ny,a,q,x,2026-01-01,\n").find("parent chain of \"x\" loops") !=
          std::string::npos);
    CHECK(err(h + "x,a,q,,2026-01-01,\nx,a,q,,2026-01-01,\n") == "content.csv:3: duplicate id \"x\" (first in line 2)");
    CHECK(err(h + "x,a,q,,2026-01-01\n").find("content.csv:2:") == 0);
    CHECK(err("id,author,kind,parent,created,tags,score\nx,a,q,,2026-01-01,,high\n") ==
          "content.csv:2:20: score: expected a finite number or empty, got \"high\"");
    CHECK(err("id,author,kind,parent,created,tags,accepted\nx,a,q,,2026-01-01,,maybe\n") ==
          "content.csv:2:20: accepted: expected 1, 0, true, false or empty, got \"maybe\"");
    CHECK(err("id,author,kind,parent,created,tags,f_1\nx,a,q,,2026-01-01,,1\n").find("expected f_0, found f_1") !=
          std::string::npos);
    // Frames: the same rules, rows named.
    content_columns cc;
    cc.id = {"x", "y"};
    cc.author = {"a", ""};
    cc.kind = {"q", "a"};
    cc.parent = {"", "z"};
    cc.created = {0, 1};
    CHECK(error_of([&] { (void)build_content(cc); }) ==
          "content row 1: parent: unknown content id 'z' (not in the content)");
    cc.parent = {"", "x"};
    cc.score = std::vector<std::string>{"1", "x"};
    CHECK(error_of([&] { (void)build_content(cc); }) ==
          "content row 1: score: expected a finite number or empty, got 'x'");
    cc.score = std::monostate{};
    const content_table t = build_content(cc);
    CHECK(t.thread == std::vector<std::uint32_t>{0, 0});
}

TEST_CASE("members.csv: the created column") {
    const journey j;
    const member_table m = parse_members("id,stage,created\na,prospect,2026-01-01\nb,loyal,\n", j);
    REQUIRE(m.created.size() == 2);
    CHECK(m.created[0] == *parse_timestamp("2026-01-01"));
    CHECK(std::isnan(m.created[1]));
    CHECK(parse_members("id,stage\na,prospect\n", j).created.empty());
    CHECK(error_of([&] { (void)parse_members("id,stage,created\na,prospect,soon\n", j); }) ==
          "members.csv:2:12: created: expected unix seconds or ISO-8601 (e.g. 2026-03-14T09:30:00Z) in years "
          "0001-9999, or "
          "empty, got \"soon\"");
}

TEST_CASE("logistic regression with an L2 penalty: the penalised score equations hold") {
    std::mt19937_64 rng(5);
    std::normal_distribution<double> z;
    const Eigen::Index n = 300, p = 4;
    Eigen::MatrixXd X(n, p);
    Eigen::VectorXd y(n);
    for (Eigen::Index i = 0; i < n; ++i) {
        X(i, 0) = 1;
        for (Eigen::Index k = 1; k < p; ++k) X(i, k) = z(rng);
        X(i, 3) = X(i, 2);  // collinear: only the penalty identifies it
        const double eta = -0.5 + X(i, 1) - 0.7 * X(i, 2);
        y[i] = std::bernoulli_distribution(1 / (1 + std::exp(-eta)))(rng) ? 1 : 0;
    }
    CHECK(error_of([&] { (void)logistic_regression(X, y); }).find("full column rank") != std::string::npos);
    logistic_options o;
    o.l2 = {0, 2.0, 2.0, 2.0};
    const logistic_fit f = logistic_regression(X, y, o);
    REQUIRE(f.converged);
    Eigen::VectorXd prob(n);
    for (Eigen::Index i = 0; i < n; ++i) prob[i] = 1 / (1 + std::exp(-X.row(i).dot(f.params)));
    const Eigen::VectorXd grad =
        X.transpose() * (y - prob) - Eigen::Map<const Eigen::VectorXd>(o.l2.data(), p).cwiseProduct(f.params);
    CHECK(grad.cwiseAbs().maxCoeff() < 1e-9);
    CHECK(f.params[2] == doctest::Approx(f.params[3]).epsilon(1e-9));  // the penalty splits collinear columns evenly
    o.l2 = {0, -1, 0, 0};
    CHECK(error_of([&] { (void)logistic_regression(X, y, o); }).find("l2[1]") != std::string::npos);
}

TEST_CASE("model.json: round trip and malformed files name the JSON path") {
    const ranking_fit f = fit_ranking(random_history(1), options_at(80));
    const std::string text = model_json(f.model);
    const ranking_model back = parse_model_json(text);
    CHECK(back.features == f.model.features);
    CHECK(back.coefficients == f.model.coefficients);
    CHECK(back.intercept == f.model.intercept);
    CHECK(back.mean == f.model.mean);
    CHECK(back.scale == f.model.scale);
    CHECK(back.training.samples == f.model.training.samples);
    CHECK(back.training.split_at == f.model.training.split_at);
    CHECK(model_json(back) == text);

    auto err = [&](const std::string& from, const std::string& to) {
        std::string t = text;
        const auto at = t.find(from);
        REQUIRE(at != std::string::npos);
        t.replace(at, from.size(), to);
        return error_of([&] { (void)parse_model_json(t, "m.json"); });
    };
    CHECK(err("\"version\": 1", "\"version\": 2").find("m.json: $.version: expected 1") == 0);
    CHECK(err("\"similarity\",", "\"similarty\",") ==
          "m.json: $.features[0]: unknown ranking feature 'similarty' (expected similarity, tags, proximity, "
          "happiness, peer_log_degree, peer_activity, peer_idle_days or co_participation)");
    CHECK(err("\"tags\",", "\"similarity\",") == "m.json: $.features[1]: feature \"similarity\" is listed twice");
    CHECK(err("\"coefficients\": [", "\"coefficients\": [\"x\", ").find("m.json: $.coefficients: expected") == 0);
    CHECK(err("\"intercept\"", "\"intercep\"") == "m.json: $: missing key \"intercept\"");
    CHECK(err("\"scale\": [", "\"scale\": [0, ").find("m.json: $.standardisation.scale") == 0);
    CHECK(err("\"half_life_days\": 30.0", "\"half_life_days\": -1") ==
          "m.json: $.half_life_days: expected a number > 0");
    CHECK(err("\"split_at\": \"", "\"split_at\": \"x").find("m.json: $.training.split_at: expected an ISO-8601 time") ==
          0);
    CHECK(error_of([] { (void)parse_model_json("[1]", "m.json"); }) == "m.json: $: expected an object, got an array");
    CHECK(error_of([] { (void)parse_model_json("{", "m.json"); }).find("m.json: invalid JSON") == 0);
    CHECK(error_of([] { (void)read_model("no/such/model.json"); }).find("no/such/model.json") == 0);
}

TEST_CASE("fit: nothing at or after split_at is read (no leakage)") {
    const fit_options o = options_at(70);
    const ranking_history h = random_history(7);
    const ranking_fit base = fit_ranking(h, o);
    CHECK(base.model.training.positives > 0);
    std::mt19937_64 rng(3);
    for (int trial = 0; trial < 20; ++trial) {
        ranking_history g = h;
        // Move, add or retarget interactions at or after the cut; move late content.
        for (std::size_t k = 0; k < g.interactions.size(); ++k)
            if (g.interactions.timestamp[k] >= o.split_at) {
                g.interactions.timestamp[k] = o.split_at + std::uniform_real_distribution<double>(0, 40 * day)(rng);
                g.interactions.target[k] = static_cast<std::uint32_t>(rng() % g.members.size());
            }
        for (int add = 0; add < 10; ++add) {
            g.interactions.source.push_back(static_cast<std::uint32_t>(rng() % g.members.size()));
            g.interactions.target.push_back(static_cast<std::uint32_t>(rng() % g.members.size()));
            g.interactions.weight.push_back(1);
            g.interactions.timestamp.push_back(o.split_at + double(rng() % 1000) * 3600);
        }
        for (std::size_t i = 0; i < g.content->size(); ++i)
            if (g.content->created[i] >= o.split_at - o.horizon_days * day)
                g.content->created[i] += double(rng() % 50) * day;
        const ranking_fit f = fit_ranking(g, o);
        CHECK(f.model.coefficients == base.model.coefficients);
        CHECK(f.model.intercept == base.model.intercept);
        CHECK(f.design.values == base.design.values);
        CHECK(f.design.label == base.design.label);
    }
    // A change before the cut does change the model.
    ranking_history g = h;
    for (std::size_t k = 0; k < g.interactions.size(); ++k)
        if (g.interactions.timestamp[k] < o.split_at - o.horizon_days * day)
            g.interactions.timestamp[k] = o.split_at - o.horizon_days * day + 1;
    CHECK(fit_ranking(g, o).model.coefficients != base.model.coefficients);
}

TEST_CASE("fit: labels are the eligible pairs first met in the window; members created later do not exist") {
    const ranking_history h = random_history(11);
    const fit_options o = options_at(75);
    const ranking_design d = build_ranking_design(h, o);
    const double T0 = o.split_at - o.horizon_days * day;
    const community c0 = community_before(h, T0);
    for (std::size_t r = 0; r < h.members.size(); ++r)
        CHECK(c0.find(h.members.id[r]).has_value() == !(h.members.created[r] >= T0));
    const recommender rules(c0);
    std::set<std::pair<std::string, std::string>> expected;
    for (std::size_t k = 0; k < h.interactions.size(); ++k) {
        const double t = h.interactions.timestamp[k];
        if (!(t >= T0 && t < o.split_at)) continue;
        auto a = c0.find(h.members.id[h.interactions.source[k]]), b = c0.find(h.members.id[h.interactions.target[k]]);
        if (!a || !b) continue;
        for (auto [u, v] : {std::pair{*a, *b}, std::pair{*b, *a}})
            if (rules.check(u, v).eligible) expected.emplace(c0.id(u), c0.id(v));
    }
    std::set<std::pair<std::string, std::string>> got, negatives;
    for (std::size_t i = 0; i < d.rows(); ++i) {
        const auto u = c0.index_of(d.member[i]), v = c0.index_of(d.peer[i]);
        CHECK(rules.check(u, v).eligible);  // every row is an eligible pair at T0
        (d.label[i] ? got : negatives).emplace(d.member[i], d.peer[i]);
    }
    CHECK(got == expected);
    for (const auto& pr : negatives) CHECK(expected.count(pr) == 0);
    // Every member with a positive has at most `negatives` negatives.
    std::map<std::string, std::size_t> per;
    for (const auto& pr : negatives) ++per[pr.first];
    for (const auto& [u, k] : per) CHECK(k <= o.negatives);
}

TEST_CASE("fit: the same model whatever the thread count; a seed changes the sample" *
          doctest::test_suite("concurrency")) {
    const ranking_history h = random_history(21, 200);
    fit_options o = options_at(80);
    o.threads = 1;
    const ranking_fit a = fit_ranking(h, o);
    for (unsigned t : {2u, 3u, 8u}) {
        o.threads = t;
        const ranking_fit b = fit_ranking(h, o);
        CHECK(b.design.values == a.design.values);
        CHECK(b.model.coefficients == a.model.coefficients);
    }
    o.seed = 99;
    CHECK(fit_ranking(h, o).design.peer != a.design.peer);
    o.seed = 0;
    o.negatives = 0;  // every eligible pair
    const ranking_design all = build_ranking_design(h, o);
    CHECK(all.rows() >= a.design.rows());
}

TEST_CASE("fit: bad options and undated interactions") {
    ranking_history h = random_history(2);
    fit_options o = options_at(80);
    o.horizon_days = 0;
    CHECK(error_of([&] { (void)fit_ranking(h, o); }).find("horizon_days") == 0);
    o = options_at(80);
    o.split_at = std::nan("");
    CHECK(error_of([&] { (void)fit_ranking(h, o); }).find("split_at") == 0);
    o = options_at(1);
    CHECK(error_of([&] { (void)fit_ranking(h, o); }).find("no eligible pair had its first contact") == 0);
    h.interactions.timestamp[3] = std::nan("");
    CHECK(error_of([&] { (void)fit_ranking(h, options_at(80)); }) ==
          "interactions row 3: a timestamp is required on every row to learn a ranking");
}

TEST_CASE("recommend and match with a model: hard rules hold, scores are the model's, threads do not matter" *
          doctest::test_suite("concurrency")) {
    for (std::uint64_t seed = 1; seed <= 25; ++seed) {
        const ranking_history h = random_history(seed, 60);
        fit_options fo = options_at(90);
        fo.negatives = 5;
        ranking_fit f;
        try {
            f = fit_ranking(h, fo);
        } catch (const config_error&) {
            continue;  // no positive pair in this small history
        }
        // The community now (every interaction), content threads, a model.
        interaction_table all = h.interactions;
        const community c(h.j, h.members, all);
        ranking_context ctx;
        ctx.threads = std::make_shared<content_threads>(c, *h.content);
        auto scorer = std::make_shared<const ranking_scorer>(c, f.model, ctx);
        recommend_options ro;
        ro.k = 4;
        ro.model = scorer;
        ro.threads = 1;
        const recommender rec(c, ro);
        const recommender plain(c);
        const auto recs = rec.for_all();
        for (const auto& r : recs) {
            CHECK(plain.check(r.member, r.peer).eligible);
            const ranking_features x = scorer->features(r.member, r.peer);
            CHECK(r.score == f.model.probability(x));
            CHECK(r.components == components(c, r.member, r.peer));
            CHECK(!r.reason.empty());
        }
        // Brute force: the top-k of every member by the model's linear predictor.
        for (member_index u = 0; u < c.size(); ++u) {
            std::vector<std::pair<double, member_index>> all_scores;
            for (member_index v = 0; v < c.size(); ++v)
                if (plain.check(u, v).eligible)
                    all_scores.emplace_back(-f.model.linear_predictor(scorer->features(u, v)), v);
            std::sort(all_scores.begin(), all_scores.end());
            const auto got = rec.for_member(u);
            REQUIRE(got.size() == std::min<std::size_t>(4, all_scores.size()));
            for (std::size_t i = 0; i < got.size(); ++i) CHECK(got[i].peer == all_scores[i].second);
        }
        for (unsigned t : {2u, 4u}) {
            recommend_options ro2 = ro;
            ro2.threads = t;
            const auto again = recommender(c, ro2).for_all();
            REQUIRE(again.size() == recs.size());
            for (std::size_t i = 0; i < recs.size(); ++i) {
                CHECK(again[i].peer == recs[i].peer);
                CHECK(again[i].score == recs[i].score);
                CHECK(again[i].reason == recs[i].reason);
            }
        }
        match_options mo;
        mo.scoring.model = scorer;
        const match_result plan = match(c, mo);
        std::vector<int> used(c.size(), 0);
        for (const auto& p : plan.pairs) {
            CHECK(plain.check(p.member, p.peer).eligible);
            CHECK(p.score == f.model.probability(scorer->features(p.member, p.peer)));
            ++used[p.peer];
        }
        for (member_index v = 0; v < c.size(); ++v) CHECK(used[v] <= c.capacity(v));
    }
}

TEST_CASE("ranking scorer: a model with co_participation needs content; another community is refused") {
    const ranking_history h = random_history(4);
    const ranking_fit f = fit_ranking(h, options_at(80));
    REQUIRE(f.model.uses(ranking_feature::co_participation));
    const community c(h.j, h.members, h.interactions);
    CHECK(error_of([&] { ranking_scorer s(c, f.model); }).find("co_participation") != std::string::npos);
    ranking_context ctx;
    ctx.threads = std::make_shared<content_threads>(c, *h.content);
    auto s = std::make_shared<const ranking_scorer>(c, f.model, ctx);
    const community other(h.j, h.members, h.interactions);
    recommend_options ro;
    ro.model = s;
    CHECK(error_of([&] { recommender r(other, ro); }).find("another community") != std::string::npos);
    // Shared threads, by hand.
    const content_table& t = *h.content;
    for (member_index u = 0; u < 10; ++u)
        for (member_index v = 0; v < 10; ++v) {
            std::set<std::uint32_t> tu, tv;
            for (std::size_t i = 0; i < t.size(); ++i) {
                if (t.author[i] == c.id(u)) tu.insert(t.thread[i]);
                if (t.author[i] == c.id(v)) tv.insert(t.thread[i]);
            }
            std::size_t both = 0;
            for (auto x : tu) both += tv.count(x);
            CHECK(ctx.threads->shared(u, v) == both);
        }
}

TEST_CASE("recommend with a model: the screened search equals brute force for models of every sign") {
    for (std::uint64_t seed = 1; seed <= 6; ++seed) {
        const ranking_history h = random_history(100 + seed, 900);
        const community c(h.j, h.members, h.interactions);
        ranking_context ctx;
        ctx.threads = std::make_shared<content_threads>(c, *h.content);
        std::mt19937_64 rng(seed);
        std::normal_distribution<double> z;
        ranking_model m;
        for (std::size_t k = 0; k < ranking_feature_count; ++k) {
            if (seed % 2 == 0 && k == 1) continue;  // a model without tags
            m.features.push_back(static_cast<ranking_feature>(k));
            m.coefficients.push_back(2 * z(rng));
            m.mean.push_back(z(rng));
            m.scale.push_back(0.1 + std::abs(z(rng)));
        }
        m.intercept = z(rng);
        auto scorer = std::make_shared<const ranking_scorer>(c, m, ctx);
        recommend_options ro;
        ro.k = 1 + seed % 5;
        ro.model = scorer;
        ro.reasons = false;
        const recommender rec(c, ro);
        const recommender plain(c);
        for (member_index u = 0; u < c.size(); u += 7) {
            std::vector<std::pair<double, member_index>> all_scores;
            const index_range right = c.stage(u) + 1u < c.journey().stage_count()
                                          ? c.stage_members(static_cast<stage_index>(c.stage(u) + 1))
                                          : index_range{};
            for (member_index v = right.first; v < right.last; ++v)
                if (plain.is_eligible(u, v)) all_scores.emplace_back(-m.linear_predictor(scorer->features(u, v)), v);
            std::sort(all_scores.begin(), all_scores.end());
            const auto got = rec.for_member(u);
            REQUIRE(got.size() == std::min(ro.k, all_scores.size()));
            for (std::size_t i = 0; i < got.size(); ++i) {
                CHECK(got[i].peer == all_scores[i].second);
                CHECK(got[i].score == logistic(-all_scores[i].first));
            }
        }
    }
}
