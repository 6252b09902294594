#include <doctest/doctest.h>
#include <engage_right/engage_right.hpp>

#include "test_helpers.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <tuple>
#include <vector>

using namespace engage_right;

namespace {

using test_support::day;
using test_support::error_of;

// A 2x2 table as a 0/1 design: a treated successes, b treated failures,
// c untreated successes, d untreated failures.
std::pair<Eigen::MatrixXd, Eigen::VectorXd> table_design(int a, int b, int c, int d) {
    const int n = a + b + c + d;
    Eigen::MatrixXd X(n, 2);
    Eigen::VectorXd y(n);
    int i = 0;
    auto put = [&](int count, double t, double out) {
        for (int k = 0; k < count; ++k, ++i) {
            X(i, 0) = 1;
            X(i, 1) = t;
            y[i] = out;
        }
    };
    put(a, 1, 1);
    put(b, 1, 0);
    put(c, 0, 1);
    put(d, 0, 0);
    return {X, y};
}

// One window as a comparable tuple: (member id, from, k, contacts, advanced).
using window_row = std::tuple<std::string, int, int, int, bool>;

std::vector<window_row> rows_of(const uplift_windows& w, const uplift_history& h) {
    std::vector<window_row> out;
    for (const auto& x : w.windows)
        out.emplace_back(h.ids[x.member], int{x.from}, static_cast<int>(x.k), static_cast<int>(x.contacts), x.advanced);
    std::sort(out.begin(), out.end());
    return out;
}

const journey abc({"a", "b", "c"}, "abc");

}  // namespace

TEST_CASE("logistic regression on a 2x2 table equals the closed form") {
    for (const auto& [a, b, c, d] :
         {std::tuple{30, 20, 10, 40}, std::tuple{3, 97, 1, 299}, std::tuple{5, 5, 5, 5}, std::tuple{200, 7, 13, 150}}) {
        const auto design = table_design(a, b, c, d);
        const logistic_fit f = logistic_regression(design.first, design.second);
        const int cell_a = a, cell_b = b;
        CAPTURE(cell_a);
        CAPTURE(cell_b);
        CHECK(f.converged);
        CHECK_FALSE(f.separation);
        const double A = a, B = b, C = c, D = d;
        CHECK(f.params[0] == doctest::Approx(std::log(C / D)).epsilon(1e-10));
        CHECK(f.params[1] == doctest::Approx(std::log(A * D / (B * C))).epsilon(1e-10));
        CHECK(f.bse[0] == doctest::Approx(std::sqrt(1 / C + 1 / D)).epsilon(1e-9));
        CHECK(f.bse[1] == doctest::Approx(std::sqrt(1 / A + 1 / B + 1 / C + 1 / D)).epsilon(1e-9));
        CHECK(f.cov(0, 1) == doctest::Approx(-(1 / C + 1 / D)).epsilon(1e-9));
        const double ll = A * std::log(A / (A + B)) + B * std::log(B / (A + B)) + C * std::log(C / (C + D)) +
                          D * std::log(D / (C + D));
        CHECK(f.log_likelihood == doctest::Approx(ll).epsilon(1e-12));
    }
}

TEST_CASE("logistic regression: intercept only, and a continuous covariate against the score equations") {
    Eigen::MatrixXd X = Eigen::MatrixXd::Ones(40, 1);
    Eigen::VectorXd y = Eigen::VectorXd::Zero(40);
    for (int i = 0; i < 7; ++i) y[i] = 1;
    logistic_fit f = logistic_regression(X, y);
    const double p = 7.0 / 40;
    CHECK(f.params[0] == doctest::Approx(std::log(p / (1 - p))).epsilon(1e-12));
    CHECK(f.bse[0] == doctest::Approx(1 / std::sqrt(40 * p * (1 - p))).epsilon(1e-10));

    // At the maximum the score X'(y - p) vanishes; and the covariance is the
    // inverse of X'WX (checked by multiplying back).
    std::mt19937_64 rng(7);
    std::normal_distribution<double> z(0, 1);
    const int n = 500;
    Eigen::MatrixXd X2(n, 3);
    Eigen::VectorXd y2(n);
    for (int i = 0; i < n; ++i) {
        X2(i, 0) = 1;
        X2(i, 1) = z(rng);
        X2(i, 2) = z(rng) * 3 + 1;
        const double eta = -0.5 + 0.8 * X2(i, 1) - 0.3 * X2(i, 2);
        y2[i] = std::uniform_real_distribution<double>(0, 1)(rng) < 1 / (1 + std::exp(-eta)) ? 1 : 0;
    }
    f = logistic_regression(X2, y2);
    REQUIRE(f.converged);
    Eigen::VectorXd prob(n), w(n);
    for (int i = 0; i < n; ++i) {
        prob[i] = 1 / (1 + std::exp(-X2.row(i).dot(f.params)));
        w[i] = prob[i] * (1 - prob[i]);
    }
    CHECK((X2.transpose() * (y2 - prob)).cwiseAbs().maxCoeff() < 1e-9);
    const Eigen::MatrixXd info = X2.transpose() * w.asDiagonal() * X2;
    CHECK((info * f.cov - Eigen::MatrixXd::Identity(3, 3)).cwiseAbs().maxCoeff() < 1e-9);
    CHECK(f.iterations < 15);
}

