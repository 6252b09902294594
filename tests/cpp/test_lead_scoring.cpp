#include <doctest/doctest.h>
#include <engage_right/engage_right.hpp>

#include "test_helpers.hpp"

#include <cmath>
#include <string>

using namespace engage_right;

namespace {

using test_support::day;
using test_support::error_of;

const char* const scoring_journey = R"({
  "stages": ["prospect", "customer"],
  "lead_scoring": {
    "half_life_days": 10,
    "actions": {"visit": 2, "buy": {"points": 0.5, "per_value": true}, "unsubscribe": -4},
    "fit": [{"tag": "vip", "points": 7}, {"column": "country", "equals": "de", "points": 3},
            {"column": "activity", "min": 5, "max": 10, "points": 1}]
  },
  "stage_rules": {"customer": {"milestones": ["buy"]}}
})";

}  // namespace

TEST_CASE("lead scores equal a hand-computed table, decay included" * doctest::test_suite("concurrency")) {
    const journey j = journey::from_json(scoring_journey);
    const member_table m = parse_members(
        "id,stage,tags,country,activity\n"
        "a,,VIP;x,DE ,7\n"
        "b,customer,,fr,10\n"
        "c,,,,4.99\n",
        j, "m.csv", lead_read_options(j));
    const double t0 = 1769817600;  // 2026-01-31T00:00:00Z
    REQUIRE(parse_timestamp("2026-01-31T00:00:00Z") == t0);
    const event_table e = parse_events(
        "member,action,timestamp,value\n"
        "a,visit,2026-01-31T00:00:00Z,\n"  // age 0:   2
        "a,visit,2026-01-21,\n"            // age 10d: 2 / 2 = 1
        "a,buy,2026-01-11,40\n"            // age 20d: 0.5 * 40 / 4 = 5
        "a,unsubscribe,1767225600,\n"      // 2026-01-01, age 30d: -4 / 8 = -0.5
        "b,visit,2026-02-01,\n"            // after as_of: ignored
        "b,buy,2026-01-26,10\n"            // age 5d: 5 * 2^-0.5
        "a,download,2026-01-30,\n",        // not in the table: 0 points
        m, j, "e.csv");
    lead_options o;
    o.as_of = t0;
    const lead_scores_result r = lead_scores(m, e, j, o);
    CHECK(r.as_of == t0);
    // fit: a = vip 7 + country DE 3 + activity 7 in [5, 10] 1; b = activity 10 (max inclusive) 1; c = 0.
    CHECK(r.scores[0].fit == 11);
    CHECK(r.scores[1].fit == 1);
    CHECK(r.scores[2].fit == 0);
    CHECK(r.scores[0].engagement == doctest::Approx(2 + 1 + 5 - 0.5).epsilon(1e-14));
    CHECK(r.scores[1].engagement == doctest::Approx(5 / std::sqrt(2.0)).epsilon(1e-14));
    CHECK(r.scores[2].engagement == 0);
    CHECK(r.scores[0].total == doctest::Approx(18.5).epsilon(1e-14));

    // Default as_of: the latest event (b's visit on 2026-02-01), one day later.
    const lead_scores_result later = lead_scores(m, e, j);
    CHECK(later.as_of == t0 + day);
    CHECK(later.scores[0].engagement == doctest::Approx(7.5 * std::exp2(-0.1)).epsilon(1e-14));
    CHECK(later.scores[1].engagement == doctest::Approx(2 + 5 * std::exp2(-0.6)).epsilon(1e-14));

    // Without decay the points simply add up.
    journey flat = j;
    lead_scoring_config ls = flat.lead_scoring();
    ls.half_life_days.reset();
    flat.set_lead_scoring(ls);
    const lead_scores_result f = lead_scores(m, e, flat, o);
    CHECK(f.scores[0].engagement == 2 + 2 + 20 - 4);
    CHECK(f.scores[1].engagement == 5);

    // Thread count does not change a bit.
    lead_options one = o, four = o;
    one.threads = 1;
    four.threads = 4;
    CHECK(lead_scores(m, e, j, one).scores == lead_scores(m, e, j, four).scores);
}

