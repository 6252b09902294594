#include "contract.hpp"
#include "random_community.hpp"
#include "test_helpers.hpp"

#include <doctest/doctest.h>
#include <engage_right/engage_right.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

using namespace engage_right;
using test_support::day;
using test_support::eligible_by_contract;
using test_support::error_of;

namespace {

struct dated_case {
    journey j;
    evaluation_input in;
    evaluate_options o;
};

// A small random community with dated interactions, sometimes `created`
// times and a stage history, and random evaluation options.
dated_case make_dated_case(std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    auto uni = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    auto coin = [&](double p) { return std::bernoulli_distribution(p)(rng); };
    dated_case dc{test_support::random_journey(rng), {}, {}};
    const int S = static_cast<int>(dc.j.stage_count());
    member_table& m = dc.in.members;
    const int n = uni(2, 40);
    const int d = uni(0, 3);
    const bool created = coin(0.5);
    std::vector<float> feats;
    m.tag_names = {"a", "b", "c"};
    m.tag_offsets.push_back(0);
    for (int i = 0; i < n; ++i) {
        m.id.push_back((coin(0.5) ? "x" : "m") + std::to_string(i * 13 % 97) + "_" + std::to_string(i));
        m.stage.push_back(static_cast<stage_index>(uni(0, S - 1)));
        m.satisfaction.push_back(coin(0.5) ? std::int8_t{-1} : static_cast<std::int8_t>(uni(0, 10)));
        m.capacity.push_back(coin(0.7) ? -1 : uni(0, 2));
        m.opted_out.push_back(coin(0.05) ? 1 : 0);
        m.activity.push_back(uni(0, 10));
        for (std::uint32_t t = 0; t < 3; ++t)
            if (coin(0.3)) m.tag_ids.push_back(t);
        m.tag_offsets.push_back(static_cast<std::uint32_t>(m.tag_ids.size()));
        for (int x = 0; x < d; ++x) feats.push_back(static_cast<float>(uni(-2, 2)));
        if (created) m.created.push_back(coin(0.2) ? std::nan("") : uni(0, 100) * day);
    }
    m.features = feature_block::own(std::move(feats), static_cast<std::size_t>(n), static_cast<std::size_t>(d));
    interaction_table& it = dc.in.interactions;
    const int e = uni(1, 5 * n);
    for (int k = 0; k < e; ++k) {
        it.source.push_back(static_cast<std::uint32_t>(uni(0, n - 1)));
        it.target.push_back(static_cast<std::uint32_t>(uni(0, n - 1)));
        it.weight.push_back(1.0);
        it.timestamp.push_back(uni(0, 100) * day + (coin(0.5) ? 0.0 : 0.5 * day));
    }
    if (coin(0.5)) {
        stage_table st;
        const int entries = uni(0, 2 * n);
        for (int k = 0; k < entries; ++k) {
            st.member.push_back(static_cast<std::uint32_t>(uni(0, n - 1)));
            st.stage.push_back(static_cast<stage_index>(uni(0, S - 1)));
            st.timestamp.push_back(uni(0, 100) * day);
        }
        dc.in.stages = st;
    }
    evaluate_options& o = dc.o;
    o.split_at = uni(20, 80) * day;
    if (coin(0.5)) o.horizon_days = uni(1, 40);
    o.k.clear();
    for (int i = 0, count = uni(1, 3); i < count; ++i) o.k.push_back(static_cast<std::size_t>(uni(1, 6)));
    o.methods = {eval_method::engage_right,
                 eval_method::adamic_adar,
                 eval_method::degree,
                 eval_method::random,
                 eval_method::adamic_adar_unrestricted,
                 eval_method::degree_unrestricted};
    std::shuffle(o.methods.begin(), o.methods.end(), rng);
    o.methods.resize(static_cast<std::size_t>(uni(1, 6)));
    o.scoring.allow_existing = coin(0.2);
    if (coin(0.3)) o.scoring.min_satisfaction = uni(0, 11);
    if (coin(0.5))
        o.scoring.weights = score_weights{uni(0, 4) / 4.0, uni(0, 4) / 4.0, uni(0, 4) / 4.0, uni(0, 4) / 4.0};
    o.mrr_depth = static_cast<std::size_t>(uni(1, 12));
    o.bootstrap = static_cast<std::size_t>(uni(0, 60));
    o.seed = static_cast<std::uint64_t>(uni(0, 1000));
    o.threads = static_cast<unsigned>(uni(1, 3));
    o.keep_rankings = true;
    return dc;
}

// The replay written from the definitions: who is in it (input row -> stage
// at T), and the target pairs as id pairs.
struct expected_replay {
    std::map<std::string, stage_index> stage;  // id -> stage at T
    std::set<std::pair<std::string, std::string>> edges, targets;
};

expected_replay replay_by_definition(const dated_case& dc) {
    const auto& m = dc.in.members;
    const double T = dc.o.split_at;
    const double end = std::isinf(dc.o.horizon_days) ? INFINITY : T + dc.o.horizon_days * day;
    expected_replay r;
    for (std::size_t row = 0; row < m.size(); ++row) {
        if (!m.created.empty() && m.created[row] >= T) continue;  // NaN compares false: kept
        stage_index s = m.stage[row];
        bool any = false, by_t = false;
        double best = -INFINITY;
        if (dc.in.stages)
            for (std::size_t k = 0; k < dc.in.stages->size(); ++k) {
                if (dc.in.stages->member[k] != row) continue;
                any = true;
                const double t = dc.in.stages->timestamp[k];
                if (t <= T && t >= best) {
                    best = t;
                    s = dc.in.stages->stage[k];
                    by_t = true;
                }
            }
        if (any && !by_t) continue;
        r.stage[m.id[row]] = s;
    }
    std::map<std::pair<std::string, std::string>, double> first;
    const auto& it = dc.in.interactions;
    for (std::size_t k = 0; k < it.size(); ++k) {
        std::string a = m.id[it.source[k]], b = m.id[it.target[k]];
        if (a == b || !r.stage.count(a) || !r.stage.count(b)) continue;
        if (b < a) std::swap(a, b);
        auto [pos, fresh] = first.try_emplace({a, b}, it.timestamp[k]);
        if (!fresh) pos->second = std::min(pos->second, it.timestamp[k]);
    }
    for (const auto& [pair, t] : first) {
        if (t < T) r.edges.insert(pair);
        else if (t < end) r.targets.insert(pair);
    }
    return r;
}

// Every peer allowed for u, in the order of `key` (larger first), ties by id.
template <class Key>
std::vector<member_index> brute_ranking(const community& c, const recommend_options& ro, member_index u, bool any_stage,
                                        std::size_t depth, Key key) {
    std::vector<member_index> out;
    for (member_index v = 0; v < c.size(); ++v)
        if (eligible_by_contract(c, ro, u, v, any_stage)) out.push_back(v);
    std::sort(out.begin(), out.end(), [&](member_index a, member_index b) {
        const double ka = key(a), kb = key(b);
        if (ka != kb) return ka > kb;
        return c.id(a) < c.id(b);
    });
    if (out.size() > depth) out.resize(depth);
    return out;
}

bool unrestricted(eval_method m) {
    return m == eval_method::adamic_adar_unrestricted || m == eval_method::degree_unrestricted;
}

// Mean metrics from the definitions: hit@k, recall@k, ndcg@k (binary
// relevance, ideal DCG over min(k, targets)), then MRR within mrr_depth.
std::vector<double> metrics_by_definition(const evaluation& ev, std::size_t method) {
    const auto& d = *ev.details;
    std::vector<double> sum(3 * ev.k.size() + 1, 0.0);
    for (std::size_t i = 0; i < d.members.size(); ++i) {
        const std::set<member_index> targets(d.targets.begin() + static_cast<std::ptrdiff_t>(d.target_offsets[i]),
                                             d.targets.begin() + static_cast<std::ptrdiff_t>(d.target_offsets[i + 1]));
        const auto& off = d.ranking_offsets[method];
        std::vector<member_index> ranked(d.rankings[method].begin() + static_cast<std::ptrdiff_t>(off[i]),
                                         d.rankings[method].begin() + static_cast<std::ptrdiff_t>(off[i + 1]));
        for (std::size_t x = 0; x < ev.k.size(); ++x) {
            const std::size_t k = ev.k[x];
            double hits = 0, dcg = 0, idcg = 0;
            for (std::size_t r = 0; r < std::min(k, ranked.size()); ++r)
                if (targets.count(ranked[r])) {
                    hits += 1;
                    dcg += 1 / std::log2(double(r) + 2.0);
                }
            for (std::size_t r = 0; r < std::min(k, targets.size()); ++r) idcg += 1 / std::log2(double(r) + 2.0);
            sum[x] += hits > 0;
            sum[ev.k.size() + x] += hits / double(targets.size());
            sum[2 * ev.k.size() + x] += dcg / idcg;
        }
        for (std::size_t r = 0; r < std::min(ranked.size(), ev.mrr_depth); ++r)
            if (targets.count(ranked[r])) {
                sum.back() += 1.0 / double(r + 1);
                break;
            }
    }
    for (auto& s : sum) s /= double(d.members.size());
    return sum;
}

}  // namespace

