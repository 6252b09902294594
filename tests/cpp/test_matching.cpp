#include <doctest/doctest.h>
#include <engage_right/engage_right.hpp>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <random>
#include <set>
#include <string>

using namespace engage_right;

namespace {

// Best objective by trying every subset of arcs (small problems only).
double brute_force(const bipartite_problem& p) {
    std::vector<std::uint32_t> rows(p.rows, 0), load(p.capacity.size(), 0);
    double best = 0;
    std::function<void(std::size_t, double)> go = [&](std::size_t i, double value) {
        if (i == p.arcs.size()) {
            best = std::max(best, value);
            return;
        }
        go(i + 1, value);
        const auto& a = p.arcs[i];
        if (rows[a.row] < p.row_demand && load[a.column] < p.capacity[a.column]) {
            const double cost = p.spread * load[a.column] / p.capacity[a.column];
            ++rows[a.row];
            ++load[a.column];
            go(i + 1, value + a.value - cost);
            --rows[a.row];
            --load[a.column];
        }
    };
    go(0, 0.0);
    return best;
}

// The objective of a chosen set: values minus seat costs (seats filled in any order).
double objective(const bipartite_problem& p, const std::vector<std::size_t>& chosen) {
    std::vector<std::uint32_t> rows(p.rows, 0), load(p.capacity.size(), 0);
    double v = 0;
    for (auto i : chosen) {
        const auto& a = p.arcs[i];
        REQUIRE(rows[a.row] < p.row_demand);
        REQUIRE(load[a.column] < p.capacity[a.column]);
        v += a.value - p.spread * load[a.column] / p.capacity[a.column];
        ++rows[a.row];
        ++load[a.column];
    }
    return v;
}

bipartite_problem random_problem(std::mt19937& rng, bool spread) {
    bipartite_problem p;
    p.rows = 1 + static_cast<std::size_t>(rng() % 5);
    p.capacity.resize(1 + static_cast<std::size_t>(rng() % 4));
    for (auto& cap : p.capacity) cap = static_cast<std::uint32_t>(rng() % 3);
    p.row_demand = 1 + static_cast<std::uint32_t>(rng() % 2);
    p.spread = spread ? static_cast<double>(rng() % 5) / 4.0 : 0.0;
    std::uniform_real_distribution<double> val(-0.2, 1.0);
    for (std::uint32_t r = 0; r < p.rows; ++r)
        for (std::uint32_t c = 0; c < p.capacity.size(); ++c)
            if (rng() % 3 != 0 && p.arcs.size() < 12) p.arcs.push_back({r, c, std::round(val(rng) * 8) / 8});
    return p;
}

bool blocking_pair_exists(const bipartite_problem& p, const std::vector<std::size_t>& chosen) {
    // Pair (r, c) with value > 0, not chosen, where r has a free slot or a
    // worse partner, and c has a free seat or a worse holder.
    std::vector<std::vector<double>> row_values(p.rows), column_values(p.capacity.size());
    std::vector<std::uint8_t> taken(p.arcs.size(), 0);
    for (auto i : chosen) {
        taken[i] = 1;
        row_values[p.arcs[i].row].push_back(p.arcs[i].value);
        column_values[p.arcs[i].column].push_back(p.arcs[i].value);
    }
    for (std::size_t i = 0; i < p.arcs.size(); ++i) {
        const auto& a = p.arcs[i];
        if (taken[i] || !(a.value > 0) || p.capacity[a.column] == 0) continue;
        const auto& rv = row_values[a.row];
        const auto& cv = column_values[a.column];
        const bool row_wants = rv.size() < p.row_demand || *std::min_element(rv.begin(), rv.end()) < a.value;
        const bool column_wants = cv.size() < p.capacity[a.column] || *std::min_element(cv.begin(), cv.end()) < a.value;
        if (row_wants && column_wants) return true;
    }
    return false;
}

}  // namespace

