// Every reader on damaged input: random edits of valid files either parse or
// raise an engage_right error (input_error with a line inside the text,
// config_error for JSON), never another exception or a crash; appending
// readers leave their target unchanged on error (nothing half-loaded).
#include <doctest/doctest.h>
#include <engage_right/engage_right.hpp>

#include <algorithm>
#include <functional>
#include <random>
#include <string>

using namespace engage_right;

namespace {

const char* const members_csv =
    "id,stage,satisfaction,capacity,opted_out,activity,tags,f_0,f_1\n"
    "a1,prospect,6,,0,1.0,security;python,0.5,-0.25\n"
    "a2,interested,9,2,false,3,\"api,go\",1,0\n"
    "a3,new_customer,,1,1,0,,0,0\n"
    "a4,loyal,10,,0,2.5,python,0.1,0.9\n"
    "a5,advocate,8,3,0,7,security,-1,1\n";

const char* const interactions_csv =
    "source,target,weight,timestamp\n"
    "a1,a2,1,2026-01-02T10:00:00Z\n"
    "a2,a3,2.5,1767348000\n"
    "a4,a5,,2026-03-01\n";

const char* const events_csv =
    "member,action,timestamp,value\n"
    "a1,visit,2026-01-02,\n"
    "a2,buy,2026-01-03T12:00:00Z,25.5\n"
    "a3,visit,1767500000,\n";

const char* const lead_journey = R"({
  "stages": ["prospect", "interested", "new_customer", "loyal", "advocate"],
  "lead_scoring": {"half_life_days": 30, "actions": {"visit": 1, "buy": {"points": 0.5, "per_value": true}}},
  "stage_rules": {"interested": {"min_score": 2}, "new_customer": {"milestones": ["buy"]}}
})";

const char* const pairs_csv = "member,peer,timestamp\na1,a2,2026-01-01\na3,a4,1767225600\n";
const char* const blocked_csv = "member,peer\na1,a2\na4,a5\n";
const char* const stages_csv =
    "member,stage,timestamp\nu1,prospect,2026-01-01\nu1,interested,1767400000\nu2,loyal,2026-02-01T08:00:00Z\n";
const char* const contacts_csv = "source,target,weight,timestamp\nu1,u2,1,2026-01-05\nu2,u3,,1767500000\n";
const char* const content_csv =
    "id,author,kind,parent,created,tags,score,accepted,f_0\n"
    "q1,a1,question,,2026-01-02T10:00:00Z,security;python,3,,0.5\n"
    "x1,a2,answer,q1,1767348000,,1,1,1\n"
    "c1,,comment,x1,2026-03-01,,,,0\n";
const char* const params_json =
    R"({"base": 0.02, "lift": [0.1, 0.2, 0.1, 0.3], "churn": 0.01, "arrivals": 3, "per_member": 2, "dt": 0.5})";

// One to three random edits: replace, insert or delete bytes, duplicate or
// drop a line, truncate.
std::string mutate(std::string s, std::mt19937_64& rng) {
    static const std::string alphabet = ",\n\r\"';:.-+eE0123456789aAzZ \t{}[]\x01\xc3\xa9\xff";
    auto pick = [&](std::size_t n) { return n == 0 ? std::size_t{0} : static_cast<std::size_t>(rng() % n); };
    const int edits = 1 + static_cast<int>(rng() % 3);
    for (int e = 0; e < edits; ++e) {
        switch (rng() % 6) {
            case 0:
                if (!s.empty()) s[pick(s.size())] = alphabet[pick(alphabet.size())];
                break;
            case 1: s.insert(pick(s.size() + 1), 1, alphabet[pick(alphabet.size())]); break;
            case 2:
                if (!s.empty()) {
                    const std::size_t at = pick(s.size());
                    s.erase(at, 1 + pick(std::min<std::size_t>(8, s.size() - at)));
                }
                break;
            case 3: {  // duplicate a line
                const std::size_t at = pick(s.size() + 1);
                const std::size_t b = s.rfind('\n', at == 0 ? 0 : at - 1);
                const std::size_t start = b == std::string::npos ? 0 : b + 1;
                const std::size_t end = s.find('\n', start);
                const std::string line =
                    s.substr(start, end == std::string::npos ? std::string::npos : end - start + 1);
                s.insert(start, line);
                break;
            }
            case 4: {  // drop a line
                const std::size_t start = s.find('\n', pick(s.size() + 1));
                if (start != std::string::npos) {
                    const std::size_t end = s.find('\n', start + 1);
                    s.erase(start, end == std::string::npos ? std::string::npos : end - start);
                }
                break;
            }
            default: s.resize(pick(s.size() + 1)); break;
        }
    }
    return s;
}