TEST_CASE("evaluate: replay, targets, ceiling, rankings and metrics match the definitions on random histories") {
    std::size_t evaluated = 0, cases = 0, no_target = 0, targets_total = 0, unreachable = 0;
    for (std::uint64_t seed = 1; seed <= 400; ++seed) {
        const dated_case dc = make_dated_case(seed);
        const expected_replay want = replay_by_definition(dc);
        if (want.targets.empty()) {
            CHECK(error_of([&] { (void)evaluate(dc.j, dc.in, dc.o); }).find("no member has a target") == 0);
            ++no_target;
            continue;
        }
        const evaluation ev = evaluate(dc.j, dc.in, dc.o);
        ++cases;
        const community& c = *ev.replay;
        // The community as of T.
        REQUIRE(c.size() == want.stage.size());
        for (member_index i = 0; i < c.size(); ++i) CHECK(c.stage(i) == want.stage.at(c.id(i)));
        CHECK(c.edge_count() == want.edges.size());
        for (const auto& [a, b] : want.edges) CHECK(c.has_interaction(c.index_of(a), c.index_of(b)));
        // Targets, evaluated members (input order).
        const auto& d = *ev.details;
        CHECK(ev.target_pairs == want.targets.size());
        CHECK(ev.targets == 2 * want.targets.size());
        std::set<std::pair<std::string, std::string>> got;
        std::set<std::string> members_with_targets;
        for (const auto& [a, b] : want.targets) members_with_targets.insert({a, b});
        CHECK(d.members.size() == members_with_targets.size());
        CHECK(ev.evaluated_members == d.members.size());
        CHECK(std::is_sorted(d.members.begin(), d.members.end(), [&](member_index a, member_index b) {
            return c.input_position(a) < c.input_position(b);
        }));
        // Ceiling from the contract.
        recommend_options ro = dc.o.scoring;
        std::size_t reachable = 0;
        for (std::size_t i = 0; i < d.members.size(); ++i) {
            const member_index u = d.members[i];
            for (auto t = d.target_offsets[i]; t < d.target_offsets[i + 1]; ++t) {
                const member_index v = d.targets[t];
                auto key = std::minmax(c.id(u), c.id(v));
                got.insert({key.first, key.second});
                const bool ok = eligible_by_contract(c, ro, u, v);
                CHECK(bool(d.reachable[t]) == ok);
                reachable += ok;
            }
        }
        CHECK(got == want.targets);
        CHECK(ev.reachable_targets == reachable);
        CHECK(ev.ceiling == doctest::Approx(double(reachable) / double(ev.targets)));
        targets_total += ev.targets;
        unreachable += ev.targets - reachable;
        evaluated += d.members.size();
        // Rankings against brute force from the contract.
        const std::size_t depth = std::max(dc.o.mrr_depth, ev.k.back());
        const score_weights w = dc.o.scoring.weights.value_or(dc.j.weights());
        for (std::size_t m = 0; m < dc.o.methods.size(); ++m) {
            const eval_method method = dc.o.methods[m];
            const auto& off = d.ranking_offsets[m];
            for (std::size_t i = 0; i < d.members.size(); ++i) {
                const member_index u = d.members[i];
                const std::vector<member_index> list(d.rankings[m].begin() + static_cast<std::ptrdiff_t>(off[i]),
                                                     d.rankings[m].begin() + static_cast<std::ptrdiff_t>(off[i + 1]));
                const bool any = unrestricted(method);
                std::vector<member_index> expect;
                switch (method) {
                    case eval_method::engage_right:
                        expect =
                            brute_ranking(c, ro, u, false, depth, [&](member_index v) { return score(c, u, v, w); });
                        break;
                    case eval_method::adamic_adar:
                    case eval_method::adamic_adar_unrestricted:
                        expect =
                            brute_ranking(c, ro, u, any, depth, [&](member_index v) { return adamic_adar(c, u, v); });
                        break;
                    case eval_method::degree:
                    case eval_method::degree_unrestricted:
                        expect =
                            brute_ranking(c, ro, u, any, depth, [&](member_index v) { return double(c.degree(v)); });
                        break;
                    case eval_method::random: {
                        const auto all = brute_ranking(c, ro, u, false, depth, [](member_index) { return 0.0; });
                        CHECK(list.size() == all.size());
                        std::set<member_index> seen(list.begin(), list.end());
                        CHECK(seen.size() == list.size());
                        for (auto v : list) CHECK(eligible_by_contract(c, ro, u, v));
                        continue;
                    }
                }
                CHECK_MESSAGE(list == expect,
                              "seed " << seed << " method " << to_string(method) << " member " << c.id(u));
            }
            // Means from the definitions.
            const auto want_metrics = metrics_by_definition(ev, m);
            for (std::size_t x = 0; x < want_metrics.size(); ++x) {
                CHECK(ev.methods[m].metrics[x].value == doctest::Approx(want_metrics[x]).epsilon(1e-12));
                if (dc.o.bootstrap > 0) {
                    CHECK(ev.methods[m].metrics[x].low <= ev.methods[m].metrics[x].high);
                } else {
                    CHECK(std::isnan(ev.methods[m].metrics[x].low));
                }
                CHECK(ev.methods[m].difference[x].value ==
                      doctest::Approx(ev.methods[m].metrics[x].value - ev.methods[0].metrics[x].value));
            }
            CHECK(ev.methods[m].metrics.size() == ev.metrics.size());
        }
    }
    MESSAGE(cases << " cases, " << evaluated << " evaluated members, " << targets_total << " targets (" << unreachable
                  << " unreachable), " << no_target << " without targets");
    CHECK(cases > 200);
    CHECK(evaluated > 2000);
    CHECK(unreachable > 100);
}