TEST_CASE("optimal b-matching equals brute force, with and without load spreading") {
    std::mt19937 rng(11);
    for (int round = 0; round < 3000; ++round) {
        const bipartite_problem p = random_problem(rng, round % 2 == 1);
        const auto chosen = solve_optimal(p);
        INFO("round " << round);
        CHECK(objective(p, chosen) == doctest::Approx(brute_force(p)).epsilon(1e-12));
        for (auto i : chosen) CHECK(p.arcs[i].value > 0);
        // Greedy and stable are feasible and never better.
        const auto greedy = solve_greedy(p);
        CHECK(objective(p, greedy) <= objective(p, chosen) + 1e-12);
        const auto stable = solve_stable(p);
        if (p.spread == 0) {
            CHECK(objective(p, stable) <= objective(p, chosen) + 1e-12);
        }
    }
}

TEST_CASE("the dense solver reaches the same optimum as brute force and the arc-list solver") {
    std::mt19937 rng(23);
    for (int round = 0; round < 3000; ++round) {
        const bipartite_problem p = random_problem(rng, round % 2 == 1);
        const std::size_t C = p.capacity.size();
        std::vector<double> dense(p.rows * C, std::nan(""));
        for (const auto& a : p.arcs) dense[a.row * C + a.column] = a.value;
        const auto pairs = solve_optimal_dense(dense, p.rows, p.capacity, p.row_demand, p.spread);
        // The same pairs as arc indices, so objective() checks feasibility.
        std::vector<std::size_t> chosen;
        for (const auto& [r, c] : pairs) {
            const auto it = std::find_if(p.arcs.begin(), p.arcs.end(), [&, row = r, col = c](const auto& a) {
                return a.row == row && a.column == col;
            });
            REQUIRE(it != p.arcs.end());
            CHECK(it->value > 0);
            chosen.push_back(static_cast<std::size_t>(it - p.arcs.begin()));
        }
        INFO("round " << round);
        CHECK(objective(p, chosen) == doctest::Approx(brute_force(p)).epsilon(1e-12));
    }
    // Larger problems against the arc-list solver.
    for (int round = 0; round < 40; ++round) {
        bipartite_problem p;
        p.rows = 20 + rng() % 60;
        p.capacity.resize(10 + rng() % 50);
        for (auto& cap : p.capacity) cap = static_cast<std::uint32_t>(rng() % 4);
        p.row_demand = 1 + static_cast<std::uint32_t>(rng() % 3);
        p.spread = static_cast<double>(rng() % 3) / 2.0;
        std::uniform_real_distribution<double> val(-0.5, 1.0);
        std::vector<double> dense(p.rows * p.capacity.size());
        for (std::uint32_t r = 0; r < p.rows; ++r)
            for (std::uint32_t c = 0; c < p.capacity.size(); ++c) {
                const double x = val(rng);
                dense[r * p.capacity.size() + c] = x;
                p.arcs.push_back({r, c, x});
            }
        const auto pairs = solve_optimal_dense(dense, p.rows, p.capacity, p.row_demand, p.spread);
        std::vector<std::size_t> chosen;
        for (const auto& [r, c] : pairs) chosen.push_back(r * p.capacity.size() + c);
        CHECK(objective(p, chosen) == doctest::Approx(objective(p, solve_optimal(p))).epsilon(1e-12));
    }
    CHECK_THROWS_AS(solve_optimal_dense(std::vector<double>(5, 1.0), 2, std::vector<std::uint32_t>{1, 1}),
                    config_error);
}

