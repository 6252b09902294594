#include "test_helpers.hpp"

#include <doctest/doctest.h>
#include <engage_right/engage_right.hpp>

#include <fstream>
#include <sstream>

using namespace engage_right;

namespace {

struct data {
    journey j;
    member_table members;
    event_table events;
};

data load(const std::string& journey_json, const std::string& members_csv, const std::string& events_csv) {
    data d{journey::from_json(journey_json, "j.json"), {}, {}};
    d.members = parse_members(members_csv, d.j, "members.csv", lead_read_options(d.j));
    d.events = parse_events(events_csv, d.members, d.j, "events.csv");
    return d;
}

// The message of a stage nobody reaches in the events up to `up_to`.
std::string unreached(const std::string& stage, const std::string& up_to, const std::string& why) {
    return "no member reaches stage '" + stage + "' in the events up to " + up_to + ": " + why;
}

std::vector<std::string> kinds_of(const std::vector<finding>& fs) {
    std::vector<std::string> out;
    for (const auto& f : fs) out.emplace_back(to_string(f.kind));
    return out;
}

std::vector<std::string> messages_of(const std::vector<finding>& fs) {
    std::vector<std::string> out;
    for (const auto& f : fs) out.push_back(f.message);
    return out;
}

std::string qc(const std::string& file) {
    return std::string(ENGAGE_RIGHT_SOURCE_DIR) + "/examples/data/quantumcomputing/" + file;
}

// The bundled journey of examples/data/quantumcomputing with `edit` applied
// to its JSON text (a misspelling, say).
journey qc_journey_with(const std::string& from, const std::string& to) {
    std::string text = read_file(qc("journey.json"));
    const auto at = text.find(from);
    REQUIRE(at != std::string::npos);
    text.replace(at, from.size(), to);
    return journey::from_json(text, "journey.json");
}

}  // namespace

TEST_CASE("check: every kind of finding on a hand-made journey") {
    // a -> b -> c -> d. Actions: webinar never happens, purchse is misspelt;
    // c's milestone offers demo, which never happens either; chat is an
    // event action the journey ignores; no member has the tag kubernets;
    // min_fit 10 is more than the fit rules give (3); m2 and m3 are recorded
    // further than their events reach.
    const data d = load(R"({"name": "t", "stages": ["a", "b", "c", "d"],
        "lead_scoring": {"actions": {"visit": 1, "webinar": 5, "purchse": 10},
                         "fit": [{"tag": "k8s", "points": 2}, {"tag": "kubernets", "points": 1}]},
        "stage_rules": {"b": {"min_score": 1}, "c": {"milestones": [{"any_of": ["purchase", "demo"]}]},
                        "d": {"min_fit": 10}}})",
                        "id,stage,tags\nm1,a,k8s\nm2,c,\nm3,d,kubernetes\n",
                        "member,action,timestamp\nm1,visit,100\nm1,purchase,200\nm2,visit,100\nm2,chat,300\n"
                        "m3,visit,100\n");
    const auto f = check_journey(d.j, &d.members, &d.events);
    CHECK(kinds_of(f) == std::vector<std::string>{"unknown_action", "unknown_action", "unknown_milestone",
                                                  "unused_action", "unknown_tag", "unreachable_stage",
                                                  "unreachable_member", "unreachable_member"});
    CHECK(messages_of(f) ==
          std::vector<std::string>{
              "action 'webinar' of lead_scoring.actions never occurs in the events",
              "action 'purchse' of lead_scoring.actions never occurs in the events (did you mean 'purchase'?)",
              "milestone action 'demo' of stage 'c' never occurs in the events",
              "action 'chat' occurs in 1 event but the journey neither scores it nor names it in a milestone",
              "fit rule tag 'kubernets' matches no member (did you mean 'kubernetes'?)",
              "stage 'd' cannot be reached: min_fit 10 is more than all fit rules together give (3)",
              "member 'm2' is recorded at 'c' but its events reach at most 'b' (c needs: purchase or demo: no)",
              "member 'm3' is recorded at 'd' but its events reach at most 'b' (c needs: purchase or demo: no)"});
    CHECK(f[0].subject == "webinar");
    CHECK_FALSE(f[0].stage.has_value());
    CHECK(f[2].subject == "demo");
    CHECK(f[2].stage == stage_index{2});
    CHECK(f[3].count == 1);
    CHECK(f[5].subject == "d");
    CHECK(f[5].stage == stage_index{3});
    CHECK(f[5].count == 1);  // m3 is recorded there
    CHECK(f[6].subject == "m2");
    CHECK(f[6].stage == stage_index{2});
    CHECK(f[6].reachable == stage_index{1});
    CHECK(f[6].count == 2);  // m2's events
    // One line per finding here: no stage has two members to sum up.
    CHECK(finding_summary(d.j, f) == messages_of(f));
    // Without data, only what the rules say alone.
    const auto alone = check_journey(d.j);
    REQUIRE(alone.size() == 1);
    CHECK(alone[0].message == f[5].message);
    CHECK(alone[0].count == 0);
    // Members alone: the tags, and the stage the rules rule out.
    CHECK(kinds_of(check_journey(d.j, &d.members)) == std::vector<std::string>{"unknown_tag", "unreachable_stage"});
    CHECK_THROWS_AS(check_journey(d.j, nullptr, &d.events), config_error);
    // An inference of the same tables gives the same findings.
    check_options o;
    const stage_inference inf = infer_stages(d.members, d.events, d.j);
    o.inference = &inf;
    CHECK(check_journey(d.j, &d.members, &d.events, o) == f);
}

