#include <doctest/doctest.h>
#include <engage_right/engage_right.hpp>

#include <fmt/format.h>

#include <cmath>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

using namespace engage_right;

namespace {

std::string error_of(auto&& f) {
    try {
        f();
    } catch (const config_error& e) {
        return e.what();
    }
    return "";
}

// A community with counts[s] members at stage s, ids m0000001...
community make_community(const journey& j, const std::vector<std::size_t>& counts,
                         std::vector<std::int8_t> satisfaction = {}, std::vector<std::int32_t> capacity = {},
                         std::vector<std::uint8_t> opted_out = {}) {
    member_table t;
    std::size_t k = 0;
    for (std::size_t s = 0; s < counts.size(); ++s)
        for (std::size_t i = 0; i < counts[s]; ++i) {
            t.id.push_back(fmt::format("m{:07d}", k++));
            t.stage.push_back(static_cast<stage_index>(s));
        }
    t.satisfaction = std::move(satisfaction);
    t.capacity = std::move(capacity);
    t.opted_out = std::move(opted_out);
    return community(j, std::move(t));
}

journey two_stages() { return journey({"out", "in"}, "bass"); }

// Bass diffusion: adopted share and adoption rate.
double bass_F(double p, double q, double t) {
    const double e = std::exp(-(p + q) * t);
    return (1 - e) / (1 + q / p * e);
}
double bass_f(double p, double q, double t) {
    const double e = std::exp(-(p + q) * t);
    return (p + q) * (p + q) / p * e / ((1 + q / p * e) * (1 + q / p * e));
}

}  // namespace

TEST_CASE("simulate: mean-field mass action reproduces the Bass diffusion closed form") {
    const double p = 0.03, q = 0.38;
    const std::size_t N = 1000;
    const community c = make_community(two_stages(), {N, 0});
    simulation_options o;
    o.policy = sim_policy::mass_action;
    o.engine = sim_engine::mean_field;
    o.params.base = {p};
    o.params.lift = {0.19};
    o.params.contact_rate = 2.0;  // q = contact_rate * lift
    o.params.churn = {0.0};
    o.params.referral_rate = 0;
    o.params.arrivals = 0;
    o.params.dt = 0.01;
    o.rounds = 20;
    const simulation_result r = simulate(c, o);
    for (std::size_t t = 1; t <= 20; ++t) {
        const double F = r.count(t, 1) / N;
        CHECK(F == doctest::Approx(bass_F(p, q, static_cast<double>(t))).epsilon(0.005));
        CHECK(r.count(t, 0) + r.count(t, 1) == doctest::Approx(N));
    }

    // The same model with one round per sub-step: the adoption rate from
    // differences of the counts.
    CHECK(bass_f(p, q, 1) == doctest::Approx(0.04203).epsilon(1e-3));
    CHECK(bass_f(p, q, 5) == doctest::Approx(0.10424).epsilon(1e-3));
    CHECK(bass_f(p, q, 10) == doctest::Approx(0.06343).epsilon(1e-3));
    const double dt = 0.01;
    o.params.base = {p * dt};
    o.params.lift = {0.19 * dt};
    o.params.dt = 1;
    o.rounds = 2000;
    const simulation_result fine = simulate(c, o);
    auto F = [&](std::size_t k) { return fine.count(k, 1) / N; };
    for (double t : {1.0, 5.0, 10.0}) {
        const auto k = static_cast<std::size_t>(std::lround(t / dt));
        const double f = (F(k + 1) - F(k - 1)) / (2 * dt);
        CHECK(f == doctest::Approx(bass_f(p, q, t)).epsilon(0.005));
    }
    for (std::size_t k = 1; k <= 2000; ++k)
        CHECK(fine.conversion(k, 0) == doctest::Approx(fine.count(k, 1) - fine.count(k - 1, 1)));
    // The adoption rate at t_k = k dt by central differences peaks within one step of t*.
    std::size_t peak = 0;
    double best = -1;
    for (std::size_t k = 1; k < 2000; ++k) {
        const double f = (F(k + 1) - F(k - 1)) / (2 * dt);
        if (f > best) {
            best = f;
            peak = k;
        }
    }
    const double t_star = std::log(q / p) / (p + q);
    CHECK(t_star == doctest::Approx(6.19).epsilon(0.001));
    CHECK(std::abs(static_cast<double>(peak) * dt - t_star) <= dt);
}