TEST_CASE("the 3x3 example of scipy's linear_sum_assignment documentation") {
    // cost = [[4, 1, 3], [2, 0, 5], [3, 2, 2]]: the minimum is 1 + 2 + 2 = 5
    // (rows 0, 1, 2 to columns 1, 0, 2). Maximising 10 - cost gives 25.
    const double cost[3][3] = {{4, 1, 3}, {2, 0, 5}, {3, 2, 2}};
    bipartite_problem p;
    p.rows = 3;
    p.capacity = {1, 1, 1};
    for (std::uint32_t r = 0; r < 3; ++r)
        for (std::uint32_t c = 0; c < 3; ++c) p.arcs.push_back({r, c, 10 - cost[r][c]});
    const auto chosen = solve_optimal(p);
    REQUIRE(chosen.size() == 3);
    double total = 0;
    for (auto i : chosen) total += cost[p.arcs[i].row][p.arcs[i].column];
    CHECK(total == 5);
}

TEST_CASE("stable matching: the examples of the matching library's README") {
    // Stable marriage (suitors A, B, C; reviewers D, E, F), from the README of
    // the Python package `matching` (daffidwilde/matching): solution {A: E, B: D, C: F}.
    {
        enum { A, B, C };
        enum { D, E, F };
        const std::vector<std::vector<std::uint32_t>> suitors = {{D, E, F}, {D, F, E}, {F, D, E}};
        const std::vector<std::vector<std::uint32_t>> reviewers = {{B, C, A}, {A, C, B}, {C, B, A}};
        const auto m = solve_stable_ranked(suitors, reviewers, {1, 1, 1});
        CHECK(m == std::vector<std::vector<std::uint32_t>>{{E}, {D}, {F}});
    }
    // Hospital/residents with capacity 2 (residents Ada, Sam, Dani, Jo, Luc;
    // hospitals Mercy, City, General), same README: {M: [L, S], C: [D, A], G: [J]}.
    {
        enum { A, S, D, J, L };
        enum { M, C, G };
        const std::vector<std::vector<std::uint32_t>> residents = {{C}, {C, M}, {C, M, G}, {C, G, M}, {M, C, G}};
        const std::vector<std::vector<std::uint32_t>> hospitals = {{D, L, S, J}, {D, A, S, L, J}, {D, J, L}};
        const auto m = solve_stable_ranked(residents, hospitals, {2, 2, 2});
        CHECK(m[A] == std::vector<std::uint32_t>{C});
        CHECK(m[S] == std::vector<std::uint32_t>{M});
        CHECK(m[D] == std::vector<std::uint32_t>{C});
        CHECK(m[J] == std::vector<std::uint32_t>{G});
        CHECK(m[L] == std::vector<std::uint32_t>{M});
    }
}

TEST_CASE("stable matching has no blocking pair on random instances") {
    std::mt19937 rng(5);
    for (int round = 0; round < 2000; ++round) {
        bipartite_problem p = random_problem(rng, false);
        // Distinct values, so preferences are strict on both sides.
        for (std::size_t i = 0; i < p.arcs.size(); ++i)
            p.arcs[i].value = 0.01 + 0.001 * static_cast<double>((i * 7919) % 997);
        const auto chosen = solve_stable(p);
        (void)objective(p, chosen);  // feasibility
        CHECK_FALSE(blocking_pair_exists(p, chosen));
    }
}