TEST_CASE("evaluate: the same result whatever the thread count; the scorer hook with the reference score" *
          doctest::test_suite("concurrency")) {
    for (std::uint64_t seed = 1000; seed < 1060; ++seed) {
        dated_case dc = make_dated_case(seed);
        dc.o.bootstrap = 40;
        if (replay_by_definition(dc).targets.empty()) continue;
        dc.o.threads = 1;
        const evaluation one = evaluate(dc.j, dc.in, dc.o);
        for (unsigned t : {2u, 3u, 8u}) {
            dc.o.threads = t;
            const evaluation many = evaluate(dc.j, dc.in, dc.o);
            CHECK(many.details->rankings == one.details->rankings);
            for (std::size_t m = 0; m < one.methods.size(); ++m)
                for (std::size_t x = 0; x < one.metrics.size(); ++x) {
                    const auto& a = one.methods[m].metrics[x];
                    const auto& b = many.methods[m].metrics[x];
                    CHECK(a.value == b.value);
                    CHECK(((std::isnan(a.low) && std::isnan(b.low)) || a.low == b.low));
                    CHECK(((std::isnan(a.high) && std::isnan(b.high)) || a.high == b.high));
                }
        }
        // engage_right through the hook, scoring with score(): the same lists.
        dc.o.methods = {eval_method::engage_right};
        const evaluation plain = evaluate(dc.j, dc.in, dc.o);
        const score_weights w = dc.o.scoring.weights.value_or(dc.j.weights());
        dc.o.scorer = [w](const community& c, member_index u, member_index v) { return score(c, u, v, w); };
        const evaluation hooked = evaluate(dc.j, dc.in, dc.o);
        CHECK(hooked.details->rankings == plain.details->rankings);
        CHECK(hooked.methods[0].metrics[0].value == plain.methods[0].metrics[0].value);
    }
}