TEST_CASE("events reader errors name file, line and column") {
    const journey j = journey::from_json(scoring_journey);
    const member_table m = parse_members("id,country\na,DE\nb,FR\n", j, "m.csv", lead_read_options(j));
    auto err = [&](const std::string& text) { return error_of([&] { (void)parse_events(text, m, j, "e.csv"); }); };
    CHECK(err("") == "e.csv:1: empty file: expected a header line naming the columns");
    CHECK(err("member,action\n").find("missing required column 'timestamp'") != std::string::npos);
    CHECK(err("member,action,timestamp\nzz,visit,1\n") ==
          "e.csv:2:1: member: unknown member id \"zz\" (not in the members file)");
    CHECK(err("member,action,timestamp\na,,1\n").find("e.csv:2:3: action:") == 0);
    CHECK(err("member,action,timestamp\na,visit,yesterday\n").find("e.csv:2:9: timestamp:") == 0);
    CHECK(err("member,action,timestamp,value\na,visit,1,x\n").find("e.csv:2:11: value:") == 0);
    CHECK(err("member,action,timestamp,value\na,buy,1,\n").find("e.csv:2:9: value: action 'buy' is scored per value") ==
          0);
    CHECK(err("member,action,timestamp\na,buy,1\n").find("e.csv:2:3: action 'buy' is scored per value") == 0);
    CHECK(err("member,action,timestamp\na,visit,1,2\n").find("e.csv:2:11: expected 3 fields") == 0);
    event_read_options skip;
    skip.skip_unknown_members = true;
    const event_table e =
        parse_events("member,action,timestamp\nzz,visit,1\na,visit,2\nyy,visit,3\n", m, j, "e.csv", skip);
    CHECK(e.size() == 1);
    CHECK(e.skipped_unknown_members == 2);

    // Fit columns must exist, and range columns must hold numbers.
    const journey k = journey::from_json(
        R"({"stages": ["a", "b"], "lead_scoring": {"fit": [{"column": "employees", "min": 10, "points": 1}]}})");
    CHECK(error_of([&] {
              (void)parse_members("id\nx\n", k, "m.csv", lead_read_options(k));
          }).find("m.csv:1: missing column 'employees' needed by the fit rules of journey 'custom'") == 0);
    CHECK(error_of([&] { (void)parse_members("id,employees\nx,\ny,many\n", k, "m.csv", lead_read_options(k)); }) ==
          "m.csv:3:3: employees: expected a finite number or empty (it is compared with min/max), got \"many\"");
    // A member table built without that column is a configuration error, not a crash.
    const member_table plain = parse_members("id,stage\nx,a\n", k);
    CHECK_THROWS_AS((void)lead_scores(plain, event_table{}, k), config_error);
}

TEST_CASE("stage inference: furthest prefix of rules, gaps, next milestone, history") {
    const journey j = journey::from_json(R"({
      "stages": ["s0", "s1", "s2", "s3"],
      "lead_scoring": {"actions": {"asked": 1, "answered": 3, "accepted": 5}},
      "stage_rules": {"s1": {"milestones": ["asked"]},
                      "s2": {"milestones": ["answered"]},
                      "s3": {"min_score": 12, "milestones": [{"action": "accepted", "at_least": 2}]}}
    })");
    const member_table m = parse_members("id,stage\nm1,s3\nm2,\nm3,\nm4,\nm5,\n", j, "m.csv", lead_read_options(j));
    CHECK(m.stage_known == std::vector<std::uint8_t>{1, 0, 0, 0, 0});
    const event_table e = parse_events(
        "member,action,timestamp\n"
        "m1,asked,100\n"
        "m2,answered,100\n"  // s2's milestone without s1's: stays at s0
        "m2,accepted,110\n"
        "m2,accepted,120\n"
        "m3,asked,100\n"
        "m3,answered,200\n"
        "m3,accepted,300\n"  // one accepted of two: s2
        "m4,answered,150\n"
        "m4,asked,100\n"
        "m4,accepted,300\n"
        "m4,accepted,400\n"  // score 1 + 3 + 5 + 5 = 14 >= 12: s3 at 400
        "m4,spam,50\n",
        m, j, "e.csv");
    const stage_inference inf = infer_stages(m, e, j);
    CHECK(inf.as_of == 400);
    CHECK(inf.stage == std::vector<stage_index>{1, 0, 2, 3, 0});

    auto items = next_milestone(inf, j, 2);  // m3 at s2, looks at s3
    REQUIRE(items.size() == 2);
    CHECK(items[0].type == requirement::kind::score);
    CHECK_FALSE(items[0].met);
    CHECK(items[0].text() == "score >= 12 (has 9)");
    CHECK(items[1].text() == "accepted x2 (has 1)");
    CHECK_FALSE(items[1].met);
    items = next_milestone(inf, j, 1);  // m2 at s0 needs "asked"
    REQUIRE(items.size() == 1);
    CHECK(items[0].text() == "asked");
    CHECK_FALSE(items[0].met);
    CHECK(next_milestone(inf, j, 3).empty());          // last stage
    CHECK(next_milestone(inf, j, 4)[0].current == 0);  // no events at all

    const double nan = std::nan("");
    auto entered = [&](std::size_t row) {
        std::vector<double> v;
        for (stage_index s = 0; s < 4; ++s) v.push_back(inf.entered_at(row, s));
        return v;
    };
    auto same = [&](const std::vector<double>& a, const std::vector<double>& b) {
        for (std::size_t i = 0; i < a.size(); ++i)
            if (!(a[i] == b[i] || (std::isnan(a[i]) && std::isnan(b[i])))) return false;
        return true;
    };
    CHECK(same(entered(0), {100, 100, nan, nan}));
    CHECK(same(entered(1), {100, nan, nan, nan}));
    CHECK(same(entered(2), {100, 100, 200, nan}));
    CHECK(same(entered(3), {50, 100, 150, 400}));
    CHECK(same(entered(4), {nan, nan, nan, nan}));
    const auto rows = stage_history(inf);
    CHECK(rows.size() == 2 + 1 + 3 + 4);
    CHECK(rows.back().member == 3);
    CHECK(rows.back().stage == 3);
    CHECK(rows.back().timestamp == 400);

    // as_of cuts the history too.
    lead_options o;
    o.as_of = 350;
    const stage_inference early = infer_stages(m, e, j, o);
    CHECK(early.stage[3] == 2);
    CHECK(std::isnan(early.entered_at(3, 3)));

    // Every stage after the first needs a rule.
    const journey partial = journey::from_json(R"({"stages": ["a", "b", "c"], "stage_rules": {"b": {}}})");
    CHECK(error_of([&] { (void)infer_stages(member_table{}, event_table{}, partial); }).find("$.stage_rules.c") !=
          std::string::npos);
}

