// Journey files: JSON in (with errors naming the JSON path) and out.
#include <engage_right/detail/csv.hpp>
#include <engage_right/error.hpp>
#include <engage_right/io.hpp>
#include <engage_right/journey.hpp>

#include "journey/checks.hpp"
#include "util/json.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>

namespace engage_right {

using detail::iequals;

// ---------------------------------------------------------------- JSON ---

namespace {

using json = nlohmann::ordered_json;
using detail::bad;
using detail::type_name;

void check_keys(std::string_view source, const std::string& path, const json& obj,
                std::initializer_list<const char*> allowed) {
    for (const auto& item : obj.items()) {
        bool ok = false;
        for (const char* a : allowed) ok = ok || item.key() == a;
        if (!ok) {
            std::string list;
            for (const char* a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
            bad(source, path + "." + item.key(), "unknown key (allowed: " + list + ")");
        }
    }
}

std::string_view trim_view(std::string_view s) noexcept {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

double get_number(std::string_view source, const std::string& path, const json& v) {
    if (!v.is_number()) bad(source, path, fmt::format("expected a number, got {}", type_name(v)));
    const double d = v.get<double>();
    if (!std::isfinite(d)) bad(source, path, "expected a finite number");
    return d;
}

int get_int(std::string_view source, const std::string& path, const json& v) {
    if (!v.is_number_integer()) bad(source, path, fmt::format("expected an integer, got {}", type_name(v)));
    const auto i = v.get<long long>();
    if (i < -1000000000LL || i > 1000000000LL) bad(source, path, "integer out of range");
    return static_cast<int>(i);
}

double get_threshold(std::string_view source, const std::string& path, const json& v) {
    return get_number(source, path, v);
}

lead_scoring_config parse_lead_scoring(std::string_view source, const json& v) {
    const std::string p = "$.lead_scoring";
    if (!v.is_object()) bad(source, p, fmt::format("expected an object, got {}", type_name(v)));
    check_keys(source, p, v, {"half_life_days", "actions", "fit"});
    lead_scoring_config c;
    if (v.contains("half_life_days") && !v["half_life_days"].is_null()) {
        const double h = get_number(source, p + ".half_life_days", v["half_life_days"]);
        if (h <= 0) bad(source, p + ".half_life_days", fmt::format("expected a number > 0 or null, got {}", h));
        c.half_life_days = h;
    }
    if (v.contains("actions")) {
        const json& a = v["actions"];
        if (!a.is_object())
            bad(source, p + ".actions",
                fmt::format("expected an object mapping action names to points, got {}", type_name(a)));
        for (const auto& item : a.items()) {
            const std::string ap = p + ".actions." + item.key();
            if (item.key().empty()) bad(source, p + ".actions", "empty action name");
            action_points pts;
            if (item.value().is_object()) {
                check_keys(source, ap, item.value(), {"points", "per_value"});
                if (!item.value().contains("points")) bad(source, ap + ".points", "required key is missing");
                pts.points = get_number(source, ap + ".points", item.value()["points"]);
                if (item.value().contains("per_value")) {
                    const json& pv = item.value()["per_value"];
                    if (!pv.is_boolean())
                        bad(source, ap + ".per_value", fmt::format("expected true or false, got {}", type_name(pv)));
                    pts.per_value = pv.get<bool>();
                }
            } else if (item.value().is_number()) {
                pts.points = get_number(source, ap, item.value());
            } else {
                bad(source, ap,
                    fmt::format("expected a number or {{\"points\": ..., \"per_value\": ...}}, got {}",
                                type_name(item.value())));
            }
            c.actions.emplace_back(item.key(), pts);
        }
    }
    if (v.contains("fit")) {
        const json& f = v["fit"];
        if (!f.is_array()) bad(source, p + ".fit", fmt::format("expected an array of rules, got {}", type_name(f)));
        for (std::size_t i = 0; i < f.size(); ++i) {
            const std::string rp = fmt::format("{}.fit[{}]", p, i);
            const json& r = f[i];
            if (!r.is_object()) bad(source, rp, fmt::format("expected an object, got {}", type_name(r)));
            check_keys(source, rp, r, {"tag", "column", "equals", "min", "max", "points"});
            fit_rule rule;
            if (!r.contains("points")) bad(source, rp + ".points", "required key is missing");
            rule.points = get_number(source, rp + ".points", r["points"]);
            const bool has_tag = r.contains("tag"), has_col = r.contains("column");
            if (has_tag == has_col) bad(source, rp, "expected exactly one of \"tag\" or \"column\"");
            const std::string key = has_tag ? "tag" : "column";
            if (!r[key].is_string() || r[key].get<std::string>().empty())
                bad(source, rp + "." + key, fmt::format("expected a non-empty string, got {}", type_name(r[key])));
            rule.name = std::string(trim_view(r[key].get<std::string>()));
            for (char& ch : rule.name)
                if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
            if (has_tag) {
                rule.type = fit_rule::kind::tag;
                for (const char* k : {"equals", "min", "max"})
                    if (r.contains(k)) bad(source, rp + "." + k, "not allowed in a tag rule");
            } else if (r.contains("equals")) {
                if (r.contains("min") || r.contains("max"))
                    bad(source, rp, "expected either \"equals\" or \"min\"/\"max\", not both");
                if (!r["equals"].is_string())
                    bad(source, rp + ".equals", fmt::format("expected a string, got {}", type_name(r["equals"])));
                rule.type = fit_rule::kind::equals;
                rule.text = std::string(trim_view(r["equals"].get<std::string>()));
            } else {
                if (!r.contains("min") && !r.contains("max"))
                    bad(source, rp, "a column rule needs \"equals\", or \"min\" and/or \"max\"");
                rule.type = fit_rule::kind::range;
                if (r.contains("min")) rule.min = get_number(source, rp + ".min", r["min"]);
                if (r.contains("max")) rule.max = get_number(source, rp + ".max", r["max"]);
            }
            c.fit.push_back(std::move(rule));
        }
    }
    detail::check_lead_scoring(c, [&](const std::string& at, const std::string& what) { bad(source, p + at, what); });
    return c;
}

stage_rule parse_rule(std::string_view source, const std::string& p, const json& v) {
    if (!v.is_object()) bad(source, p, fmt::format("expected an object, got {}", type_name(v)));
    check_keys(source, p, v, {"min_score", "min_fit", "min_engagement", "milestones"});
    stage_rule r;
    if (v.contains("min_score")) r.min_score = get_threshold(source, p + ".min_score", v["min_score"]);
    if (v.contains("min_fit")) r.min_fit = get_threshold(source, p + ".min_fit", v["min_fit"]);
    if (v.contains("min_engagement"))
        r.min_engagement = get_threshold(source, p + ".min_engagement", v["min_engagement"]);
    if (v.contains("milestones")) {
        const json& m = v["milestones"];
        if (!m.is_array()) bad(source, p + ".milestones", fmt::format("expected an array, got {}", type_name(m)));
        for (std::size_t i = 0; i < m.size(); ++i) {
            const std::string mp = fmt::format("{}.milestones[{}]", p, i);
            milestone ms;
            if (m[i].is_string()) {
                ms.action = m[i].get<std::string>();
            } else if (m[i].is_object()) {
                check_keys(source, mp, m[i], {"action", "any_of", "at_least"});
                const bool one = m[i].contains("action"), any = m[i].contains("any_of");
                if (one == any) bad(source, mp, "expected exactly one of \"action\" or \"any_of\"");
                if (one) {
                    if (!m[i]["action"].is_string())
                        bad(source, mp + ".action",
                            fmt::format("expected a string, got {}", type_name(m[i]["action"])));
                    ms.action = m[i]["action"].get<std::string>();
                } else {
                    const json& alt = m[i]["any_of"];
                    if (!alt.is_array() || alt.empty())
                        bad(source, mp + ".any_of",
                            fmt::format("expected a non-empty array of action names, got {}",
                                        alt.is_array() ? "an empty array" : type_name(alt)));
                    for (std::size_t k = 0; k < alt.size(); ++k) {
                        const std::string ap = fmt::format("{}.any_of[{}]", mp, k);
                        if (!alt[k].is_string() || alt[k].get<std::string>().empty())
                            bad(source, ap, fmt::format("expected a non-empty action name, got {}", type_name(alt[k])));
                        if (k == 0) ms.action = alt[k].get<std::string>();
                        else ms.alternatives.push_back(alt[k].get<std::string>());
                    }
                }
                if (m[i].contains("at_least")) {
                    const int n = get_int(source, mp + ".at_least", m[i]["at_least"]);
                    if (n < 1) bad(source, mp + ".at_least", fmt::format("expected an integer >= 1, got {}", n));
                    ms.at_least = static_cast<std::uint32_t>(n);
                }
            } else {
                bad(source, mp,
                    fmt::format("expected an action name, {{\"action\": ...}} or {{\"any_of\": [...]}}, got {}",
                                type_name(m[i])));
            }
            if (ms.action.empty()) bad(source, mp, "empty action name");
            r.milestones.push_back(std::move(ms));
        }
    }
    return r;
}

}  // namespace

journey journey::from_json(std::string_view text, std::string_view source) {
    json doc = detail::parse_json_object(text, source);
    check_keys(source, "$", doc,
               {"name", "stages", "steps", "min_peer_satisfaction", "default_capacity", "weights", "$schema",
                "description", "lead_scoring", "stage_rules"});
    if (!doc.contains("stages")) bad(source, "$.stages", "required key is missing");
    const json& st = doc["stages"];
    if (!st.is_array()) bad(source, "$.stages", fmt::format("expected an array of stage names, got {}", type_name(st)));
    std::vector<std::string> stages;
    for (std::size_t i = 0; i < st.size(); ++i) {
        const std::string p = fmt::format("$.stages[{}]", i);
        if (!st[i].is_string()) bad(source, p, fmt::format("expected a string, got {}", type_name(st[i])));
        stages.push_back(st[i].get<std::string>());
        if (stages.back().empty()) bad(source, p, "empty stage name");
    }
    std::string name = "custom";
    if (doc.contains("name")) {
        if (!doc["name"].is_string())
            bad(source, "$.name", fmt::format("expected a string, got {}", type_name(doc["name"])));
        name = doc["name"].get<std::string>();
    }
    journey j = [&] {
        try {
            return journey(std::move(stages), name);
        } catch (const config_error& e) {
            bad(source, "$.stages", e.what());
        }
    }();
    if (doc.contains("steps")) {
        const json& steps = doc["steps"];
        if (!steps.is_array()) bad(source, "$.steps", fmt::format("expected an array, got {}", type_name(steps)));
        if (steps.size() != j.stage_count() - 1)
            bad(source, "$.steps",
                fmt::format("expected {} steps (one per pair of adjacent stages), got {}", j.stage_count() - 1,
                            steps.size()));
        for (std::size_t i = 0; i < steps.size(); ++i) {
            const std::string p = fmt::format("$.steps[{}]", i);
            const json& s = steps[i];
            if (!s.is_object()) bad(source, p, fmt::format("expected an object, got {}", type_name(s)));
            check_keys(source, p, s, {"from", "to", "enabled", "channel"});
            journey_step step = j.step(static_cast<stage_index>(i));
            if (s.contains("from")) {
                if (!s["from"].is_string() || !iequals(s["from"].get<std::string>(), j.stages_[i]))
                    bad(source, p + ".from", fmt::format("expected \"{}\"", j.stages_[i]));
            }
            if (s.contains("to")) {
                if (!s["to"].is_string() || !iequals(s["to"].get<std::string>(), j.stages_[i + 1]))
                    bad(source, p + ".to", fmt::format("expected \"{}\"", j.stages_[i + 1]));
            }
            if (s.contains("enabled")) {
                if (!s["enabled"].is_boolean())
                    bad(source, p + ".enabled", fmt::format("expected true or false, got {}", type_name(s["enabled"])));
                step.enabled = s["enabled"].get<bool>();
            }
            if (s.contains("channel")) {
                const json& c = s["channel"];
                if (c.is_string() && c.get<std::string>() == "private") step.medium = channel::private_;
                else if (c.is_string() && c.get<std::string>() == "public") step.medium = channel::public_;
                else bad(source, p + ".channel", "expected \"private\" or \"public\"");
            }
            j.steps_[i] = step;
        }
    }
    if (doc.contains("min_peer_satisfaction")) {
        const int v = get_int(source, "$.min_peer_satisfaction", doc["min_peer_satisfaction"]);
        if (v < 0 || v > 11) bad(source, "$.min_peer_satisfaction", fmt::format("expected 0..11, got {}", v));
        j.min_peer_satisfaction_ = v;
    }
    if (doc.contains("default_capacity")) {
        const int v = get_int(source, "$.default_capacity", doc["default_capacity"]);
        if (v < 0) bad(source, "$.default_capacity", fmt::format("expected an integer >= 0, got {}", v));
        j.default_capacity_ = v;
    }
    if (doc.contains("weights")) {
        const json& w = doc["weights"];
        if (!w.is_object()) bad(source, "$.weights", fmt::format("expected an object, got {}", type_name(w)));
        check_keys(source, "$.weights", w, {"similarity", "tags", "proximity", "happiness"});
        score_weights sw = j.weights_;
        const std::pair<const char*, double*> fields[] = {{"similarity", &sw.similarity},
                                                          {"tags", &sw.tags},
                                                          {"proximity", &sw.proximity},
                                                          {"happiness", &sw.happiness}};
        for (const auto& [key, dst] : fields) {
            if (!w.contains(key)) continue;
            const double v = get_number(source, std::string("$.weights.") + key, w[key]);
            if (v < 0) bad(source, std::string("$.weights.") + key, fmt::format("expected a number >= 0, got {}", v));
            *dst = v;
        }
        j.weights_ = sw;
    }
    if (doc.contains("description")) {
        if (!doc["description"].is_string())
            bad(source, "$.description", fmt::format("expected a string, got {}", type_name(doc["description"])));
        j.description_ = doc["description"].get<std::string>();
    }
    if (doc.contains("lead_scoring")) j.lead_scoring_ = parse_lead_scoring(source, doc["lead_scoring"]);
    if (doc.contains("stage_rules")) {
        const json& rules = doc["stage_rules"];
        if (!rules.is_object())
            bad(source, "$.stage_rules", fmt::format("expected an object, got {}", type_name(rules)));
        for (const auto& item : rules.items()) {
            const std::string p = "$.stage_rules." + item.key();
            const auto at = j.find_stage(item.key());
            if (!at) bad(source, p, fmt::format("'{}' is not a stage of this journey", item.key()));
            if (*at == 0) bad(source, p, "the first stage has no rule: every member holds it");
            if (j.rules_[*at]) bad(source, p, "stage given twice (stage names ignore case)");
            j.rules_[*at] = parse_rule(source, p, item.value());
        }
    }
    return j;
}

journey journey::load(const std::filesystem::path& path) { return from_json(read_file(path), path.string()); }

std::string journey::to_json() const {
    json doc = json::object();
    doc["name"] = name_;
    if (!description_.empty()) doc["description"] = description_;
    doc["stages"] = stages_;
    json steps = json::array();
    for (std::size_t i = 0; i < steps_.size(); ++i) {
        json s = json::object();
        s["from"] = stages_[i];
        s["to"] = stages_[i + 1];
        s["enabled"] = steps_[i].enabled;
        s["channel"] = to_string(steps_[i].medium);
        steps.push_back(std::move(s));
    }
    doc["steps"] = std::move(steps);
    doc["min_peer_satisfaction"] = min_peer_satisfaction_;
    doc["default_capacity"] = default_capacity_;
    doc["weights"] = {{"similarity", weights_.similarity},
                      {"tags", weights_.tags},
                      {"proximity", weights_.proximity},
                      {"happiness", weights_.happiness}};
    const auto& ls = lead_scoring_;
    if (ls.half_life_days || !ls.actions.empty() || !ls.fit.empty()) {
        json l = json::object();
        if (ls.half_life_days) l["half_life_days"] = *ls.half_life_days;
        json actions = json::object();
        for (const auto& [name, pts] : ls.actions) {
            if (pts.per_value) actions[name] = {{"points", pts.points}, {"per_value", true}};
            else actions[name] = pts.points;
        }
        l["actions"] = std::move(actions);
        json fit = json::array();
        for (const auto& r : ls.fit) {
            json o = json::object();
            if (r.type == fit_rule::kind::tag) {
                o["tag"] = r.name;
            } else {
                o["column"] = r.name;
                if (r.type == fit_rule::kind::equals) o["equals"] = r.text;
                if (r.type == fit_rule::kind::range && std::isfinite(r.min)) o["min"] = r.min;
                if (r.type == fit_rule::kind::range && std::isfinite(r.max)) o["max"] = r.max;
                if (r.type == fit_rule::kind::range && !std::isfinite(r.min) && !std::isfinite(r.max))
                    o["min"] = -std::numeric_limits<double>::max();
            }
            o["points"] = r.points;
            fit.push_back(std::move(o));
        }
        l["fit"] = std::move(fit);
        doc["lead_scoring"] = std::move(l);
    }
    json rules = json::object();
    for (std::size_t s = 1; s < rules_.size(); ++s) {
        if (!rules_[s]) continue;
        const stage_rule& r = *rules_[s];
        json o = json::object();
        if (r.min_score) o["min_score"] = *r.min_score;
        if (r.min_fit) o["min_fit"] = *r.min_fit;
        if (r.min_engagement) o["min_engagement"] = *r.min_engagement;
        if (!r.milestones.empty()) {
            json m = json::array();
            for (const auto& ms : r.milestones) {
                if (!ms.alternatives.empty()) {
                    json o2 = {{"any_of", ms.actions()}};
                    if (ms.at_least != 1) o2["at_least"] = ms.at_least;
                    m.push_back(std::move(o2));
                } else if (ms.at_least == 1) {
                    m.push_back(ms.action);
                } else {
                    m.push_back({{"action", ms.action}, {"at_least", ms.at_least}});
                }
            }
            o["milestones"] = std::move(m);
        }
        rules[stages_[s]] = std::move(o);
    }
    if (!rules.empty()) doc["stage_rules"] = std::move(rules);
    return doc.dump(2) + "\n";
}

void journey::save(const std::filesystem::path& path) const {
    std::ofstream out(path, std::ios::binary);
    if (!out) throw error(fmt::format("{}: cannot write journey file", path.string()));
    out << to_json();
    if (!out) throw error(fmt::format("{}: write failed", path.string()));
}

}  // namespace engage_right