TEST_CASE("evaluate: a hand-made history") {
    // a, b prospects; c, d interested; e new_customer. Before T: a-c, c-d,
    // d-e. After T: a-d (first contact, one stage right: reachable), a-c
    // again (not new), b-e (two stages apart: unreachable), e-c (e is at a
    // later stage than c: reachable for c only).
    const journey j = journey::preset("engage_right");
    member_table m;
    m.id = {"a", "b", "c", "d", "e"};
    m.stage = {0, 0, 1, 1, 2};
    interaction_table it;
    auto add = [&](std::uint32_t a, std::uint32_t b, double t) {
        it.source.push_back(a);
        it.target.push_back(b);
        it.timestamp.push_back(t * day);
    };
    add(0, 2, 1);
    add(2, 3, 2);
    add(3, 4, 3);
    add(0, 3, 11);
    add(0, 2, 12);
    add(1, 4, 13);
    add(4, 2, 14);
    evaluation_input in{m, it, std::nullopt};
    evaluate_options o;
    o.split_at = 10 * day;
    o.k = {1};
    o.methods = {eval_method::degree, eval_method::degree_unrestricted};
    o.bootstrap = 0;
    o.keep_rankings = true;
    const evaluation ev = evaluate(j, in, o);
    CHECK(ev.target_pairs == 3);  // a-d, b-e, c-e
    CHECK(ev.evaluated_members == 5);
    CHECK(ev.targets == 6);
    // Reachable: a -> d (prospect -> interested), c -> e (interested ->
    // new_customer). Not: d -> a, b -> e, e -> b, e -> c.
    CHECK(ev.reachable_targets == 2);
    CHECK(ev.ceiling == doctest::Approx(2.0 / 6.0));
    CHECK(ev.ceiling_hit == doctest::Approx(2.0 / 5.0));
    // degree, top 1: a's only eligible peer at interested is d (c is a
    // contact): a hit. b: c and d have degree 2 each: c (smaller id), miss.
    // c: e (the only new_customer), a hit. d: e is a contact: nothing. e:
    // last stage: nothing.
    CHECK(ev.methods[0].metrics[0].value == doctest::Approx(2.0 / 5.0));  // hit@1
    const auto& d = *ev.details;
    const community& c = *ev.replay;
    std::vector<std::string> top;
    for (std::size_t i = 0; i < d.members.size(); ++i)
        top.push_back(
            d.ranking_offsets[0][i + 1] > d.ranking_offsets[0][i] ? c.id(d.rankings[0][d.ranking_offsets[0][i]]) : "-");
    CHECK(top == std::vector<std::string>{"d", "c", "e", "-", "-"});
    // Unrestricted degree: any stage, degree at T: c 2, d 2, a 1, e 1, b 0.
    // a: c is a contact -> d (hit). b: c (miss). c: a, d contacts -> e (hit).
    // d: c, e contacts -> a (hit). e: d contact -> c (hit).
    CHECK(ev.methods[1].metrics[0].value == doctest::Approx(4.0 / 5.0));
    CHECK(ev.methods[1].difference[0].value == doctest::Approx(0.4));

    // A blocked pair (rows a, d) is not allowed: a's target leaves the ceiling.
    evaluate_options blocked = o;
    blocked.scoring.blocked = {{0, 3}};
    const evaluation without = evaluate(j, in, blocked);
    CHECK(without.reachable_targets == 1);
    CHECK(without.methods[0].metrics[0].value == doctest::Approx(1.0 / 5.0));  // only c -> e left

    // With `created`, e joins after T: b-e and c-e drop out, a-d stays.
    in.members.created = {0, 0, 0, 0, 10 * day};
    const evaluation later = evaluate(j, in, o);
    CHECK(later.members_created_later == 1);
    CHECK(later.target_pairs == 1);
    CHECK(later.window_pairs_with_new_members == 2);
    // A stage history: d only became interested after T, so at T d was not
    // in the replay (entries after T only); c became interested at day 5.
    in.members.created.clear();
    in.stages = stage_table{{3, 2, 2}, {1, 0, 1}, {20 * day, 1 * day, 5 * day}};
    const evaluation staged = evaluate(j, in, o);
    CHECK(staged.members_not_yet_staged == 1);
    CHECK(staged.replay->stage(staged.replay->index_of("c")) == 1);
    CHECK_FALSE(staged.replay->find("d"));
}