TEST_CASE("logistic regression: separation is flagged, bad designs are config errors") {
    // Treated windows all succeed: b1 runs off to infinity.
    auto [X, y] = table_design(10, 0, 4, 6);
    logistic_fit f = logistic_regression(X, y);
    CHECK_FALSE(f.converged);
    CHECK(f.separation);
    // Complete separation on a continuous covariate.
    Eigen::MatrixXd Xc(6, 2);
    Xc << 1, -3, 1, -2, 1, -1, 1, 1, 1, 2, 1, 3;
    Eigen::VectorXd yc(6);
    yc << 0, 0, 0, 1, 1, 1;
    f = logistic_regression(Xc, yc);
    CHECK_FALSE(f.converged);
    CHECK(f.separation);

    Eigen::MatrixXd Xr(4, 3);
    Xr << 1, 0, 0, 1, 1, 2, 1, 0, 0, 1, 1, 2;  // column 2 = 2 * column 1
    Eigen::VectorXd yr(4);
    yr << 0, 1, 1, 0;
    CHECK(error_of([&] { logistic_regression(Xr, yr); }).find("full column rank") != std::string::npos);
    yr[0] = 2;
    CHECK(error_of([&] { logistic_regression(Xr.leftCols(2), yr); }).find("outside [0, 1]") != std::string::npos);
    CHECK(error_of([&] { logistic_regression(Xr.leftCols(2), Eigen::VectorXd::Zero(3)); }).find("rows") !=
          std::string::npos);
    CHECK_THROWS_AS(logistic_regression(Eigen::MatrixXd(0, 1), Eigen::VectorXd(0)), config_error);
}