TEST_CASE("simulate: viral R equals a hand computation on three stages") {
    simulation_params p;
    p.base = {0.1, 0.05};
    p.lift = {0.2, 0.4};
    p.churn = {0.05, 0.1, 0.2};
    p.referral_rate = 0.3;
    p.dt = 0.5;
    const std::vector<double> contacts = {1.0, 0.5};
    // P0 = 0.3 / 0.35, P1 = 0.25 / 0.35, rounds at the last stage 0.5 / (1 - e^-0.1).
    const double expected = (6.0 / 7.0) * (5.0 / 7.0) * 0.3 * (0.5 / (1 - std::exp(-0.1)));
    CHECK(viral_reproduction_number(p, contacts) == doctest::Approx(expected).epsilon(1e-12));
    CHECK(expected == doctest::Approx(0.965051).epsilon(1e-6));

    // Edge cases: no churn on a step means it is surely passed; no hazard means it never is.
    simulation_params q = p;
    q.churn = {0.0, 0.1, 0.2};
    CHECK(viral_reproduction_number(q, contacts) == doctest::Approx(expected * 7.0 / 6.0).epsilon(1e-12));
    q.base = {0.0, 0.05};
    CHECK(viral_reproduction_number(q, std::vector<double>{0.0, 0.5}) == 0.0);
    q = p;
    q.churn = {0.05, 0.1, 0.0};
    CHECK(std::isinf(viral_reproduction_number(q, contacts)));
    q.referral_rate = 0;
    CHECK(viral_reproduction_number(q, contacts) == 0.0);

    // Through simulate(): mass action at the initial state, c_s = n_{s+1} / N.
    const journey j({"a", "b", "c"}, "three");
    const community comm = make_community(j, {50, 30, 20});
    simulation_options o;
    o.policy = sim_policy::mass_action;
    o.engine = sim_engine::mean_field;
    o.params = p;
    o.params.contact_rate = 2;
    o.rounds = 3;
    const simulation_result r = simulate(comm, o);
    const double c0 = 2 * 0.3, c1 = 2 * 0.2;
    const double h0 = 0.1 + 0.2 * c0, h1 = 0.05 + 0.4 * c1;
    const double by_hand = h0 / (h0 + 0.05) * h1 / (h1 + 0.1) * 0.3 * 0.5 / (1 - std::exp(-0.2 * 0.5));
    CHECK(r.viral_r == doctest::Approx(by_hand).epsilon(1e-12));
    CHECK(r.viral_r_final == doctest::Approx(r.viral_r_by_round.back()));

    // engage_right: min(per_member, seats at s+1 / seekers at s); every
    // member has the default capacity 3 and unknown satisfaction.
    o.policy = sim_policy::engage_right;
    o.params.per_member = 1;
    const simulation_result e = simulate(comm, o);
    CHECK(e.contacts[0] == doctest::Approx(1.0));  // 90 seats for 50 seekers
    CHECK(e.contacts[1] == doctest::Approx(1.0));
    o.params.per_member = 3;
    const simulation_result e3 = simulate(comm, o);
    CHECK(e3.contacts[0] == doctest::Approx(90.0 / 50.0));
    CHECK(e3.contacts[1] == doctest::Approx(60.0 / 30.0));
}

TEST_CASE("simulate: Monte Carlo is identical for any thread count" * doctest::test_suite("concurrency")) {
    const journey j = journey::preset("engage_right");
    const community c = make_community(j, {30000, 20000, 12000, 8000, 5000});
    for (sim_policy pol : {sim_policy::engage_right, sim_policy::random, sim_policy::mass_action, sim_policy::none}) {
        simulation_options o;
        o.policy = pol;
        o.rounds = 6;
        o.seed = 11;
        o.params.arrivals = 200;
        o.params.dt = 0.5;
        o.params.per_member = 2;
        o.log = pol == sim_policy::engage_right || pol == sim_policy::random;
        o.threads = 1;
        const simulation_result a = simulate(c, o);
        for (unsigned t : {2u, 4u}) {
            o.threads = t;
            const simulation_result b = simulate(c, o);
            CHECK(a.counts == b.counts);
            CHECK(a.conversions == b.conversions);
            CHECK(a.referrals == b.referrals);
            CHECK(a.log.contact_source == b.log.contact_source);
            CHECK(a.log.contact_target == b.log.contact_target);
            CHECK(a.log.entry_member == b.log.entry_member);
            CHECK(a.log.entry_time == b.log.entry_time);
        }
        o.seed = 12;
        const simulation_result d = simulate(c, o);
        CHECK(a.counts != d.counts);
    }
}

