#include <doctest/doctest.h>
#include <engage_right/engage_right.hpp>

#include <cmath>
#include <string>

using namespace engage_right;

TEST_CASE("presets have the documented stages and channels") {
    const journey j = journey::preset("engage_right");
    CHECK(j.stages() == std::vector<std::string>{"prospect", "interested", "new_customer", "loyal", "advocate"});
    CHECK(j.step(0).medium == channel::private_);
    CHECK(j.step(1).medium == channel::public_);
    CHECK(j.step(2).medium == channel::public_);
    CHECK(j.step(3).medium == channel::private_);
    CHECK(j.min_peer_satisfaction() == 7);
    CHECK(j.default_capacity() == 3);
    CHECK(j.weights() == score_weights{0.5, 0.15, 0.25, 0.10});
    CHECK(journey() == j);

    CHECK(journey::preset("four_phase").stages() ==
          std::vector<std::string>{"awareness", "evaluation", "purchase", "retention"});
    CHECK(journey::preset("loyalty_loop").stage_count() == 6);
    CHECK(journey::preset("inbound").stages().back() == "promoter");
    const journey s = journey::preset("success");
    CHECK(s.stages() == std::vector<std::string>{"build", "grow", "ignite"});
    CHECK(s.step(0).medium == channel::private_);
    CHECK(s.step(1).medium == channel::private_);
    CHECK(journey::preset_names().size() == 5);
    for (const auto& name : journey::preset_names()) {
        const journey p = journey::preset(name);
        for (std::size_t i = 0; i < p.steps().size(); ++i) CHECK(p.step(static_cast<stage_index>(i)).enabled);
    }
    CHECK_THROWS_AS(journey::preset("nope"), config_error);
}

TEST_CASE("stage lookup ignores case") {
    const journey j;
    CHECK(j.find_stage("Prospect") == stage_index{0});
    CHECK(j.find_stage("NEW_CUSTOMER") == stage_index{2});
    CHECK_FALSE(j.find_stage("customer").has_value());
}

TEST_CASE("journey JSON round trip") {
    journey j = journey::preset("inbound");
    j.set_step(2, {false, channel::private_});
    j.set_min_peer_satisfaction(9);
    j.set_default_capacity(5);
    j.set_weights({0.1, 0.2, 0.3, 0.4});
    const journey back = journey::from_json(j.to_json());
    CHECK(back == j);
    CHECK_FALSE(back.step(2).enabled);
}

TEST_CASE("journey JSON with defaults") {
    const journey j = journey::from_json(R"({"stages": ["a", "b"]})");
    CHECK(j.stage_count() == 2);
    CHECK(j.step(0).medium == channel::private_);
    CHECK(j.weights() == score_weights{});
}

static std::string json_error(const std::string& text) {
    try {
        (void)journey::from_json(text, "j.json");
    } catch (const config_error& e) {
        return e.what();
    }
    return "";
}

TEST_CASE("malformed journey JSON names the JSON path") {
    CHECK(json_error("{").find("invalid JSON") != std::string::npos);
    CHECK(json_error("[]").find("j.json: $:") != std::string::npos);
    CHECK(json_error(R"({"name": "x"})").find("$.stages") != std::string::npos);
    CHECK(json_error(R"({"stages": ["a"]})").find("$.stages") != std::string::npos);
    CHECK(json_error(R"({"stages": ["a", "A"]})").find("twice") != std::string::npos);
    CHECK(json_error(R"({"stages": ["a", 3]})").find("$.stages[1]") != std::string::npos);
    CHECK(json_error(R"({"stages": ["a", "b"], "colour": 1})").find("$.colour") != std::string::npos);
    CHECK(json_error(R"({"stages": ["a", "b"], "steps": []})").find("$.steps") != std::string::npos);
    CHECK(json_error(R"({"stages": ["a", "b"], "steps": [{"channel": "loud"}]})").find("$.steps[0].channel") !=
          std::string::npos);
    CHECK(json_error(R"({"stages": ["a", "b"], "steps": [{"enabled": "yes"}]})").find("$.steps[0].enabled") !=
          std::string::npos);
    CHECK(json_error(R"({"stages": ["a", "b"], "steps": [{"from": "b"}]})").find("$.steps[0].from") !=
          std::string::npos);
    CHECK(json_error(R"({"stages": ["a", "b"], "min_peer_satisfaction": 12})").find("$.min_peer_satisfaction") !=
          std::string::npos);
    CHECK(json_error(R"({"stages": ["a", "b"], "default_capacity": 1.5})").find("$.default_capacity") !=
          std::string::npos);
    CHECK(json_error(R"({"stages": ["a", "b"], "weights": {"tags": -1}})").find("$.weights.tags") != std::string::npos);
    CHECK(json_error(R"({"stages": ["a", "b"], "weights": {"fame": 1}})").find("$.weights.fame") != std::string::npos);
}