TEST_CASE("check: stages nobody reaches in the data, and why") {
    const std::string members = "id,stage\np,a\nq,a\n";
    const std::string events = "member,action,timestamp\np,y,1\nq,x,2\n";
    // c's milestone y is met (by p), but never together with b's x.
    const data prefix = load(R"({"name": "t", "stages": ["a", "b", "c", "d"],
        "stage_rules": {"b": {"milestones": ["x"]}, "c": {"milestones": ["y"]}, "d": {"milestones": ["z"]}}})",
                             members, events);
    const auto f1 = check_journey(prefix.j, &prefix.members, &prefix.events);
    REQUIRE(kinds_of(f1) == std::vector<std::string>{"unknown_milestone", "unreachable_stage", "unreachable_stage"});
    CHECK(messages_of(f1) ==
          std::vector<std::string>{
              "milestone action 'z' of stage 'd' never occurs in the events",
              unreached("c", "1970-01-01T00:00:02Z",
                        "its rule (y) held for some members, but never while the rules of the earlier stages held too"),
              unreached("d", "1970-01-01T00:00:02Z", "no member reaches 'c' before it; no member has 'z'")});
    // One finding each. c needs x and y at once: each was met, never both.
    // Counted milestones: the most anybody has.
    const struct {
        const char* journey;
        const char* stage;
        const char* why;
    } single[] = {
        {R"({"name": "t", "stages": ["a", "b", "c"],
        "stage_rules": {"b": {}, "c": {"milestones": ["x", {"action": "y", "at_least": 1}]}}})",
         "c", "no member ever met all of its rule (x; y) at one time"},
        {R"({"name": "t", "stages": ["a", "b"],
        "stage_rules": {"b": {"milestones": [{"any_of": ["x", "y"], "at_least": 3}]}}})",
         "b", "no member has 'x' or 'y' 3 times (most: 1)"},
    };
    for (const auto& s : single) {
        CAPTURE(s.stage);
        const data d = load(s.journey, members, events);
        const auto f = check_journey(d.j, &d.members, &d.events);
        REQUIRE(f.size() == 1);
        CHECK(f[0].message == unreached(s.stage, "1970-01-01T00:00:02Z", s.why));
    }
}

TEST_CASE("check: rules that cannot hold whatever the events, and missing rules") {
    const journey j = journey::from_json(R"({"name": "t", "stages": ["a", "b", "c"],
        "lead_scoring": {"actions": {"unsubscribe": -5}, "fit": [{"tag": "k8s", "points": 2}]},
        "stage_rules": {"b": {"min_score": 5}, "c": {"min_engagement": 1}}})");
    const auto f = check_journey(j);
    CHECK(messages_of(f) == std::vector<std::string>{"stage 'b' cannot be reached: min_score 5 is more than all fit "
                                                     "rules together give (2), and no action scores positive points",
                                                     "stage 'c' cannot be reached: min_engagement 1 needs engagement "
                                                     "points, but no action scores positive points"});
    const journey j2 = journey::from_json(R"({"name": "t", "stages": ["a", "b", "c"],
        "stage_rules": {"b": {"min_fit": 1}}})");
    const auto f2 = check_journey(j2);
    CHECK(messages_of(f2) == std::vector<std::string>{
                                 "stage 'c' has no stage rule ($.stage_rules.c) while other stages have one: stages "
                                 "cannot be inferred (use {} for no requirement)",
                                 "stage 'b' cannot be reached: min_fit 1 is more than all fit rules together give (0)",
                                 "stage 'c' cannot be reached: it needs the rule of 'b' too, which cannot hold"});
    // Incomplete rules: no inference, so no data findings (and no error).
    const member_table m = parse_members("id,stage\np,a\n", j2, "m.csv", lead_read_options(j2));
    const event_table e = parse_events("member,action,timestamp\np,x,1\n", m, j2, "e.csv");
    CHECK(kinds_of(check_journey(j2, &m, &e)) ==
          std::vector<std::string>{"unused_action", "missing_rule", "unreachable_stage", "unreachable_stage"});
    // A journey without stage rules (lead scoring only) has nothing to report about stages.
    CHECK(check_journey(journey::from_json(R"({"stages": ["a", "b"]})")).empty());
}