TEST_CASE("matching a community keeps every hard rule and capacity") {
    const journey j;
    const member_table m = parse_members(
        "id,stage,satisfaction,capacity,opted_out,tags,f_0,f_1\n"
        "p1,prospect,,,0,a,1,0\n"
        "p2,prospect,,,0,a,0.9,0.1\n"
        "p3,prospect,,,0,b,0,1\n"
        "p4,prospect,,,1,a,1,0\n"
        "i1,interested,9,1,0,a,1,0\n"
        "i2,interested,3,5,0,a,1,0\n"
        "i3,interested,,2,0,b,0,1\n"
        "n1,new_customer,,0,0,a,1,0\n"
        "a1,advocate,10,1,0,a,1,0\n",
        j);
    const community c(j, member_table(m), parse_interactions("source,target\np2,i3\n", m));
    match_options o;
    for (const auto method : {match_method::optimal, match_method::stable, match_method::greedy}) {
        o.method = method;
        const match_result r = match(c, o);
        std::map<member_index, int> load;
        for (const auto& mp : r.pairs) {
            CHECK(c.stage(mp.peer) == c.stage(mp.member) + 1);
            CHECK_FALSE(c.opted_out(mp.member));
            CHECK(c.id(mp.peer) != "i2");                                // detractor
            CHECK(!(c.id(mp.member) == "p2" && c.id(mp.peer) == "i3"));  // existing contact
            ++load[mp.peer];
        }
        for (const auto& [v, n] : load) CHECK(n <= c.capacity(v));
        // Three prospects for i1 (1 seat) and i3 (2 seats); p2 knows i3, so i1
        // is its only peer. Scores: p1-i1 0.74, p1-i3 0.05, p2-i1 0.737,
        // p3-i3 0.70, p3-i1 0.09. Only the optimal plan moves p1 to i3 so that
        // p2 gets i1 (1.487 against 1.44).
        std::map<std::string, std::string> why;
        for (const auto& u : r.unmatched) why[c.id(u.member)] = to_string(u.reason);
        if (method == match_method::optimal) {
            CHECK(r.pairs.size() == 3);
            CHECK(r.total_score == doctest::Approx(0.736942 + 0.05 + 0.70).epsilon(1e-5));
        } else {
            CHECK(r.pairs.size() == 2);
            CHECK(why["p2"] == "capacity_exhausted");
        }
        CHECK(why["i1"] == "no_eligible_peer");  // n1 has no capacity
        CHECK(why.count("p4") == 0);             // opted out: not a seeker
        CHECK(why.count("a1") == 0);             // last stage
    }
    // Blocking and cooldown remove pairs.
    o.method = match_method::optimal;
    o.scoring.blocked = {{c.index_of("i1"), c.index_of("p1")}};
    o.history = parse_pairs("member,peer,timestamp\np3,i3,2026-01-01\np1,i3,2025-01-01\n", c);
    const match_result r = match(c, o);
    for (const auto& mp : r.pairs) {
        CHECK(!(c.id(mp.member) == "p1" && c.id(mp.peer) == "i1"));
        CHECK(!(c.id(mp.member) == "p3" && c.id(mp.peer) == "i3"));
    }
    CHECK(r.excluded_by_cooldown == 1);
    o.cooldown_days = 0;
    CHECK(match(c, o).excluded_by_cooldown == 0);
}

TEST_CASE("under a wider stage gap, seekers of two stages share a peer's seats") {
    const journey j({"a", "b", "c"});
    // a1 and b1 both want c1 (one seat); b1 has no capacity, so a1's only
    // peer under 1:2 is c1 as well.
    const member_table m = parse_members(
        "id,stage,capacity,f_0,f_1\n"
        "a1,a,,1,0\n"
        "b1,b,0,1,0\n"
        "c1,c,1,1,0\n",
        j);
    const community c(j, member_table(m));
    match_options o;
    for (const auto method : {match_method::optimal, match_method::stable, match_method::greedy}) {
        o.method = method;
        o.scoring.gap = {1, 1};
        const match_result one = match(c, o);
        REQUIRE(one.pairs.size() == 1);  // b1 - c1; a1's only next-stage peer has no seat
        CHECK(c.id(one.pairs[0].member) == "b1");
        o.scoring.gap = {1, 2};
        const match_result wide = match(c, o);
        REQUIRE(wide.pairs.size() == 1);  // one seat, two seekers: never two pairs
        CHECK(c.id(wide.pairs[0].peer) == "c1");
        CHECK(wide.pairs[0].seat == 0);
        REQUIRE(wide.unmatched.size() == 1);
        CHECK(to_string(wide.unmatched[0].reason) == std::string("capacity_exhausted"));
        o.scoring.gap = {2, 2};
        const match_result two = match(c, o);
        REQUIRE(two.pairs.size() == 1);
        CHECK(c.id(two.pairs[0].member) == "a1");
        CHECK(two.pairs[0].medium == channel::private_);  // the channel of a -> b
        CHECK(two.pairs[0].reason == "very similar profile (1.00); satisfaction unknown");
    }
    o.scoring.gap = {1, 3};
    CHECK_THROWS_AS(match(c, o), config_error);
}