TEST_CASE("evaluate: options and input errors are clear") {
    const journey j = journey::preset("engage_right");
    member_table m;
    m.id = {"a", "b"};
    m.stage = {0, 1};
    interaction_table it;
    it.source = {0};
    it.target = {1};
    it.timestamp = {5 * day};
    const evaluation_input in{m, it, std::nullopt};
    evaluate_options o;
    o.split_at = 1 * day;
    o.bootstrap = 10;
    CHECK(evaluate(j, in, o).ceiling == doctest::Approx(0.5));
    auto bad = [&](auto change) {
        evaluate_options x = o;
        change(x);
        return error_of([&] { (void)evaluate(j, in, x); });
    };
    CHECK(bad([](evaluate_options& x) { x.split_at = std::nan(""); }) ==
          "split_at: expected a time in years 0001-9999, got nan");
    CHECK(bad([](evaluate_options& x) { x.horizon_days = 0; }) == "horizon_days must be > 0, got 0");
    CHECK(bad([](evaluate_options& x) { x.k = {0}; }) == "k: cut-offs must be >= 1");
    CHECK(bad([](evaluate_options& x) { x.methods = {}; }) == "methods: give at least one method");
    CHECK(bad([](evaluate_options& x) {
              x.methods = {eval_method::degree, eval_method::degree};
          }) == "methods: 'degree' is listed twice");
    CHECK(bad([](evaluate_options& x) { x.mrr_depth = 0; }) == "mrr_depth must be >= 1");
    CHECK(bad([](evaluate_options& x) { x.split_at = 9 * day; }).find("no member has a target") == 0);
    CHECK(bad([](evaluate_options& x) {
              x.scoring.weights = score_weights{-1, 0, 0, 0};
          }).find("weight") != std::string::npos);
    evaluation_input undated = in;
    undated.interactions.timestamp = {std::nan("")};
    CHECK(error_of([&] { (void)evaluate(j, undated, o); }) ==
          "interactions row 0: timestamp: expected a time (evaluation replays history), got an empty value");
    undated.interactions.timestamp.clear();
    CHECK(error_of([&] { (void)evaluate(j, undated, o); }).find("every interaction needs a timestamp") !=
          std::string::npos);

    CHECK(parse_eval_methods(" Degree ,random") == std::vector<eval_method>{eval_method::degree, eval_method::random});
    CHECK(error_of([] { (void)parse_eval_methods("degree,pagerank"); }) ==
          "unknown evaluation method 'pagerank' (expected engage_right, adamic_adar, degree, random, "
          "adamic_adar_unrestricted or degree_unrestricted)");
    CHECK(error_of([] { (void)parse_eval_methods("degree,,random"); }) == "empty method item in 'degree,,random'");
    CHECK(parse_cutoffs("10,5,5") == std::vector<std::size_t>{5, 10});
    CHECK(error_of([] { (void)parse_cutoffs("5,x"); }) == "expected integers 1..1000000, got 'x'");
}