TEST_CASE("simulate: members are conserved") {
    const journey j = journey::preset("engage_right");
    const community c = make_community(j, {4000, 2000, 1000, 500, 300});
    for (sim_policy pol : {sim_policy::engage_right, sim_policy::random, sim_policy::mass_action, sim_policy::none})
        for (sim_engine eng : {sim_engine::monte_carlo, sim_engine::mean_field}) {
            simulation_options o;
            o.policy = pol;
            o.engine = eng;
            o.rounds = 20;
            o.params.arrivals = 50;
            o.params.referral_rate = 0.1;
            o.params.dt = 0.25;
            const simulation_result r = simulate(c, o);
            double in = static_cast<double>(c.size()), out = 0;
            for (std::size_t k = 1; k <= r.rounds; ++k) {
                in += r.arrivals[k] + r.referrals[k];
                out += r.churned[k];
                double alive = 0;
                for (std::size_t s = 0; s < 5; ++s) alive += r.count(k, s);
                CHECK(alive + out == doctest::Approx(in).epsilon(1e-12));
            }
            CHECK(r.arrivals.back() > 0);
            CHECK(r.churned.back() > 0);
        }
}

TEST_CASE("simulate: engage_right contacts respect the hard rules and capacities") {
    const journey j = journey::preset("engage_right");
    const std::vector<std::size_t> counts = {300, 120, 60, 30, 10};
    std::size_t n = 0;
    for (auto k : counts) n += k;
    std::vector<std::int8_t> sat(n);
    std::vector<std::int32_t> cap(n);
    std::vector<std::uint8_t> opt(n);
    for (std::size_t i = 0; i < n; ++i) {
        sat[i] = static_cast<std::int8_t>(i % 13 == 0 ? -1 : static_cast<int>(i % 11));
        cap[i] = static_cast<std::int32_t>(i % 7 == 0 ? -1 : static_cast<int>(i % 4));
        opt[i] = static_cast<std::uint8_t>(i % 17 == 0);
    }
    const community c = make_community(j, counts, sat, cap, opt);
    simulation_options o;
    o.policy = sim_policy::engage_right;
    o.rounds = 1;
    o.log = true;
    o.params.per_member = 2;
    const simulation_result r = simulate(c, o);
    REQUIRE(!r.log.contact_source.empty());
    std::map<std::uint32_t, int> served, got;
    std::set<std::pair<std::uint32_t, std::uint32_t>> pairs;
    for (std::size_t k = 0; k < r.log.contact_source.size(); ++k) {
        const member_index u = r.log.contact_source[k], v = r.log.contact_target[k];
        CHECK(c.stage(v) == c.stage(u) + 1);
        CHECK_FALSE(c.opted_out(u));
        CHECK_FALSE(c.opted_out(v));
        CHECK((!c.satisfaction(v) || *c.satisfaction(v) >= j.min_peer_satisfaction()));
        ++served[v];
        ++got[u];
        CHECK(pairs.insert({u, v}).second);  // capacities here are below the number of seekers
    }
    for (const auto& [v, k] : served) CHECK(k <= c.capacity(v));
    for (const auto& [u, k] : got) CHECK(k <= 2);
    // The number of contacts per step is min(seats, 2 * seekers).
    for (stage_index s = 0; s + 1 < 5; ++s) {
        std::size_t seats = 0, seekers = 0, dealt = 0;
        const index_range next = c.stage_members(static_cast<stage_index>(s + 1));
        for (member_index v = next.first; v < next.last; ++v)
            if (!c.opted_out(v) && (!c.satisfaction(v) || *c.satisfaction(v) >= 7))
                seats += static_cast<std::size_t>(c.capacity(v));
        const index_range here = c.stage_members(s);
        for (member_index u = here.first; u < here.last; ++u) seekers += !c.opted_out(u);
        for (std::size_t k = 0; k < r.log.contact_source.size(); ++k) dealt += c.stage(r.log.contact_source[k]) == s;
        CHECK(dealt == std::min(seats, 2 * seekers));
    }
}

TEST_CASE("simulate: the event log is written in the DESIGN formats") {
    const journey j({"a", "b"}, "two");
    const community c = make_community(j, {3, 2});
    simulation_options o;
    o.policy = sim_policy::engage_right;
    o.rounds = 2;
    o.log = true;
    o.params.base = {0.5};
    o.params.arrivals = 2;
    o.params.referral_rate = 0;
    o.params.round_days = 7;
    o.params.dt = 0.5;
    const simulation_result r = simulate(c, o);
    std::ostringstream inter, stages;
    write_interactions_log(inter, c, r);
    write_stages_log(stages, c, r);
    CHECK(inter.str().rfind("source,target,weight,timestamp\n", 0) == 0);
    CHECK(stages.str().rfind("member,stage,timestamp\nm0000000,a,2026-01-01T00:00:00Z\n", 0) == 0);
    // Round 0 contacts are stamped at the origin, round 1 a week later.
    CHECK(inter.str().find(",1,2026-01-01T00:00:00Z\n") != std::string::npos);
    // Entries in sub-step 1 of round 1: 1 + 0.75 rounds = 12.25 days.
    for (std::size_t k = 0; k < r.log.entry_member.size(); ++k) {
        const double t = r.log.entry_time[k];
        if (k < c.size()) CHECK(t == 0.0);
        else CHECK((t == 0.25 || t == 0.75 || t == 1.25 || t == 1.75));
    }
    CHECK(format_timestamp(std::round(r.unix_time(1.75))) == "2026-01-13T06:00:00Z");
    const std::size_t arrived = static_cast<std::size_t>(r.arrivals[1] + r.arrivals[2]);
    if (arrived > 0) CHECK(stages.str().find("sim-1,a,") != std::string::npos);
}