#include "random_community.hpp"

TEST_CASE("property: hard rules, capacities, per_member, cooldown and blocked pairs on 1,200 random communities") {
    std::size_t pairs_checked = 0, blocked_checked = 0, cooled_checked = 0, far_pairs = 0;
    for (std::uint64_t seed = 0; seed < 1200; ++seed) {
        auto rc = test_support::make_random_case(seed);
        const community& c = rc.community;
        std::mt19937_64 rng(seed * 7 + 1);
        match_options o;
        o.scoring = rc.options;
        o.method = static_cast<match_method>(seed % 3);
        o.per_member = 1 + seed % 3;
        o.candidates = seed % 4 == 0 ? 0 : 1 + seed % 7;
        o.spread = static_cast<double>(seed % 5) * 0.25;
        o.continuity_bonus = seed % 2 ? 0.3 : 0.0;
        o.reasons = seed % 10 == 0;
        // A random history: some pairs recent (inside the 90-day cooldown), some old.
        const double now = 1.8e9;
        std::set<std::pair<member_index, member_index>> recent;
        if (c.size() > 1)
            for (int k = 0; k < 10; ++k) {
                const auto a = static_cast<member_index>(rng() % c.size()),
                           b = static_cast<member_index>(rng() % c.size());
                const bool is_recent = rng() % 2 == 0;
                o.history.member.push_back(a);
                o.history.peer.push_back(b);
                o.history.timestamp.push_back(now - (is_recent ? 10.0 : 200.0) * 86400);
                if (is_recent) recent.insert({std::min(a, b), std::max(a, b)});
            }
        o.as_of = now;
        const recommender checker(c, o.scoring);  // the hard rules with the same options (blocked included)
        const match_result r = match(c, o);
        std::map<member_index, std::size_t> load, per;
        std::set<std::pair<member_index, member_index>> seen;
        for (const auto& p : r.pairs) {
            INFO("seed " << seed);
            const eligibility e = checker.check(p.member, p.peer);
            CHECK(e.eligible);
            CHECK(recent.count({std::min(p.member, p.peer), std::max(p.member, p.peer)}) == 0);
            CHECK(seen.insert({p.member, p.peer}).second);
            CHECK(p.score + o.continuity_bonus > 0);  // only pairs worth something
            ++load[p.peer];
            ++per[p.member];
            ++pairs_checked;
            far_pairs += c.stage(p.peer) > c.stage(p.member) + 1u;
        }
        for (const auto& [v, n] : load) CHECK(n <= static_cast<std::size_t>(c.capacity(v)));
        for (const auto& [u, n] : per) CHECK(n <= o.per_member);
        blocked_checked += o.scoring.blocked.size();
        cooled_checked += recent.size();
        // Every seeker short of per_member is reported, nobody else.
        std::set<member_index> reported;
        for (const auto& u : r.unmatched) {
            CHECK(per[u.member] == u.matched);
            CHECK(u.matched < o.per_member);
            reported.insert(u.member);
        }
        for (member_index u = 0; u < c.size(); ++u) {
            const bool seeker = c.stage(u) + 1u < c.journey().stage_count() && !c.opted_out(u);
            CHECK(reported.count(u) == (seeker && per[u] < o.per_member ? 1u : 0u));
        }
    }
    MESSAGE("checked " << pairs_checked << " pairs (" << far_pairs << " more than one stage apart); " << blocked_checked
                       << " blocked and " << cooled_checked << " cooled-down pairs");
    CHECK(pairs_checked > 5000);
    CHECK(far_pairs > 300);
}
