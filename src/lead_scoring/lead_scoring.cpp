#include <engage_right/detail/csv.hpp>
#include <engage_right/detail/id_index.hpp>
#include <engage_right/error.hpp>
#include <engage_right/lead_scoring.hpp>

#include "util/parallel.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <cmath>
#include <cstring>
#include <deque>
#include <fstream>
#include <limits>
#include <numeric>
#include <ostream>
#include <thread>
#include <unordered_map>

namespace engage_right {

using detail::iequals;
using detail::parse_real;
using detail::shown;
using detail::trim;

namespace {

constexpr double nan_v = std::numeric_limits<double>::quiet_NaN();
constexpr double seconds_per_day = 86400.0;

unsigned worker_count(unsigned requested, std::size_t work) {
    unsigned t = detail::thread_count(requested);
    if (work < 20000) t = 1;
    return t;
}

}  // namespace

// ------------------------------------------------------------ scoring ---

namespace {

struct action_info {
    double points = 0;
    bool per_value = false;
    int slot = -1;  // milestone slot, -1 when no milestone names the action
};

struct compiled_rule {
    std::optional<double> min_score, min_fit, min_engagement;
    std::vector<std::pair<std::vector<std::size_t>, std::uint32_t>> milestones;  // (slots that count, at_least)
};

// Everything the per-member pass needs, resolved once.
struct plan {
    std::vector<action_info> actions;  // per event_table action index
    std::vector<std::string> slot_names;
    std::vector<compiled_rule> rules;  // per stage; [0] unused
    double half_life_seconds = 0;      // 0: no decay
    double as_of = nan_v;
    bool inference = false;
};

plan make_plan(const event_table& events, const journey& j, const lead_options& options, bool inference) {
    plan p;
    p.inference = inference;
    const auto& ls = j.lead_scoring();
    if (ls.half_life_days) p.half_life_seconds = *ls.half_life_days * seconds_per_day;
    if (options.as_of) {
        if (!std::isfinite(*options.as_of)) throw config_error("as_of must be a finite time");
        p.as_of = *options.as_of;
    } else if (!events.timestamp.empty()) {
        p.as_of = *std::max_element(events.timestamp.begin(), events.timestamp.end());
    }
    auto slot_of = [&](const std::string& action) {
        for (std::size_t i = 0; i < p.slot_names.size(); ++i)
            if (p.slot_names[i] == action) return i;
        p.slot_names.push_back(action);
        return p.slot_names.size() - 1;
    };
    if (inference) {
        p.rules.resize(j.stage_count());
        for (std::size_t s = 1; s < j.stage_count(); ++s) {
            const stage_rule* rule = j.rule(static_cast<stage_index>(s));
            if (!rule)
                throw config_error(fmt::format(
                    "journey '{}' has no stage rule for '{}' ($.stage_rules.{}); stage inference needs one for every "
                    "stage after the first ({{}} for no requirement)",
                    j.name(), j.stage_name(static_cast<stage_index>(s)), j.stage_name(static_cast<stage_index>(s))));
            compiled_rule& c = p.rules[s];
            c.min_score = rule->min_score;
            c.min_fit = rule->min_fit;
            c.min_engagement = rule->min_engagement;
            for (const auto& m : rule->milestones) {
                std::vector<std::size_t> slots;
                for (const auto& a : m.actions()) {
                    const std::size_t sl = slot_of(a);
                    if (std::find(slots.begin(), slots.end(), sl) == slots.end()) slots.push_back(sl);
                }
                c.milestones.emplace_back(std::move(slots), m.at_least);
            }
        }
    }
    p.actions.resize(events.action_names.size());
    for (std::size_t a = 0; a < events.action_names.size(); ++a) {
        const std::string& name = events.action_names[a];
        if (const action_points* pts = ls.find_action(name)) {
            p.actions[a].points = pts->points;
            p.actions[a].per_value = pts->per_value;
        }
        for (std::size_t i = 0; i < p.slot_names.size(); ++i)
            if (p.slot_names[i] == name) p.actions[a].slot = static_cast<int>(i);
    }
    for (std::size_t a = 0; a < events.action_names.size(); ++a)
        if (p.actions[a].per_value && events.value.empty())
            throw config_error(fmt::format("action '{}' is scored per value, but the events have no value column",
                                           events.action_names[a]));
    return p;
}

// Fit points of every member row.
std::vector<double> fit_points(const member_table& m, const journey& j) {
    const std::size_t n = m.size();
    std::vector<double> fit(n, 0.0);
    const auto& rules = j.lead_scoring().fit;
    for (std::size_t k = 0; k < rules.size(); ++k) {
        const fit_rule& r = rules[k];
        if (r.type == fit_rule::kind::tag) {
            std::optional<std::uint32_t> tag;
            for (std::size_t t = 0; t < m.tag_names.size(); ++t)
                if (m.tag_names[t] == r.name) tag = static_cast<std::uint32_t>(t);
            if (!tag || m.tag_offsets.size() != n + 1) continue;
            for (std::size_t i = 0; i < n; ++i) {
                const auto* b = m.tag_ids.data() + m.tag_offsets[i];
                const auto* e = m.tag_ids.data() + m.tag_offsets[i + 1];
                if (std::find(b, e, *tag) != e) fit[i] += r.points;
            }
            continue;
        }
        auto add_range = [&](auto value_of) {
            for (std::size_t i = 0; i < n; ++i) {
                const double v = value_of(i);
                if (!std::isnan(v) && v >= r.min && v <= r.max) fit[i] += r.points;
            }
        };
        if (r.name == "activity") {
            if (m.activity.size() == n) add_range([&](std::size_t i) { return m.activity[i]; });
            continue;
        }
        if (r.name == "satisfaction") {
            if (m.satisfaction.size() == n)
                add_range([&](std::size_t i) { return m.satisfaction[i] < 0 ? nan_v : double(m.satisfaction[i]); });
            continue;
        }
        if (r.name == "capacity") {
            if (m.capacity.size() == n)
                add_range([&](std::size_t i) { return m.capacity[i] < 0 ? nan_v : double(m.capacity[i]); });
            continue;
        }
        const auto* col = m.find_extra(r.name);
        if (!col || col->values.size() != n)
            throw config_error(
                fmt::format("fit rule $.lead_scoring.fit[{}] of journey '{}' needs the members column "
                            "'{}', which was not read",
                            k, j.name(), r.name));
        if (r.type == fit_rule::kind::equals) {
            for (std::size_t i = 0; i < n; ++i)
                if (!col->values[i].empty() && iequals(trim(col->values[i]), r.text)) fit[i] += r.points;
        } else {
            for (std::size_t i = 0; i < n; ++i) {
                const std::string_view cell = trim(col->values[i]);
                if (cell.empty()) continue;
                double v = 0;
                if (!parse_real(cell, v))
                    throw config_error(
                        fmt::format("member row {} ({}): column '{}' is {}, expected a number for fit rule "
                                    "$.lead_scoring.fit[{}]",
                                    i, shown(m.id[i]), r.name, shown(cell), k));
                if (v >= r.min && v <= r.max) fit[i] += r.points;
            }
        }
    }
    return fit;
}

bool rule_holds(const compiled_rule& r, double fit, double engagement, const std::uint32_t* counts) noexcept {
    const double total = fit + engagement;
    if (r.min_score && !(total >= *r.min_score)) return false;
    if (r.min_fit && !(fit >= *r.min_fit)) return false;
    if (r.min_engagement && !(engagement >= *r.min_engagement)) return false;
    for (const auto& [slots, at_least] : r.milestones) {
        std::uint64_t have = 0;
        for (const std::size_t sl : slots) have += counts[sl];
        if (have < at_least) return false;
    }
    return true;
}

// Highest stage whose prefix of rules holds.
stage_index prefix_level(const plan& p, double fit, double engagement, const std::uint32_t* counts) noexcept {
    std::size_t s = 1;
    while (s < p.rules.size() && rule_holds(p.rules[s], fit, engagement, counts)) ++s;
    return static_cast<stage_index>(s - 1);
}

struct run_output {
    std::vector<lead_score> scores;
    std::vector<stage_index> stage;
    std::vector<double> entered;
    std::vector<std::uint32_t> counts;
};

run_output run(const member_table& members, const event_table& events, const journey& j, const plan& p,
               const lead_options& options) {
    const std::size_t n = members.size();
    const std::size_t e_count = events.size();
    for (std::size_t e = 0; e < e_count; ++e)
        if (events.member[e] >= n)
            throw config_error(fmt::format("event row {}: member row {} is outside the member table ({} rows)", e,
                                           events.member[e], n));
    const std::vector<double> fit = fit_points(members, j);

    // Bucket the events by member (a stable counting sort), copying what the
    // per-member pass reads so that it walks memory in order.
    std::vector<std::uint64_t> offsets(n + 1, 0);
    for (std::size_t e = 0; e < e_count; ++e) ++offsets[events.member[e] + 1];
    std::partial_sum(offsets.begin(), offsets.end(), offsets.begin());
    const bool has_value = !events.value.empty();
    std::vector<double> b_time(e_count), b_points(e_count);
    std::vector<std::uint32_t> b_action(e_count);
    {
        std::vector<std::uint64_t> fill(offsets.begin(), offsets.end() - 1);
        for (std::size_t e = 0; e < e_count; ++e) {
            const std::uint64_t at = fill[events.member[e]]++;
            const std::uint32_t a = events.action[e];
            const action_info& info = p.actions[a];
            b_time[at] = events.timestamp[e];
            b_action[at] = a;
            b_points[at] = info.per_value && has_value ? info.points * events.value[e] : info.points;
        }
    }
    const std::size_t stages = j.stage_count();
    const std::size_t slots = p.slot_names.size();
    run_output out;
    out.scores.resize(n);
    if (p.inference) {
        out.stage.assign(n, 0);
        out.entered.assign(n * stages, nan_v);
        out.counts.assign(n * slots, 0);
    }
    const bool decay = p.half_life_seconds > 0;
    const double as_of = p.as_of;

    const unsigned threads = worker_count(options.threads, e_count + n);
    detail::parallel_dynamic(n, threads, 2048, [&](std::size_t first, std::size_t last) {
        std::vector<std::uint32_t> mine;  // bucket positions of the member's events up to as_of
        std::vector<std::uint32_t> counts(slots);
        for (std::size_t i = first; i < last; ++i) {
            mine.clear();
            for (std::uint64_t k = offsets[i]; k < offsets[i + 1]; ++k)
                if (b_time[k] <= as_of) mine.push_back(static_cast<std::uint32_t>(k));
            // Time order; ties by action, then file order (bucket positions
            // keep it), so sums are reproducible.
            std::sort(mine.begin(), mine.end(), [&](std::uint32_t a, std::uint32_t b) {
                if (b_time[a] != b_time[b]) return b_time[a] < b_time[b];
                if (b_action[a] != b_action[b]) return b_action[a] < b_action[b];
                return a < b;
            });
            double engagement = 0;
            for (const std::uint32_t k : mine)
                engagement += decay ? b_points[k] * std::exp2(-(as_of - b_time[k]) / p.half_life_seconds) : b_points[k];
            lead_score& sc = out.scores[i];
            sc.fit = fit[i];
            sc.engagement = engagement;
            sc.total = sc.fit + sc.engagement;
            if (!p.inference) continue;

            // History: walk the events, one group per distinct timestamp.
            std::fill(counts.begin(), counts.end(), 0u);
            double* entered = out.entered.data() + i * stages;
            double running = 0, t_prev = 0;
            std::size_t reached = 0;  // stages entered so far: 0..reached-1
            for (std::size_t k = 0; k < mine.size();) {
                const double t = b_time[mine[k]];
                if (decay && k > 0) running *= std::exp2(-(t - t_prev) / p.half_life_seconds);
                for (; k < mine.size() && b_time[mine[k]] == t; ++k) {
                    const std::uint32_t e = mine[k];
                    running += b_points[e];
                    const int slot = p.actions[b_action[e]].slot;
                    if (slot >= 0) ++counts[static_cast<std::size_t>(slot)];
                }
                t_prev = t;
                if (reached < stages) {
                    const std::size_t level = prefix_level(p, fit[i], running, counts.data());
                    for (; reached <= level; ++reached) entered[reached] = t;
                }
            }
            std::copy(counts.begin(), counts.end(), out.counts.begin() + static_cast<std::ptrdiff_t>(i * slots));
            out.stage[i] = prefix_level(p, fit[i], engagement, counts.data());
        }
    });
    return out;
}

std::string number_text(double v) {
    if (std::nearbyint(v) == v && std::fabs(v) < 1e15) return fmt::format("{}", static_cast<long long>(v));
    return fmt::format("{:.2f}", v);
}

}  // namespace

lead_scores_result lead_scores(const member_table& members, const event_table& events, const journey& j,
                               const lead_options& options) {
    const plan p = make_plan(events, j, options, false);
    run_output out = run(members, events, j, p, options);
    return {p.as_of, std::move(out.scores)};
}

stage_inference infer_stages(const member_table& members, const event_table& events, const journey& j,
                             const lead_options& options) {
    const plan p = make_plan(events, j, options, true);
    run_output out = run(members, events, j, p, options);
    stage_inference r;
    r.as_of = p.as_of;
    r.stage_count = j.stage_count();
    r.scores = std::move(out.scores);
    r.stage = std::move(out.stage);
    r.entered = std::move(out.entered);
    r.milestone_actions = p.slot_names;
    r.milestone_counts = std::move(out.counts);
    return r;
}

std::string requirement::text() const {
    switch (type) {
        case kind::score: return fmt::format("score >= {} (has {})", number_text(required), number_text(current));
        case kind::fit: return fmt::format("fit >= {} (has {})", number_text(required), number_text(current));
        case kind::engagement:
            return fmt::format("engagement >= {} (has {})", number_text(required), number_text(current));
        case kind::milestone:
            if (required <= 1) return action;
            return fmt::format("{} x{} (has {})", action, number_text(required), number_text(current));
    }
    return {};
}

std::string checklist_text(std::span<const requirement> items) {
    std::string out;
    for (const auto& item : items) out += (out.empty() ? "" : "; ") + item.text() + (item.met ? ": yes" : ": no");
    return out;
}

std::vector<requirement> next_milestone(const stage_inference& inf, const journey& j, std::size_t row) {
    if (row >= inf.size()) throw config_error(fmt::format("member row {} is out of range", row));
    const std::size_t next = std::size_t{inf.stage[row]} + 1;
    if (next >= j.stage_count()) return {};
    return requirements(inf, j, row, static_cast<stage_index>(next));
}

std::vector<requirement> requirements(const stage_inference& inf, const journey& j, std::size_t row, stage_index s) {
    if (row >= inf.size()) throw config_error(fmt::format("member row {} is out of range", row));
    if (s >= j.stage_count()) throw config_error(fmt::format("stage {} is out of range", s));
    std::vector<requirement> items;
    const stage_rule* rule = j.rule(s);
    if (!rule) return items;
    const lead_score& sc = inf.scores[row];
    auto add = [&](requirement::kind k, const std::optional<double>& th, double current) {
        if (th) items.push_back({k, {}, *th, current, current >= *th});
    };
    add(requirement::kind::score, rule->min_score, sc.total);
    add(requirement::kind::fit, rule->min_fit, sc.fit);
    add(requirement::kind::engagement, rule->min_engagement, sc.engagement);
    const std::size_t slots = inf.milestone_actions.size();
    for (const auto& m : rule->milestones) {
        std::uint64_t have = 0;
        std::vector<std::string> actions = m.actions();
        std::sort(actions.begin(), actions.end());
        actions.erase(std::unique(actions.begin(), actions.end()), actions.end());
        for (std::size_t slot = 0; slot < slots; ++slot)
            if (std::binary_search(actions.begin(), actions.end(), inf.milestone_actions[slot]))
                have += inf.milestone_counts[row * slots + slot];
        std::string label = m.action;
        for (const auto& a : m.alternatives) label += " or " + a;
        items.push_back({requirement::kind::milestone, label, double(m.at_least), double(have), have >= m.at_least});
    }
    return items;
}

std::vector<stage_entry> stage_history(const stage_inference& inf) {
    std::vector<stage_entry> out;
    for (std::size_t i = 0; i < inf.size(); ++i)
        for (std::size_t s = 0; s < inf.stage_count; ++s) {
            const double t = inf.entered_at(i, static_cast<stage_index>(s));
            if (!std::isnan(t)) out.push_back({static_cast<std::uint32_t>(i), static_cast<stage_index>(s), t});
        }
    return out;
}

}  // namespace engage_right