TEST_CASE("check: events without members.csv take fit points at their most") {
    const journey j = journey::from_json(R"({"name": "t", "stages": ["a", "b", "c"],
        "lead_scoring": {"actions": {"visit": 1}, "fit": [{"tag": "k8s", "points": 3}]},
        "stage_rules": {"b": {"min_fit": 2}, "c": {"min_score": 4}}})");
    const std::string events = "member,action,timestamp\nu1,visit,1\nu2,visit,2\nu1,visit,3\n";
    const member_table ids = parse_event_members(events, "events.csv");
    CHECK(ids.id == std::vector<std::string>{"u1", "u2"});
    const event_table e = parse_events(events, ids, j, "events.csv");
    check_options o;
    o.member_attributes = false;
    // u1: 2 visits + 3 fit points at most = 5 >= 4: every stage can be reached.
    CHECK(check_journey(j, &ids, &e, o).empty());
    // Read as members with no tags, nobody has a fit point: b is out of reach.
    const auto strict = check_journey(j, &ids, &e);
    REQUIRE(strict.size() == 3);
    CHECK(strict[0].kind == finding_kind::unknown_tag);
    CHECK(strict[1].message ==
          unreached("b", "1970-01-01T00:00:03Z", "no member ever met all of its rule (min_fit 2) at one time"));
    CHECK(strict[2].message == unreached("c", "1970-01-01T00:00:03Z", "no member reaches 'b' before it"));
    CHECK(test_support::error_of([] { (void)parse_event_members("member,action,timestamp\nu1,x,1\n,x,2\n"); }) ==
          "events.csv:3:1: member: expected a member id, got an empty field");
    CHECK(test_support::error_of([] {
              (void)parse_event_members("action,timestamp\nx,1\n");
          }).find("missing required column 'member'") != std::string::npos);
}

TEST_CASE("check: finding kinds have stable names; members are summed up per stage") {
    for (const char* name : {"unknown_action", "unknown_milestone", "unused_action", "unknown_tag", "missing_rule",
                             "unreachable_stage", "unreachable_member"})
        CHECK(to_string(parse_finding_kind(name)) == std::string(name));
    CHECK_THROWS_AS(parse_finding_kind("typo"), config_error);
    const journey j({"a", "b"});
    std::vector<finding> fs;
    for (int i = 0; i < 7; ++i) {
        finding f;
        f.kind = finding_kind::unreachable_member;
        f.subject = "m" + std::to_string(i);
        f.stage = stage_index{1};
        f.message = "member " + f.subject;
        fs.push_back(f);
    }
    CHECK(finding_summary(j, fs) ==
          std::vector<std::string>{"7 members are recorded at 'b' but their events never reach it by the stage rules: "
                                   "'m0', 'm1', 'm2', 'm3', 'm4' and 2 more"});
}

TEST_CASE("check: the bundled Quantum Computing journey, clean and misspelt") {
    const journey j = journey::load(qc("journey.json"));
    const member_table m = read_members(qc("members.csv"), j, lead_read_options(j));
    const event_table e = read_events(qc("events.csv"), m, j);
    const auto clean = check_journey(j, &m, &e);
    // Every action is scored, every name occurs, every stage is reached: what
    // remains are members.csv stages that the events do not justify.
    for (const auto& f : clean) CHECK(f.kind == finding_kind::unreachable_member);
    CHECK(clean.size() > 1000);

    // A misspelt milestone: nobody reaches loyal, nor advocate after it.
    const journey typo = qc_journey_with(R"("answered",
        {
          "action": "upvote_received")",
                                         R"("answred",
        {
          "action": "upvote_received")");
    const auto f = check_journey(typo, &m, &e);
    std::vector<std::string> not_members;
    for (const auto& x : f)
        if (x.kind != finding_kind::unreachable_member) not_members.push_back(x.message);
    CHECK(not_members ==
          std::vector<std::string>{
              "milestone action 'answred' of stage 'loyal' never occurs in the events (did you mean 'answered'?)",
              "no member reaches stage 'loyal' in the events up to 2018-09-02T01:35:17.117Z: no member has 'answred'",
              "no member reaches stage 'advocate' in the events up to 2018-09-02T01:35:17.117Z: no member reaches "
              "'loyal' before it"});
    // A misspelt action: scored nowhere, and the real one is ignored.
    const journey typo2 = qc_journey_with(R"("badge_teacher": 2)", R"("badge_teachr": 2)");
    std::vector<std::string> k2;
    for (const auto& x : check_journey(typo2, &m, &e))
        if (x.kind != finding_kind::unreachable_member) k2.push_back(x.message);
    CHECK(k2 == std::vector<std::string>{
                    "action 'badge_teachr' of lead_scoring.actions never occurs in the events (did you mean "
                    "'badge_teacher'?)",
                    "action 'badge_teacher' occurs in 167 events but the journey neither scores it nor names it in a "
                    "milestone (did you mean 'badge_teachr'?)"});
}