TEST_CASE("uplift windows on a hand-built history") {
    // W = 1 day, origin 0, data end 5 days: windows k = 0..4.
    const std::string stages =
        "member,stage,timestamp\n"
        "u,A,0\n"
        "u,b,90000\n"  // u advances inside window 1
        "p,b,0\n"
        "q,a,0\n"
        "q,b,200000\n"  // q advances inside window 2
        "x,c,0\n"       // last stage: no windows
        "v,a,50000\n"   // enters after window 0 started: first window is 1
        "w,a,0\n"
        "w,b,150000\n"
        "y,b,0\n"  // two entries at one time: the higher stage holds
        "y,a,0\n";
    const std::string contacts =
        "source,target,weight,timestamp\n"
        "u,p,1,1000\n"    // u k0: p at b -> counts
        "p,u,1,100000\n"  // after u's outcome; for p, u is not at c
        "u,p,1,87000\n"   // u k1 before its outcome -> counts
        "q,p,1,180000\n"  // q k2 before its outcome -> counts
        "q,u,1,100000\n"  // q k1: u entered b at 90000 -> counts
        "q,u,1,80000\n"   // q k0: u still at a -> no
        "p,x,1,20000\n"   // p k0: x at c -> counts
        "x,p,1,270000\n"  // p k3, the other direction -> counts
        "v,u,1,60000\n"   // v had no window 0
        "u,u,1,5000\n"    // self-contact, ignored
        "w,u,1,90000\n"   // w k1: u enters b at exactly this time -> counts
        "w,p,1,150000\n"  // w k1: at w's outcome time -> excluded
        "z,p,,432000\n";  // sets the data end (z has no stage)
    const uplift_history h = parse_uplift_history(contacts, stages, abc);
    uplift_options o;
    o.window_days = 1;
    const uplift_windows w = build_uplift_windows(h, abc, o);
    CHECK(w.origin == 0);
    CHECK(w.data_end == 432000);
    CHECK(w.grid_windows == 5);
    CHECK(w.self_contacts == 1);
    const std::vector<window_row> expected = {{"p", 1, 0, 1, false}, {"p", 1, 1, 0, false}, {"p", 1, 2, 0, false},
                                              {"p", 1, 3, 1, false}, {"p", 1, 4, 0, false},  //
                                              {"q", 0, 0, 0, false}, {"q", 0, 1, 1, false}, {"q", 0, 2, 1, true},
                                              {"q", 1, 3, 0, false}, {"q", 1, 4, 0, false},  //
                                              {"u", 0, 0, 1, false}, {"u", 0, 1, 1, true},  {"u", 1, 2, 0, false},
                                              {"u", 1, 3, 0, false}, {"u", 1, 4, 0, false},  //
                                              {"v", 0, 1, 0, false}, {"v", 0, 2, 0, false}, {"v", 0, 3, 0, false},
                                              {"v", 0, 4, 0, false},  //
                                              {"w", 0, 0, 0, false}, {"w", 0, 1, 1, true},  {"w", 1, 2, 0, false},
                                              {"w", 1, 3, 0, false}, {"w", 1, 4, 0, false},  //
                                              {"y", 1, 0, 0, false}, {"y", 1, 1, 0, false}, {"y", 1, 2, 0, false},
                                              {"y", 1, 3, 0, false}, {"y", 1, 4, 0, false}};
    CHECK(rows_of(w, h) == expected);

    // Censoring: one second less of data and the last window is dropped.
    const std::string shorter = contacts.substr(0, contacts.find("z,p")) + "z,p,,431999\n";
    const uplift_windows w4 = build_uplift_windows(parse_uplift_history(shorter, stages, abc), abc, o);
    CHECK(w4.grid_windows == 4);
    for (const auto& x : w4.windows) CHECK(x.k < 4);
    CHECK(w4.windows.size() == expected.size() - 6);  // p, q, u, v, w, y lose window 4

    // A later origin moves the grid: windows [0.5 d + k d, ...).
    o.origin = 43200;
    const uplift_windows wo = build_uplift_windows(h, abc, o);
    CHECK(wo.grid_windows == 4);
    // u: k0 = [43200, 129600) holds both its contact at 87000 and its advance at 90000.
    bool seen = false;
    for (const auto& x : wo.windows)
        if (h.ids[x.member] == "u" && x.k == 0) {
            seen = true;
            CHECK(x.contacts == 1);
            CHECK(x.advanced);
        }
    CHECK(seen);
}

