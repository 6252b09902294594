#include <doctest/doctest.h>
#include <engage_right/engage_right.hpp>

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
    CHECK(json_error(R"({"stages": ["a", "b"], "weights": {"tags": -1}})").find("$.weights.tags") !=
          std::string::npos);
    CHECK(json_error(R"({"stages": ["a", "b"], "weights": {"fame": 1}})").find("$.weights.fame") !=
          std::string::npos);
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
