#include <engage_right/error.hpp>
#include <engage_right/journey.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

namespace engage_right {
namespace {

bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        auto x = static_cast<unsigned char>(a[i]);
        auto y = static_cast<unsigned char>(b[i]);
        if (x >= 'A' && x <= 'Z') x = static_cast<unsigned char>(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z') y = static_cast<unsigned char>(y - 'A' + 'a');
        if (x != y) return false;
    }
    return true;
}

// First and last steps are private (selection talks, inner circle), the
// steps in between public (forums, knowledge base, user content).
std::vector<journey_step> default_steps(std::size_t stage_count) {
    std::vector<journey_step> steps(stage_count - 1);
    for (std::size_t s = 0; s < steps.size(); ++s) {
        const bool edge = s == 0 || s + 1 == steps.size();
        steps[s] = journey_step{true, edge ? channel::private_ : channel::public_};
    }
    return steps;
}

struct preset_def {
    const char* name;
    std::vector<std::string> stages;
};

const std::vector<preset_def>& presets() {
    static const std::vector<preset_def> defs = {
        {"engage_right", {"prospect", "interested", "new_customer", "loyal", "advocate"}},
        {"four_phase", {"awareness", "evaluation", "purchase", "retention"}},
        {"loyalty_loop", {"consider", "evaluate", "buy", "enjoy", "advocate", "bond"}},
        {"inbound", {"visitor", "lead", "mql", "sql", "customer", "promoter"}},
        {"success", {"build", "grow", "ignite"}},
    };
    return defs;
}

}  // namespace

void validate_weights(const score_weights& w) {
    const std::pair<const char*, double> items[] = {
        {"similarity", w.similarity}, {"tags", w.tags}, {"proximity", w.proximity}, {"happiness", w.happiness}};
    for (const auto& [name, value] : items) {
        if (!std::isfinite(value) || value < 0)
            throw config_error(fmt::format("weight '{}' must be a finite number >= 0, got {}", name, value));
    }
}

journey::journey() : journey(preset("engage_right")) {}

journey::journey(std::vector<std::string> stages, std::string name)
    : name_(std::move(name)), stages_(std::move(stages)) {
    if (stages_.size() < 2 || stages_.size() > max_stages)
        throw config_error(fmt::format("a journey needs 2 to {} stages, got {}", max_stages, stages_.size()));
    for (std::size_t i = 0; i < stages_.size(); ++i) {
        if (stages_[i].empty()) throw config_error(fmt::format("stage {} has an empty name", i));
        for (std::size_t j = 0; j < i; ++j)
            if (iequals(stages_[i], stages_[j]))
                throw config_error(fmt::format("stage name '{}' appears twice", stages_[i]));
    }
    steps_ = default_steps(stages_.size());
}

journey journey::preset(std::string_view name) {
    for (const auto& p : presets())
        if (iequals(name, p.name)) return journey(p.stages, p.name);
    std::string known;
    for (const auto& p : presets()) known += (known.empty() ? "" : ", ") + std::string(p.name);
    throw config_error(fmt::format("unknown journey preset '{}' (known: {})", name, known));
}

std::vector<std::string> journey::preset_names() {
    std::vector<std::string> out;
    for (const auto& p : presets()) out.emplace_back(p.name);
    return out;
}

std::optional<stage_index> journey::find_stage(std::string_view name) const noexcept {
    for (std::size_t i = 0; i < stages_.size(); ++i)
        if (iequals(stages_[i], name)) return static_cast<stage_index>(i);
    return std::nullopt;
}

void journey::set_step(stage_index from, journey_step step) {
    if (from + 1u >= stages_.size())
        throw config_error(fmt::format("step {} does not exist (journey has {} steps)", from, steps_.size()));
    steps_[from] = step;
}

void journey::set_min_peer_satisfaction(int value) {
    if (value < 0 || value > 11)
        throw config_error(fmt::format("min_peer_satisfaction must be 0..11, got {}", value));
    min_peer_satisfaction_ = value;
}

void journey::set_default_capacity(int value) {
    if (value < 0) throw config_error(fmt::format("default_capacity must be >= 0, got {}", value));
    default_capacity_ = value;
}

void journey::set_weights(const score_weights& w) {
    validate_weights(w);
    weights_ = w;
}

// ---------------------------------------------------------------- JSON ---

namespace {

using json = nlohmann::ordered_json;

[[noreturn]] void bad(std::string_view source, const std::string& path, const std::string& what) {
    throw config_error(fmt::format("{}: {}: {}", source, path, what));
}

const char* type_name(const json& v) {
    switch (v.type()) {
        case json::value_t::null: return "null";
        case json::value_t::boolean: return "a boolean";
        case json::value_t::string: return "a string";
        case json::value_t::array: return "an array";
        case json::value_t::object: return "an object";
        case json::value_t::discarded: return "nothing";
        default: return "a number";
    }
}

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

}  // namespace

journey journey::from_json(std::string_view text, std::string_view source) {
    json doc;
    try {
        doc = json::parse(text.begin(), text.end());
    } catch (const json::parse_error& e) {
        throw config_error(fmt::format("{}: invalid JSON: {}", source, e.what()));
    }
    if (!doc.is_object()) bad(source, "$", fmt::format("expected an object, got {}", type_name(doc)));
    check_keys(source, "$", doc,
               {"name", "stages", "steps", "min_peer_satisfaction", "default_capacity", "weights", "$schema",
                "description"});
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
        if (!doc["name"].is_string()) bad(source, "$.name", fmt::format("expected a string, got {}", type_name(doc["name"])));
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
    return j;
}

journey journey::load(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw config_error(fmt::format("{}: cannot open journey file", path.string()));
    std::ostringstream ss;
    ss << in.rdbuf();
    return from_json(ss.str(), path.string());
}

journey journey::from_preset_or_file(std::string_view preset_or_path) {
    for (const auto& p : presets())
        if (iequals(preset_or_path, p.name)) return journey(p.stages, p.name);
    std::error_code ec;
    const std::filesystem::path path{std::string(preset_or_path)};
    if (std::filesystem::is_regular_file(path, ec)) return load(path);
    std::string known;
    for (const auto& p : presets()) known += (known.empty() ? "" : ", ") + std::string(p.name);
    throw config_error(
        fmt::format("'{}' is neither a journey preset ({}) nor a readable JSON file", preset_or_path, known));
}

std::string journey::to_json() const {
    json doc = json::object();
    doc["name"] = name_;
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
    return doc.dump(2) + "\n";
}

void journey::save(const std::filesystem::path& path) const {
    std::ofstream out(path, std::ios::binary);
    if (!out) throw error(fmt::format("{}: cannot write journey file", path.string()));
    out << to_json();
    if (!out) throw error(fmt::format("{}: write failed", path.string()));
}

}  // namespace engage_right