TEST_CASE("uplift estimates equal the 2x2 closed forms, lift and its delta-method interval included") {
    // 100 members at a, one window each (W = 1 day, data end 1 day): a = 30
    // treated advance, b = 20 treated stay, c = 10 untreated advance, d = 40
    // untreated stay. Treated members have 1 or 2 contacts with P (at b).
    const int a = 30, b = 20, c = 10, d = 40;
    std::string stages = "member,stage,timestamp\nP,b,0\n", contacts = "source,target,timestamp\n";
    int id = 0, contact_total = 0;
    auto add = [&](int count, bool treated, bool advanced) {
        for (int k = 0; k < count; ++k, ++id) {
            const std::string m = fmt::format("m{}", id);
            stages += fmt::format("{},a,0\n", m);
            if (advanced) stages += fmt::format("{},b,50000\n", m);
            const int n_contacts = treated ? 1 + id % 2 : 0;
            for (int q = 0; q < n_contacts; ++q) contacts += fmt::format("P,{},{}\n", m, 1000 + q);
            contact_total += n_contacts;
        }
    };
    add(a, true, true);
    add(b, true, false);
    add(c, false, true);
    add(d, false, false);
    contacts += fmt::format("P,P,{}\n", day);  // data end
    uplift_options o;
    o.window_days = 1;
    o.round_days = 0.5;
    const uplift_result r = estimate_uplift(parse_uplift_history(contacts, stages, abc), abc, o);
    REQUIRE(r.steps.size() == 2);
    const uplift_step& s = r.steps[0];
    CHECK(s.status == "ok");
    CHECK(s.converged);
    CHECK(s.windows == 100);
    CHECK(s.members == 100);
    CHECK(s.treated == 50);
    CHECK(s.advanced == 40);
    CHECK(s.treated_advanced == 30);
    const double p0 = 10.0 / 50, p1 = 30.0 / 50, m = contact_total / 50.0;
    CHECK(s.base_rate == doctest::Approx(p0));
    CHECK(s.treated_rate == doctest::Approx(p1));
    CHECK(s.mean_contacts == doctest::Approx(m));
    const double lor = std::log(30.0 * 40 / (20.0 * 10)), se = std::sqrt(1 / 30.0 + 1 / 20.0 + 1 / 10.0 + 1 / 40.0);
    CHECK(s.odds_ratio == doctest::Approx(std::exp(lor)).epsilon(1e-9));
    CHECK(s.odds_ratio_low == doctest::Approx(std::exp(lor - 1.959964 * se)).epsilon(1e-9));
    CHECK(s.odds_ratio_high == doctest::Approx(std::exp(lor + 1.959964 * se)).epsilon(1e-9));
    CHECK(s.p_value == doctest::Approx(std::erfc(lor / se / std::sqrt(2.0))).epsilon(1e-8));
    const double lift = (-std::log(1 - p1) + std::log(1 - p0)) / m;
    CHECK(s.lift == doctest::Approx(lift).epsilon(1e-9));
    CHECK(s.base == doctest::Approx(-std::log(1 - p0)).epsilon(1e-9));
    CHECK(s.base_round == doctest::Approx(-std::log(1 - p0) * 0.5).epsilon(1e-9));
    // Var(lift) = (p0^2 (1/c + 1/d) + p1^2 (1/a + 1/b)) / m^2.
    const double half = 1.959964 * std::sqrt(p0 * p0 * (1 / 10.0 + 1 / 40.0) + p1 * p1 * (1 / 30.0 + 1 / 20.0)) / m;
    CHECK(s.lift_low == doctest::Approx(lift - half).epsilon(1e-8));
    CHECK(s.lift_high == doctest::Approx(lift + half).epsilon(1e-8));
    // Step b -> c: P alone, never treated.
    CHECK(r.steps[1].status == "no_treated");
    CHECK(r.steps[1].windows == 1);
    CHECK(std::isnan(r.steps[1].odds_ratio));
    CHECK(std::isnan(r.steps[1].lift));
    CHECK(r.steps[1].base == 0);

    // The contacts covariate duplicates "treated" when everybody has one
    // contact: the step is reported rank-deficient, not a crash.
    std::string one = "source,target,timestamp\n";
    for (int k = 0; k < 50; ++k) one += fmt::format("P,m{},1000\n", k);
    one += fmt::format("P,P,{}\n", day);
    o.covariates = {"contacts"};
    const uplift_result rd = estimate_uplift(parse_uplift_history(one, stages, abc), abc, o);
    CHECK(rd.steps[0].status == "rank_deficient");
    CHECK(std::isnan(rd.steps[0].odds_ratio));
    o.covariates = {"activity"};
    CHECK(error_of([&] { estimate_uplift(parse_uplift_history(one, stages, abc), abc, o); }).find("activity") !=
          std::string::npos);
    o.covariates = {"visits"};
    CHECK(error_of([&] {
              estimate_uplift(parse_uplift_history(one, stages, abc), abc, o);
          }).find("unknown covariate 'visits'") != std::string::npos);
    o.covariates = {};
    o.window_days = 0;
    CHECK_THROWS_AS(estimate_uplift(parse_uplift_history(one, stages, abc), abc, o), config_error);
}