std::size_t lines_of(const std::string& s) {
    return 1 + static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n'));
}

struct tally {
    int parsed = 0, rejected = 0;
};

// Run `parse` on many damaged copies of `seed`; any exception that is not an
// engage_right::error fails, and input_error lines must lie inside the text.
tally fuzz(const char* name, const std::string& seed, std::uint64_t rng_seed,
           const std::function<void(const std::string&)>& parse, int rounds = 1500) {
    std::mt19937_64 rng(rng_seed);
    tally t;
    REQUIRE_NOTHROW(parse(seed));  // the seed itself is valid
    for (int i = 0; i < rounds; ++i) {
        const std::string text = mutate(seed, rng);
        INFO(name << " round " << i << ", text:\n" << text);
        try {
            parse(text);
            ++t.parsed;
        } catch (const input_error& e) {
            ++t.rejected;
            CHECK(e.line() >= 1);
            CHECK(e.line() <= lines_of(text) + 1);
            CHECK(!e.detail().empty());
        } catch (const error& e) {
            ++t.rejected;
            CHECK(std::string(e.what()).size() > 0);
        } catch (const std::exception& e) {
            FAIL_CHECK("unexpected exception type: " << e.what());
        }
    }
    return t;
}

}  // namespace

TEST_CASE("readers on damaged input: an engage_right error or a valid result, never anything else") {
    const journey j = journey::from_json(lead_journey);
    const member_table members = parse_members(members_csv, j);
    const community c(j, parse_members(members_csv, j), parse_interactions(interactions_csv, members));

    std::vector<tally> all;
    all.push_back(fuzz("members.csv", members_csv, 1, [&](const std::string& t) { (void)parse_members(t, j); }));
    all.push_back(fuzz("interactions.csv", interactions_csv, 2,
                       [&](const std::string& t) { (void)parse_interactions(t, members); }));
    all.push_back(fuzz("events.csv", events_csv, 3, [&](const std::string& t) { (void)parse_events(t, members, j); }));
    all.push_back(fuzz("pairs.csv", pairs_csv, 4, [&](const std::string& t) { (void)parse_pairs(t, c); }));
    all.push_back(fuzz("blocked.csv", blocked_csv, 5, [&](const std::string& t) { (void)parse_blocked(t, c); }));
    all.push_back(fuzz("content.csv", content_csv, 10, [&](const std::string& t) { (void)parse_content(t); }));
    all.push_back(fuzz("model.json", model_json([] {
                           ranking_model m;
                           m.features = {ranking_feature::similarity, ranking_feature::peer_activity};
                           m.coefficients = {0.5, -1.25};
                           m.mean = {0.1, 2};
                           m.scale = {0.3, 1.5};
                           m.intercept = -3;
                           return m;
                       }()),
                       11, [&](const std::string& t) { (void)parse_model_json(t); }));
    all.push_back(fuzz("journey.json", lead_journey, 6, [&](const std::string& t) { (void)journey::from_json(t); }));
    all.push_back(fuzz("params.json", params_json, 7,
                       [&](const std::string& t) { (void)simulation_params::from_json(t, j.stage_count()); }));

    // Appending readers: on error the history is exactly as before.
    uplift_history h;
    parse_stage_entries(h, stages_csv, j);
    parse_contacts(h, contacts_csv);
    const auto sizes = [&] {
        return std::vector<std::size_t>{h.ids.size(),          h.entry_member.size(),   h.entry_stage.size(),
                                        h.entry_time.size(),   h.contact_source.size(), h.contact_target.size(),
                                        h.contact_time.size(), h.activity.size()};
    };
    auto unchanged_on_error = [&](auto&& append) {
        return [&, append](const std::string& t) {
            uplift_history copy = h;
            const auto before = sizes();
            try {
                append(h, t);
            } catch (...) {
                CHECK(sizes() == before);
                h = copy;
                throw;
            }
            h = copy;  // keep the base history for the next round
        };
    };
    all.push_back(fuzz("stages.csv", stages_csv, 8, unchanged_on_error([&](uplift_history& x, const std::string& t) {
                           parse_stage_entries(x, t, j);
                       })));
    all.push_back(fuzz("contacts.csv", contacts_csv, 9,
                       unchanged_on_error([&](uplift_history& x, const std::string& t) { parse_contacts(x, t); })));

    // The edits must exercise both outcomes, or the test proves little.
    for (const auto& t : all) {
        CHECK(t.rejected > 100);
        CHECK(t.parsed + t.rejected == 1500);
    }
}