TEST_CASE("milestone alternatives count together") {
    const journey j = journey::from_json(R"({
      "stages": ["reader", "poster", "regular"],
      "stage_rules": {"poster": {"milestones": [{"any_of": ["asked", "answered"]}]},
                      "regular": {"milestones": [{"any_of": ["asked", "answered", "asked"], "at_least": 3}]}}
    })");
    const member_table m = parse_members("id\nq\na\nboth\nnone\n", j, "m.csv", lead_read_options(j));
    const event_table e = parse_events(
        "member,action,timestamp\nq,asked,1\na,answered,2\na,answered,3\nboth,asked,4\nboth,answered,5\n"
        "both,answered,6\nnone,commented,7\n",
        m, j, "e.csv");
    const stage_inference inf = infer_stages(m, e, j);
    CHECK(inf.stage == std::vector<stage_index>{1, 1, 2, 0});
    CHECK(inf.entered_at(2, 2) == 6);
    const auto items = next_milestone(inf, j, 1);
    REQUIRE(items.size() == 1);
    // "asked" listed twice counts once.
    CHECK(items[0].text() == "asked or answered or asked x3 (has 2)");
    CHECK(next_milestone(inf, j, 3)[0].text() == "asked or answered");
}

TEST_CASE("decay can take a member back below a stage it held") {
    const journey j = journey::from_json(R"({
      "stages": ["cold", "warm", "hot"],
      "lead_scoring": {"half_life_days": 1, "actions": {"visit": 10}},
      "stage_rules": {"warm": {"min_score": 15}, "hot": {"min_score": 25}}
    })");
    const member_table m = parse_members("id\nx\n", j, "m.csv", lead_read_options(j));
    // Two visits half a day apart: 10 * 2^-0.5 + 10 = 17.07 >= 15 -> warm at the second;
    // three more the next day reach 25; ten days later everything has decayed.
    const event_table e = parse_events(
        "member,action,timestamp\n"
        "x,visit,0\nx,visit,43200\n"
        "x,visit,86400\nx,visit,86400\n"  // equal times count together: 17.07/2^0.5 + 20 = 32.07
        "x,ping,950400\n",
        m, j, "e.csv");
    const stage_inference inf = infer_stages(m, e, j);
    CHECK(inf.entered_at(0, 0) == 0);
    CHECK(inf.entered_at(0, 1) == 43200);
    CHECK(inf.entered_at(0, 2) == 86400);
    CHECK(inf.stage[0] == 0);  // 11 days on: ~0.016 points
    CHECK(inf.scores[0].engagement ==
          doctest::Approx(10 * (std::exp2(-11.0) + std::exp2(-10.5) + 2 * std::exp2(-10.0))));
}

TEST_CASE("format_timestamp is the inverse of parse_timestamp") {
    CHECK(format_timestamp(0) == "1970-01-01T00:00:00Z");
    CHECK(format_timestamp(1769817600) == "2026-01-31T00:00:00Z");
    CHECK(format_timestamp(951782400 + 0.25) == "2000-02-29T00:00:00.250Z");
    CHECK(format_timestamp(-1) == "1969-12-31T23:59:59Z");
    CHECK(format_timestamp(std::nan("")).empty());
    for (double t = -5e9; t < 5e9; t += 7777777.123) {
        const std::string s = format_timestamp(t);
        REQUIRE(parse_timestamp(s).has_value());
        CHECK(*parse_timestamp(s) == doctest::Approx(std::round(t * 1000) / 1000).epsilon(1e-15));
    }
}