TEST_CASE("malformed stages.csv and interactions.csv are input errors with line and column") {
    const std::string ok_contacts = "source,target,timestamp\nu,p,10\n";
    auto stage_error = [&](const std::string& text) {
        try {
            parse_uplift_history(ok_contacts, text, abc);
        } catch (const input_error& e) {
            return std::make_tuple(e.file(), e.line(), e.column(), e.detail());
        }
        return std::make_tuple(std::string(), std::size_t{0}, std::size_t{0}, std::string());
    };
    auto [file, line, col, what] = stage_error("member,stage,timestamp\nu,a,0\nu,gold,5\n");
    CHECK(file == "stages.csv");
    CHECK(line == 3);
    CHECK(col == 3);
    CHECK(what.find("unknown stage \"gold\"") != std::string::npos);
    std::tie(file, line, col, what) = stage_error("member,stage,timestamp\nu,a,yesterday\n");
    CHECK(line == 2);
    CHECK(col == 5);
    CHECK(what.find("timestamp") != std::string::npos);
    std::tie(file, line, col, what) = stage_error("member,stage,timestamp\nu,a,\n");
    CHECK(line == 2);
    CHECK(col == 5);
    std::tie(file, line, col, what) = stage_error("member,stage,timestamp\n,a,1\n");
    CHECK(line == 2);
    CHECK(col == 1);
    std::tie(file, line, col, what) = stage_error("member,stage,timestamp\nu,a,1,9\n");
    CHECK(line == 2);
    CHECK(col == 7);
    std::tie(file, line, col, what) = stage_error("member,timestamp\nu,1\n");
    CHECK(line == 1);
    CHECK(what.find("missing required column 'stage'") != std::string::npos);
    std::tie(file, line, col, what) = stage_error("");
    CHECK(line == 1);
    CHECK(what.find("empty file") != std::string::npos);

    const std::string st = "member,stage,timestamp\nu,a,0\n";
    CHECK(error_of([&] {
              parse_uplift_history("source,target\nu,p\n", st, abc);
          }).find("interactions.csv:1: missing required column 'timestamp'") != std::string::npos);
    CHECK(error_of([&] {
              parse_uplift_history("source,target,timestamp\nu,p,\n", st, abc);
          }).find("interactions.csv:2:5: timestamp") != std::string::npos);
    CHECK(error_of([&] {
              parse_uplift_history("source,target,weight,timestamp\nu,p,-1,5\n", st, abc);
          }).find("interactions.csv:2:5: weight") != std::string::npos);
    // Nothing half-loaded: a failed parse leaves the history as it was.
    uplift_history h;
    parse_stage_entries(h, "member,stage,timestamp\nu,a,0\n", abc);
    CHECK_THROWS_AS(parse_stage_entries(h, "member,stage,timestamp\nv,b,1\nw,x,2\n", abc), input_error);
    CHECK_THROWS_AS(parse_contacts(h, "source,target,timestamp\nu,v,1\nu,w,oops\n"), input_error);
    CHECK(h.ids == std::vector<std::string>{"u"});
    CHECK(h.entry_member.size() == 1);
    CHECK(h.contact_source.empty());
    CHECK_FALSE(h.find("v"));
    CHECK(h.intern("v") == 1);
    CHECK(h.find("v") == 1u);
    // Header only: a valid file, but nothing to learn from.
    CHECK(error_of([&] {
              estimate_uplift(parse_uplift_history(ok_contacts, "member,stage,timestamp\n", abc), abc);
          }).find("no rows") != std::string::npos);
}

TEST_CASE("the window grid is bounded before any work") {
    // Two members over 1,000 days: 1e6 windows of 0.001 days fit, 2e6 do not;
    // with 200 members at the start, 1e6 windows make 2e8 member-windows.
    std::string stages = "member,stage,timestamp\nu,a,0\nv,a,0\n";
    const std::string contacts = "source,target,timestamp\nu,v,86400000\n";
    uplift_options o;
    o.window_days = 0.001;
    CHECK(build_uplift_windows(parse_uplift_history(contacts, "member,stage,timestamp\nu,c,0\n", abc), abc, o)
              .grid_windows == max_uplift_windows);  // a member at the last stage has no windows
    o.window_days = 0.0005;
    CHECK_THROWS_WITH_AS((void)build_uplift_windows(parse_uplift_history(contacts, stages, abc), abc, o),
                         doctest::Contains("windows between the origin and the last event (at most 1000000)"),
                         config_error);
    for (int i = 0; i < 200; ++i) stages += "m" + std::to_string(i) + ",a,0\n";
    o.window_days = 0.001;
    CHECK_THROWS_WITH_AS((void)build_uplift_windows(parse_uplift_history(contacts, stages, abc), abc, o),
                         doctest::Contains("member-windows (at most 100000000)"), config_error);
    o.window_days = 1;  // 1,000 windows x 202 members: fine
    CHECK(build_uplift_windows(parse_uplift_history(contacts, stages, abc), abc, o).grid_windows == 1000);
}