TEST_CASE("simulate: bad parameters are config errors naming the key") {
    const std::pair<const char*, const char*> cases[] = {
        {R"({"bsae": 1})", "p.json: $.bsae: unknown key"},
        {R"({"lift": "x"})", "$.lift: expected a number or an array"},
        {R"({"churn": [0.1, 0.2]})", "$.churn: expected 5 values (one per stage), got 2"},
        {R"({"base": [0.1, -0.2, 0, 0]})", "$.base[1]: expected a finite number >= 0, got -0.2"},
        {R"({"dt": 0.3})", "$.dt: expected 0 < dt"},
        {R"({"per_member": 1.5})", "$.per_member: expected an integer"},
        {R"({"arrivals": -1})", "$.arrivals: expected a finite number >= 0"},
        {"[1]", "$: expected an object"},
        {"{", "invalid JSON"}};
    for (const auto& [json, says] : cases) {
        const std::string text = json, expected = says;  // lambdas cannot capture bindings in Clang 14
        CHECK_MESSAGE(
            error_of([&] { simulation_params::from_json(text, 5, "p.json"); }).find(expected) != std::string::npos,
            text);
    }

    const simulation_params ok =
        simulation_params::from_json(R"({"base": 0.1, "churn": [0,0,0,0,0.5], "dt": 0.25})", 5);
    CHECK(ok.base == std::vector<double>(4, 0.1));
    CHECK(ok.lift == std::vector<double>(4, simulation_params::default_lift));
    CHECK(ok.churn.back() == 0.5);
    CHECK(ok.substeps() == 4);

    const community c = make_community(journey::preset("engage_right"), {5, 4, 3, 2, 1});
    simulation_options o;
    o.rounds = -1;
    CHECK(error_of([&] { simulate(c, o); }).find("rounds must be >= 0") != std::string::npos);
    o.rounds = 2;
    o.params.lift = {0.1, 0.2};
    CHECK(error_of([&] { simulate(c, o); }).find("lift: expected 1 or 4 values") != std::string::npos);
    o.params.lift = {};
    o.params.per_member = -1;
    CHECK(error_of([&] { simulate(c, o); }).find("per_member") != std::string::npos);
    o.params.per_member = 1;
    o.params.dt = 0;
    CHECK(error_of([&] { simulate(c, o); }).find("dt") != std::string::npos);
    CHECK_THROWS_AS(parse_sim_policy("greedy"), config_error);
    CHECK_THROWS_AS(parse_sim_engine("exact"), config_error);
    CHECK(parse_sim_policy(to_string(sim_policy::mass_action)) == sim_policy::mass_action);
    CHECK(parse_sim_engine(to_string(sim_engine::mean_field)) == sim_engine::mean_field);
}

TEST_CASE("simulate: explosive parameters are config errors, never overflowed counts") {
    const journey j = journey::preset("engage_right");
    const community c = make_community(j, {400, 200, 100, 50, 30});
    for (sim_engine eng : {sim_engine::monte_carlo, sim_engine::mean_field}) {
        simulation_options o;
        o.engine = eng;
        o.rounds = 3;
        o.params.arrivals = 1e300;  // a draw of this mean does not fit any integer
        CHECK_THROWS_WITH_AS((void)simulate(c, o), doctest::Contains("beyond max_members"), config_error);
        o.params.arrivals = 0;
        o.params.referral_rate = 50;  // exponential growth: beyond 2e8 within 60 rounds
        o.rounds = 60;
        CHECK_THROWS_WITH_AS((void)simulate(c, o), doctest::Contains("beyond max_members"), config_error);
        o.max_members = 1000000000000;  // the mean field stays finite and exact up to here
        o.rounds = 3;
        const simulation_result r = simulate(c, o);
        for (std::size_t s = 0; s < 5; ++s) CHECK(std::isfinite(r.count(3, s)));
    }
}