TEST_CASE("journey construction limits") {
    CHECK_THROWS_AS(journey(std::vector<std::string>{"only"}), config_error);
    std::vector<std::string> many;
    for (int i = 0; i < 65; ++i) many.push_back("s" + std::to_string(i));
    CHECK_THROWS_AS(journey{many}, config_error);
    many.pop_back();
    CHECK(journey{many}.stage_count() == 64);
    journey j;
    CHECK_THROWS_AS(j.set_weights({-1, 0, 0, 0}), config_error);
    CHECK_THROWS_AS(j.set_step(4, {}), config_error);
}

TEST_CASE("every malformed journey of tests/data names its JSON path") {
    // The same file is checked against docs/journey.schema.json in the Python tests.
    const std::string text = read_file(std::string(ENGAGE_RIGHT_SOURCE_DIR) + "/tests/data/malformed_journeys.json");
    // Each case is one line of the form {"journey": {...}, "path": "...", ...}; split
    // with the library's own JSON reader would be circular, so cut on the keys.
    std::size_t cases = 0;
    for (std::size_t at = text.find("\"journey\": "); at != std::string::npos;
         at = text.find("\"journey\": ", at + 1)) {
        const std::size_t begin = at + 11;
        const std::size_t path_key = text.find(",\n  \"path\": \"", begin);
        REQUIRE(path_key != std::string::npos);
        const std::string doc = text.substr(begin, path_key - begin);
        const std::size_t path_begin = path_key + 13;
        const std::string path = text.substr(path_begin, text.find('"', path_begin) - path_begin);
        const std::string message = json_error(doc);
        INFO(doc);
        CHECK(message.find("j.json: " + path + ":") != std::string::npos);
        ++cases;
    }
    CHECK(cases >= 45);
}

TEST_CASE("the preset files are the presets") {
    for (const auto& name : journey::preset_names()) {
        const journey file = journey::load(std::string(ENGAGE_RIGHT_SOURCE_DIR) + "/share/journeys/" + name + ".json");
        CHECK(file == journey::preset(name));
        CHECK(journey::from_preset_or_file(name) == file);
        // Every stage after the first has a rule, so inference works out of the box.
        for (std::size_t s = 1; s < file.stage_count(); ++s) CHECK(file.rule(static_cast<stage_index>(s)) != nullptr);
        CHECK_FALSE(file.lead_scoring().actions.empty());
        CHECK(file.lead_scoring().half_life_days.has_value());
    }
}