TEST_CASE("split times: unix seconds, ISO-8601 or a share of the interactions") {
    interaction_table it;
    for (int k = 0; k < 10; ++k) {
        it.source.push_back(0);
        it.target.push_back(1);
        it.timestamp.push_back((9 - k) * day);  // not sorted
    }
    CHECK(split_time(it, 0.8) == 8 * day);  // 8 interactions (days 0..7) before it
    CHECK(split_time(it, 0.1) == 1 * day);
    CHECK(parse_split_at("80%", it) == 8 * day);
    CHECK(parse_split_at(" 25 % ", it) == 2 * day);
    CHECK(parse_split_at("86400", it) == day);
    CHECK(parse_split_at("1970-01-03", it) == 2 * day);
    CHECK(error_of([&] { (void)parse_split_at("100%", it); }).find("between 0% and 100%") != std::string::npos);
    CHECK(error_of([&] { (void)parse_split_at("soon", it); }) ==
          "expected unix seconds, ISO-8601 (e.g. 2018-08-01T00:00:00Z) or a share of the interactions (e.g. 80%), "
          "got 'soon'");
    CHECK(error_of([&] { (void)split_time(it, 0.05); }).find("leaves none on one side") != std::string::npos);
}

TEST_CASE("io: members.csv created column, dated interactions and stages.csv against members") {
    const journey j = journey::preset("engage_right");
    const member_table m = parse_members("id,stage,created\na,prospect,2018-03-01\nb,loyal,\nc,loyal,86400\n", j);
    REQUIRE(m.created.size() == 3);
    CHECK(m.created[0] == doctest::Approx(1519862400.0));
    CHECK(std::isnan(m.created[1]));
    CHECK(m.created[2] == 86400.0);
    CHECK(parse_members("id,stage\na,prospect\n", j).created.empty());
    CHECK(error_of([&] { (void)parse_members("id,stage,created\na,prospect,yesterday\n", j); }) ==
          "members.csv:2:12: created: expected unix seconds or ISO-8601 (e.g. 2026-03-14T09:30:00Z) in years "
          "0001-9999, or empty, got "
          "\"yesterday\"");
    member_columns cols;
    cols.id = {"a", "b"};
    cols.stage = std::vector<std::string>{"prospect", "loyal"};
    cols.created = std::vector<double>{5.0, std::nan("")};
    CHECK(build_members(cols, j).created[0] == 5.0);
    cols.created = std::vector<std::string>{"2018-03-01", "later"};
    CHECK(error_of([&] { (void)build_members(cols, j); }) ==
          "members row 1: created: expected unix seconds or ISO-8601 (e.g. 2026-03-14T09:30:00Z) in years 0001-9999, "
          "or empty, got 'later'");

    interaction_read_options dated;
    dated.timestamp_required = true;
    dated.needed_by = "evaluation replays history";
    CHECK(parse_interactions("source,target,timestamp\na,b,5\n", m, "i.csv", dated).timestamp[0] == 5.0);
    CHECK(error_of([&] { (void)parse_interactions("source,target\na,b\n", m, "i.csv", dated); }) ==
          "i.csv:1: missing required column 'timestamp' (evaluation replays history) (header has: source, target)");
    CHECK(error_of([&] { (void)parse_interactions("source,target,timestamp\na,b,\n", m, "i.csv", dated); }) ==
          "i.csv:2:5: timestamp: expected unix seconds or ISO-8601, got an empty field");
    CHECK(std::isnan(parse_interactions("source,target,timestamp\na,b,\n", m).timestamp[0]));

    const stage_table st = parse_stage_table("member,stage,timestamp\nc,advocate,10\na,interested,20\n", m, j);
    CHECK(st.member == std::vector<std::uint32_t>{2, 0});
    CHECK(st.stage == std::vector<stage_index>{4, 1});
    CHECK(st.timestamp == std::vector<double>{10, 20});
    CHECK(error_of([&] { (void)parse_stage_table("member,stage,timestamp\nz,loyal,1\n", m, j); }) ==
          "stages.csv:2:1: member: unknown member id \"z\" (not in the members file)");
    CHECK(error_of([&] {
              (void)parse_stage_table("member,stage,timestamp\na,boss,1\n", m, j);
          }).find("stages.csv:2:3: stage: unknown stage \"boss\"") == 0);
    const std::vector<std::string> ids{"a", "c"}, stages{"loyal", "Advocate"};
    const std::vector<double> when{1.0, 2.0};
    CHECK(build_stage_table(ids, stages, when, m, j).stage == std::vector<stage_index>{3, 4});
    const std::vector<std::string> unknown{"a", "zz"};
    CHECK(error_of([&] { (void)build_stage_table(unknown, stages, when, m, j); }) ==
          "stages row 1: member: unknown member id \"zz\" (not in the members file)");
}
