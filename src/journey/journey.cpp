#include <engage_right/detail/csv.hpp>
#include <engage_right/error.hpp>
#include <engage_right/journey.hpp>

#include "journey/checks.hpp"
#include "journey/presets.hpp"

#include "util/json.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <functional>
#include <limits>
#include <sstream>

namespace engage_right {

using detail::iequals;
namespace {

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

}  // namespace

void validate_weights(const score_weights& w) {
    const std::pair<const char*, double> items[] = {
        {"similarity", w.similarity}, {"tags", w.tags}, {"proximity", w.proximity}, {"happiness", w.happiness}};
    for (const auto& [name, value] : items) {
        if (!std::isfinite(value) || value < 0)
            throw config_error(fmt::format("weight '{}' must be a finite number >= 0, got {}", name, value));
    }
}

void set_weight(score_weights& w, std::string_view name, double value) {
    if (name == "similarity") w.similarity = value;
    else if (name == "tags") w.tags = value;
    else if (name == "proximity") w.proximity = value;
    else if (name == "happiness") w.happiness = value;
    else throw config_error(fmt::format("unknown weight '{}' (expected similarity, tags, proximity, happiness)", name));
}

score_weights parse_weights(std::string_view text, score_weights w) {
    std::string_view rest = text;
    while (!rest.empty()) {
        const auto cut = rest.find(',');
        const std::string_view item = rest.substr(0, cut);
        rest = cut == std::string_view::npos ? std::string_view{} : rest.substr(cut + 1);
        const auto eq = item.find('=');
        if (eq == std::string_view::npos) throw config_error(fmt::format("expected name=value, got '{}'", item));
        const std::string_view name = item.substr(0, eq), value = item.substr(eq + 1);
        double v = 0;
        auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
        if (ec != std::errc() || p != value.data() + value.size())
            throw config_error(fmt::format("'{}' is not a number", value));
        set_weight(w, name, v);
    }
    validate_weights(w);
    return w;
}

stage_gap parse_stage_gap(std::string_view text) {
    auto bad = [&] {
        return config_error(
            fmt::format("expected MIN:MAX, two integers with 1 <= MIN <= MAX (e.g. 1:2), got '{}'", text));
    };
    const auto colon = text.find(':');
    if (colon == std::string_view::npos) throw bad();
    auto number = [&](std::string_view part) {
        std::uint32_t v = 0;
        auto [p, ec] = std::from_chars(part.data(), part.data() + part.size(), v);
        if (part.empty() || ec != std::errc() || p != part.data() + part.size()) throw bad();
        return v;
    };
    const stage_gap g{number(text.substr(0, colon)), number(text.substr(colon + 1))};
    if (g.min < 1 || g.max < g.min) throw bad();
    return g;
}

std::string to_string(const stage_gap& gap) { return fmt::format("{}:{}", gap.min, gap.max); }

void validate_stage_gap(const stage_gap& gap, const journey& j) {
    if (gap.min < 1) throw config_error(fmt::format("stage gap {}: MIN must be at least 1", to_string(gap)));
    if (gap.max < gap.min) throw config_error(fmt::format("stage gap {}: MAX must be at least MIN", to_string(gap)));
    const std::size_t steps = j.stage_count() - 1;
    if (gap.max > steps)
        throw config_error(fmt::format("stage gap {}: MAX {} is more than the {} step{} of journey '{}' ({} stages)",
                                       to_string(gap), gap.max, steps, steps == 1 ? "" : "s", j.name(),
                                       j.stage_count()));
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
    rules_.resize(stages_.size());
}

namespace {

const detail::embedded_preset* find_preset(std::string_view name) noexcept {
    for (std::size_t i = 0; i < detail::embedded_preset_count; ++i)
        if (iequals(name, detail::embedded_presets[i].name)) return &detail::embedded_presets[i];
    return nullptr;
}

std::string preset_list() {
    std::string known;
    for (std::size_t i = 0; i < detail::embedded_preset_count; ++i)
        known += (known.empty() ? "" : ", ") + std::string(detail::embedded_presets[i].name);
    return known;
}

}  // namespace

journey journey::preset(std::string_view name) {
    if (const auto* p = find_preset(name)) return from_json(p->json, fmt::format("preset '{}'", p->name));
    throw config_error(fmt::format("unknown journey preset '{}' (known: {})", name, preset_list()));
}

std::vector<std::string> journey::preset_names() {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < detail::embedded_preset_count; ++i) out.emplace_back(detail::embedded_presets[i].name);
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
    if (value < 0 || value > 11) throw config_error(fmt::format("min_peer_satisfaction must be 0..11, got {}", value));
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

const action_points* lead_scoring_config::find_action(std::string_view name) const noexcept {
    for (const auto& [n, p] : actions)
        if (n == name) return &p;
    return nullptr;
}

namespace detail {

// Checks shared by the setters and the JSON reader; `at` prefixes messages.
void check_lead_scoring(const lead_scoring_config& c,
                        const std::function<void(const std::string&, const std::string&)>& fail) {
    if (c.half_life_days && (!std::isfinite(*c.half_life_days) || *c.half_life_days <= 0))
        fail(".half_life_days", fmt::format("expected a number > 0 or null, got {}", *c.half_life_days));
    for (std::size_t i = 0; i < c.actions.size(); ++i) {
        const auto& [name, pts] = c.actions[i];
        if (name.empty()) fail(".actions", "empty action name");
        if (!std::isfinite(pts.points)) fail(".actions." + name, "points must be finite");
        for (std::size_t k = 0; k < i; ++k)
            if (c.actions[k].first == name) fail(".actions." + name, "action listed twice");
    }
    for (std::size_t i = 0; i < c.fit.size(); ++i) {
        const fit_rule& r = c.fit[i];
        const std::string at = fmt::format(".fit[{}]", i);
        if (r.name.empty()) fail(at, r.type == fit_rule::kind::tag ? "empty tag" : "empty column name");
        if (!std::isfinite(r.points)) fail(at + ".points", "expected a finite number");
        if (r.type == fit_rule::kind::range) {
            if (std::isnan(r.min) || std::isnan(r.max) || r.min > r.max)
                fail(at, fmt::format("expected min <= max, got min {} and max {}", r.min, r.max));
        }
        if (r.type != fit_rule::kind::tag) {
            static const char* const reserved[] = {"id", "stage", "tags", "opted_out"};
            for (const char* col : reserved)
                if (r.name == col)
                    fail(at + ".column", fmt::format("column '{}' cannot be scored (use \"tag\" for tags)", col));
            if (r.name.size() > 2 && r.name[0] == 'f' && r.name[1] == '_')
                fail(at + ".column", "feature columns cannot be scored");
            const bool builtin = r.name == "activity" || r.name == "satisfaction" || r.name == "capacity";
            if (builtin && r.type == fit_rule::kind::equals)
                fail(at, fmt::format("column '{}' is numeric: use min/max", r.name));
        }
    }
}

void check_rule(const stage_rule& r, const std::function<void(const std::string&, const std::string&)>& fail) {
    const std::pair<const char*, const std::optional<double>*> th[] = {
        {".min_score", &r.min_score}, {".min_fit", &r.min_fit}, {".min_engagement", &r.min_engagement}};
    for (const auto& [key, v] : th)
        if (*v && !std::isfinite(**v)) fail(key, "expected a finite number");
    for (std::size_t i = 0; i < r.milestones.size(); ++i) {
        for (const auto& a : r.milestones[i].actions())
            if (a.empty()) fail(fmt::format(".milestones[{}]", i), "empty action name");
        if (r.milestones[i].at_least == 0) fail(fmt::format(".milestones[{}].at_least", i), "expected an integer >= 1");
    }
}

}  // namespace detail

void journey::set_lead_scoring(lead_scoring_config config) {
    for (auto& r : config.fit)
        for (char& ch : r.name)
            if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
    detail::check_lead_scoring(config, [](const std::string& at, const std::string& what) {
        throw config_error(fmt::format("lead_scoring{}: {}", at, what));
    });
    lead_scoring_ = std::move(config);
}

void journey::set_rule(stage_index s, std::optional<stage_rule> rule) {
    if (s == 0 || s >= stages_.size())
        throw config_error(fmt::format("stage rule for stage {}: expected a stage 1..{} (the first stage has no rule)",
                                       s, stages_.size() - 1));
    if (rule)
        detail::check_rule(*rule, [&](const std::string& at, const std::string& what) {
            throw config_error(fmt::format("stage_rules.{}{}: {}", stages_[s], at, what));
        });
    rules_[s] = std::move(rule);
}

journey journey::from_preset_or_file(std::string_view preset_or_path) {
    if (find_preset(preset_or_path)) return preset(preset_or_path);
    std::error_code ec;
    const std::filesystem::path path{std::string(preset_or_path)};
    if (std::filesystem::is_regular_file(path, ec)) return load(path);
    throw config_error(
        fmt::format("'{}' is neither a journey preset ({}) nor a readable JSON file", preset_or_path, preset_list()));
}

}  // namespace engage_right