TEST_CASE("lead scoring and stage rules round-trip through JSON") {
    const journey j = journey::from_json(R"({
      "stages": ["lurker", "asker", "helper", "expert"],
      "lead_scoring": {
        "half_life_days": 45.5,
        "actions": {"asked": 2, "answered": {"points": 5}, "bounty": {"points": 0.1, "per_value": true}, "spam": -10},
        "fit": [{"tag": "Qiskit", "points": 4}, {"column": "Country", "equals": " DE ", "points": 1},
                {"column": "activity", "min": 10, "points": 2}, {"column": "employees", "max": 50, "points": 3}]
      },
      "stage_rules": {"ASKER": {"milestones": ["asked"]}, "helper": {},
                      "expert": {"min_score": 30, "min_fit": 1, "min_engagement": 20.5,
                                 "milestones": ["answered", {"action": "accepted", "at_least": 3},
                                                {"any_of": ["asked", "answered"], "at_least": 2}]}}
    })");
    const auto& ls = j.lead_scoring();
    REQUIRE(ls.half_life_days.has_value());
    CHECK(*ls.half_life_days == 45.5);
    REQUIRE(ls.actions.size() == 4);
    CHECK(ls.actions[2].first == "bounty");
    CHECK(ls.actions[2].second == action_points{0.1, true});
    CHECK(ls.find_action("spam")->points == -10);
    CHECK(ls.find_action("Spam") == nullptr);  // actions are case-sensitive
    REQUIRE(ls.fit.size() == 4);
    CHECK(ls.fit[0].type == fit_rule::kind::tag);
    CHECK(ls.fit[0].name == "qiskit");
    CHECK(ls.fit[1].name == "country");
    CHECK(ls.fit[1].text == "DE");
    CHECK(ls.fit[2].min == 10);
    CHECK(std::isinf(ls.fit[2].max));
    CHECK(std::isinf(ls.fit[3].min));
    CHECK(ls.fit[3].max == 50);
    CHECK(j.rule(0) == nullptr);
    REQUIRE(j.rule(1) != nullptr);
    CHECK(j.rule(1)->milestones == std::vector<milestone>{{"asked", 1, {}}});
    REQUIRE(j.rule(2) != nullptr);
    CHECK(*j.rule(2) == stage_rule{});
    REQUIRE(j.rule(3) != nullptr);
    CHECK(j.rule(3)->min_engagement == 20.5);
    CHECK(j.rule(3)->milestones[1] == milestone{"accepted", 3, {}});
    CHECK(j.rule(3)->milestones[2] == milestone{"asked", 2, {"answered"}});
    CHECK(journey::from_json(j.to_json()) == j);

    journey k = j;
    CHECK_THROWS_AS(k.set_rule(0, stage_rule{}), config_error);
    CHECK_THROWS_AS(k.set_rule(4, stage_rule{}), config_error);
    CHECK_THROWS_AS(k.set_rule(1, stage_rule{{}, {}, {}, {milestone{"x", 0, {}}}}), config_error);
    CHECK_THROWS_AS(k.set_rule(1, stage_rule{{}, {}, {}, {milestone{"x", 1, {""}}}}), config_error);
    k.set_rule(2, std::nullopt);
    CHECK(k.rule(2) == nullptr);
    lead_scoring_config bad = ls;
    bad.half_life_days = 0.0;
    CHECK_THROWS_AS(k.set_lead_scoring(bad), config_error);
    bad = ls;
    bad.actions.push_back({"asked", {1, false}});
    CHECK_THROWS_AS(k.set_lead_scoring(bad), config_error);
}

TEST_CASE("journey and params files: numbers beyond a double and non-regular files are input errors") {
    CHECK_THROWS_WITH_AS(
        (void)journey::from_json(R"({"stages": ["a", "b"], "min_peer_satisfaction": 1e999})", "j.json"),
        doctest::Contains("j.json: invalid JSON"), config_error);
    CHECK_THROWS_WITH_AS((void)simulation_params::from_json(R"({"arrivals": -1e400})", 5, "p.json"),
                         doctest::Contains("p.json: invalid JSON"), config_error);
    const auto dir = std::filesystem::temp_directory_path();
    CHECK_THROWS_WITH_AS((void)journey::load(dir), doctest::Contains("is a directory, expected a file"), input_error);
    CHECK_THROWS_WITH_AS((void)simulation_params::load(dir, 5), doctest::Contains("is a directory"), input_error);
    CHECK_THROWS_WITH_AS((void)read_file(dir / "no-such-file-here.csv"), doctest::Contains("cannot open file"),
                         input_error);
}
