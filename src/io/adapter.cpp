#include "io/adapter.hpp"
#include "io/calendar.hpp"

#include <engage_right/detail/csv.hpp>
#include <engage_right/error.hpp>
#include <engage_right/io.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <numeric>
#include <ostream>

namespace engage_right {

// ------------------------------------------------------- stage mapping ---

stage_mapping parse_stage_mapping(std::string_view spec, const journey& j) {
    const std::string_view text = detail::trim(spec);
    const auto colon = text.find(':');
    const std::string kind = detail::lower(text.substr(0, colon));
    const std::string_view rest = colon == std::string_view::npos ? std::string_view{} : text.substr(colon + 1);
    std::vector<double> values;
    if (colon != std::string_view::npos) {
        std::string_view r = rest;
        for (;;) {
            const auto comma = r.find(',');
            const std::string_view item = detail::trim(r.substr(0, comma));
            double v = 0;
            if (!detail::parse_real(item, v) || v < 0)
                throw config_error(
                    fmt::format("stages '{}': expected numbers >= 0 separated by ',', got '{}'", text, item));
            values.push_back(v);
            if (comma == std::string_view::npos) break;
            r = r.substr(comma + 1);
        }
    }
    stage_mapping m;
    const std::size_t n = j.stage_count();
    if (kind == "participation") {
        m.type = stage_mapping::kind::participation;
        if (n != 5)
            throw config_error(
                fmt::format("stages 'participation' needs a journey of 5 stages; journey '{}' has {} "
                            "(use reputation:T1,...,T{} or activity)",
                            j.name(), n, n));
        if (values.size() > 1)
            throw config_error("stages 'participation[:R]' takes at most one number, the reputation of the last stage");
        if (!values.empty()) m.advocate_reputation = values[0];
        return m;
    }
    if (kind == "reputation" || kind == "activity") {
        m.type = kind == "reputation" ? stage_mapping::kind::reputation : stage_mapping::kind::activity;
        if (kind == "reputation" && values.empty())
            throw config_error(
                fmt::format("stages 'reputation' needs one threshold per stage: reputation:T1,...,T{}", n));
        if (!values.empty() && values.size() != n)
            throw config_error(
                fmt::format("stages '{}': expected {} thresholds (one per stage of journey '{}'), got {}", text, n,
                            j.name(), values.size()));
        for (std::size_t i = 1; i < values.size(); ++i)
            if (values[i] < values[i - 1])
                throw config_error(fmt::format("stages '{}': the thresholds must not decrease", text));
        m.thresholds = std::move(values);
        return m;
    }
    throw config_error(fmt::format(
        "stages: expected participation[:R], reputation:T1,...,Tn or activity[:C1,...,Cn], got '{}'", text));
}

namespace detail {

stage_mapping mapping_or(const import_options& o, stage_mapping::kind fallback, const journey& j) {
    if (o.stages) {
        const stage_mapping& m = *o.stages;
        const std::size_t n = j.stage_count();
        if (m.type == stage_mapping::kind::participation && n != 5)
            throw config_error(
                fmt::format("stages 'participation' needs a journey of 5 stages; journey '{}' has {}", j.name(), n));
        if (m.type != stage_mapping::kind::participation && !m.thresholds.empty() && m.thresholds.size() != n)
            throw config_error(fmt::format("stages: {} thresholds for the {} stages of journey '{}'",
                                           m.thresholds.size(), n, j.name()));
        if (m.type == stage_mapping::kind::reputation && m.thresholds.empty())
            throw config_error("stages 'reputation' needs one threshold per stage");
        return m;
    }
    stage_mapping m;
    m.type = fallback;
    if (fallback == stage_mapping::kind::participation && j.stage_count() != 5) m.type = stage_mapping::kind::activity;
    return m;
}

stage_mapper::stage_mapper(const stage_mapping& m, std::size_t stage_count, std::span<const member_state> final_states)
    : m_(m), stages_(stage_count) {
    if (m_.type == stage_mapping::kind::activity && m_.thresholds.empty()) {
        for (const auto& s : final_states)
            if (s.contributions() > 0) active_counts_.push_back(s.contributions());
        std::sort(active_counts_.begin(), active_counts_.end());
    }
}

stage_index stage_mapper::operator()(const member_state& s) const noexcept {
    auto by_thresholds = [&](double value) {
        std::size_t k = 0;
        for (std::size_t i = 0; i < m_.thresholds.size(); ++i)
            if (value >= m_.thresholds[i]) k = i;
        return static_cast<stage_index>(k);
    };
    switch (m_.type) {
        case stage_mapping::kind::participation:
            if (s.reputation >= m_.advocate_reputation) return 4;
            if (s.answers > 0) return 3;
            if (s.questions > 0) return 2;
            if (s.comments > 0 || s.reputation > 1) return 1;
            return 0;
        case stage_mapping::kind::reputation: return by_thresholds(s.reputation);
        case stage_mapping::kind::activity: {
            const std::uint32_t c = s.contributions();
            if (!m_.thresholds.empty()) return by_thresholds(c);
            if (c == 0 || active_counts_.empty() || stages_ < 2) return 0;
            // Equal-size groups of the active members by rank; a tie group takes
            // the stage of its first rank.
            const auto below = static_cast<std::size_t>(
                std::lower_bound(active_counts_.begin(), active_counts_.end(), c) - active_counts_.begin());
            const std::size_t groups = stages_ - 1;
            return static_cast<stage_index>(1 + std::min(groups - 1, below * groups / active_counts_.size()));
        }
    }
    return 0;
}

std::vector<stage_row> stage_history(const stage_mapper& map, std::span<const time_ms> created,
                                     std::span<const double> base_reputation, std::vector<state_change> changes) {
    std::sort(changes.begin(), changes.end(), [](const state_change& a, const state_change& b) {
        return a.member != b.member ? a.member < b.member : a.time < b.time;
    });
    std::vector<stage_row> out;
    const std::size_t n = created.size();
    std::size_t c = 0;
    for (std::uint32_t m = 0; m < n; ++m) {
        const std::size_t first = c;
        while (c < changes.size() && changes[c].member == m) ++c;
        time_ms start = created[m];
        if (start == no_time) {
            if (first == c) continue;  // no date at all
            start = changes[first].time;
        }
        double raw = base_reputation[m];
        member_state s;
        auto apply = [&](const state_change& ch) {
            switch (ch.what) {
                case state_change::kind::question: ++s.questions; break;
                case state_change::kind::answer: ++s.answers; break;
                case state_change::kind::comment: ++s.comments; break;
                case state_change::kind::reputation: raw += ch.delta; break;
            }
        };
        // Changes up to the creation time count from the start.
        std::size_t i = first;
        for (; i < c && changes[i].time <= start; ++i) apply(changes[i]);
        s.reputation = std::max(1.0, raw);
        stage_index current = map(s);
        out.push_back({m, current, start});
        while (i < c) {
            const time_ms t = changes[i].time;
            for (; i < c && changes[i].time == t; ++i) apply(changes[i]);
            s.reputation = std::max(1.0, raw);
            const stage_index now = map(s);
            if (now != current) {
                out.push_back({m, now, t});
                current = now;
            }
        }
    }
    return out;
}

// --------------------------------------------------------------- tags ---

std::string top_tags(const tag_counts& counts, const std::vector<std::string>& names, std::size_t k) {
    std::vector<std::pair<std::uint32_t, std::uint32_t>> v(counts.begin(), counts.end());
    std::sort(v.begin(), v.end(), [&](const auto& a, const auto& b) {
        return a.second != b.second ? a.second > b.second : names[a.first] < names[b.first];
    });
    std::string out;
    for (std::size_t i = 0; i < v.size() && i < k; ++i) {
        if (i) out += ';';
        out += names[v[i].first];
    }
    return out;
}

void split_tags(std::string_view cell, std::vector<std::string_view>& out) {
    out.clear();
    cell = trim(cell);
    if (cell.empty()) return;
    if (cell.front() == '<') {
        std::size_t p = 0;
        while (p < cell.size()) {
            const auto open = cell.find('<', p);
            if (open == std::string_view::npos) break;
            const auto close = cell.find('>', open + 1);
            if (close == std::string_view::npos) break;
            if (close > open + 1) out.push_back(cell.substr(open + 1, close - open - 1));
            p = close + 1;
        }
        return;
    }
    const char sep = cell.front() == '|' ? '|' : ';';
    std::size_t p = 0;
    while (p <= cell.size()) {
        const auto next = cell.find(sep, p);
        const std::string_view t =
            trim(cell.substr(p, next == std::string_view::npos ? std::string_view::npos : next - p));
        if (!t.empty()) out.push_back(t);
        if (next == std::string_view::npos) break;
        p = next + 1;
    }
}

std::uint32_t name_table::intern(std::string_view s) {
    const auto [it, fresh] = index_.try_emplace(std::string(s), static_cast<std::uint32_t>(names_.size()));
    if (fresh) names_.emplace_back(s);
    return it->second;
}

// -------------------------------------------------------------- times ---

std::optional<time_ms> parse_time_ms(std::string_view text) noexcept {
    const auto s = parse_timestamp(text);
    if (!s) return std::nullopt;
    return seconds_to_ms(*s);
}

time_ms seconds_to_ms(double seconds) noexcept { return static_cast<time_ms>(std::llround(seconds * 1000.0)); }

char* format_time_ms(time_ms t, char* out) noexcept {
    const time_ms day_ms = 86400000;
    time_ms days = t >= 0 ? t / day_ms : -((-t + day_ms - 1) / day_ms);
    time_ms rest = t - days * day_ms;
    const auto [y, m, d] = detail::civil_from_days(days);
    if (y < 0 || y > 9999) return fmt::format_to(out, "{}", format_timestamp(static_cast<double>(t) / 1000.0));
    auto two = [&](long long v) {
        *out++ = static_cast<char>('0' + v / 10);
        *out++ = static_cast<char>('0' + v % 10);
    };
    two(y / 100);
    two(y % 100);
    *out++ = '-';
    two(m);
    *out++ = '-';
    two(d);
    *out++ = 'T';
    two(rest / 3600000);
    *out++ = ':';
    two(rest / 60000 % 60);
    *out++ = ':';
    two(rest / 1000 % 60);
    *out++ = '.';
    const long long ms = rest % 1000;
    *out++ = static_cast<char>('0' + ms / 100);
    two(ms % 100);
    return out;
}

std::string format_time_ms(time_ms t) {
    char buf[64];
    return std::string(buf, format_time_ms(t, buf));
}

bool id_lookup::insert(std::int64_t id, std::uint32_t row) {
    if (id >= 0 && static_cast<std::uint64_t>(id) < std::max<std::uint64_t>(std::uint64_t{1} << 20, 8 * (size_ + 1))) {
        const auto k = static_cast<std::size_t>(id);
        if (k >= dense_.size()) dense_.resize(std::max(k + 1, dense_.size() * 2), none);
        if (dense_[k] != none) return false;
        dense_[k] = row;
    } else {
        if (find(id)) return false;
        sparse_.emplace(id, row);
    }
    ++size_;
    return true;
}

std::optional<std::uint32_t> id_lookup::find(std::int64_t id) const noexcept {
    if (id >= 0 && static_cast<std::uint64_t>(id) < dense_.size() && dense_[static_cast<std::size_t>(id)] != none)
        return dense_[static_cast<std::size_t>(id)];
    if (sparse_.empty()) return std::nullopt;
    const auto it = sparse_.find(id);
    if (it == sparse_.end()) return std::nullopt;
    return it->second;
}

double log_count(double count) noexcept { return std::log1p(count); }

// ------------------------------------------------------------- tables ---

namespace {

import_column named_column(std::string name, import_column::kind type) {
    import_column c;
    c.name = std::move(name);
    c.type = type;
    return c;
}

// A table of `name` holding `columns` in this order.
template <class... Columns>
import_table table_of(std::string name, Columns&&... columns) {
    import_table t;
    t.name = std::move(name);
    t.columns.reserve(sizeof...(Columns));
    (t.columns.push_back(std::forward<Columns>(columns)), ...);
    return t;
}

}  // namespace

import_column text_column(std::string name, std::vector<std::string> values) {
    import_column c = named_column(std::move(name), import_column::kind::text);
    c.text = std::move(values);
    return c;
}

import_column integer_column(std::string name, std::vector<std::int64_t> values) {
    import_column c = named_column(std::move(name), import_column::kind::integer);
    c.integer = std::move(values);
    return c;
}

import_column coded_column(std::string name, std::vector<std::int64_t> codes, std::vector<std::string> labels) {
    import_column c = integer_column(std::move(name), std::move(codes));
    c.type = import_column::kind::coded;
    c.labels = std::move(labels);
    return c;
}

import_column time_column(std::string name, std::vector<std::int64_t> values) {
    import_column c = integer_column(std::move(name), std::move(values));
    c.type = import_column::kind::time;
    return c;
}

import_column real_column(std::string name, std::vector<double> values, int decimals) {
    import_column c = named_column(std::move(name), import_column::kind::real);
    c.real = std::move(values);
    c.decimals = decimals;
    return c;
}

import_table events_table(std::vector<event_row> rows, const std::vector<std::string>& actions,
                          const std::vector<std::string>& member_ids) {
    std::vector<std::uint32_t> rank(actions.size());
    {
        std::vector<std::uint32_t> order(actions.size());
        std::iota(order.begin(), order.end(), 0u);
        std::sort(order.begin(), order.end(), [&](auto a, auto b) { return actions[a] < actions[b]; });
        for (std::uint32_t r = 0; r < order.size(); ++r) rank[order[r]] = r;
    }
    std::sort(rows.begin(), rows.end(), [&](const event_row& a, const event_row& b) {
        if (a.time != b.time) return a.time < b.time;
        if (a.member != b.member) return a.member < b.member;
        if (a.action != b.action) return rank[a.action] < rank[b.action];
        return a.value < b.value;
    });
    std::vector<std::int64_t> member, action, when, value;
    member.reserve(rows.size());
    action.reserve(rows.size());
    when.reserve(rows.size());
    value.reserve(rows.size());
    for (const auto& r : rows) {
        member.push_back(r.member);
        action.push_back(r.action);
        when.push_back(r.time);
        value.push_back(r.value == no_value ? import_column::missing_integer : r.value);
    }
    return table_of("events", coded_column("member", std::move(member), member_ids),
                    coded_column("action", std::move(action), actions), time_column("timestamp", std::move(when)),
                    integer_column("value", std::move(value)));
}

import_table stages_table(std::vector<stage_row> rows, const std::vector<std::string>& member_ids, const journey& j) {
    std::stable_sort(rows.begin(), rows.end(), [](const stage_row& a, const stage_row& b) {
        if (a.time != b.time) return a.time < b.time;
        if (a.member != b.member) return a.member < b.member;
        return a.stage < b.stage;
    });
    std::vector<std::int64_t> member, stage, when;
    for (const auto& r : rows) {
        member.push_back(r.member);
        stage.push_back(r.stage);
        when.push_back(r.time);
    }
    import_table t;
    t.name = "stages";
    t.columns.push_back(coded_column("member", std::move(member), member_ids));
    t.columns.push_back(coded_column("stage", std::move(stage), j.stages()));
    t.columns.push_back(time_column("timestamp", std::move(when)));
    return t;
}

// ------------------------------------------------------------ journey ---

namespace {

bool is_preset(const journey& j) {
    for (const auto& name : journey::preset_names())
        if (j.name() == name && j == journey::preset(name)) return true;
    return false;
}

}  // namespace

import_table members_table(const std::vector<std::string>& ids, std::vector<std::int64_t> stage, const journey& j) {
    const std::vector<std::string> empty(ids.size());
    return table_of("members", text_column("id", ids), coded_column("stage", std::move(stage), j.stages()),
                    text_column("satisfaction", empty), text_column("capacity", empty),
                    integer_column("opted_out", std::vector<std::int64_t>(ids.size(), 0)));
}

import_table interactions_table(const std::vector<std::string>& ids, std::vector<std::int64_t> source,
                                std::vector<std::int64_t> target, std::vector<std::int64_t> weight,
                                std::vector<std::int64_t> when, std::vector<std::int64_t> kind,
                                std::vector<std::string> kinds, import_column content) {
    return table_of("interactions", coded_column("source", std::move(source), ids),
                    coded_column("target", std::move(target), ids), integer_column("weight", std::move(weight)),
                    time_column("timestamp", std::move(when)), coded_column("kind", std::move(kind), std::move(kinds)),
                    std::move(content));
}

import_table import_content_table(import_column id, const std::vector<std::string>& ids,
                                  std::vector<std::int64_t> author, std::vector<std::int64_t> kind,
                                  std::vector<std::string> kinds, import_column parent,
                                  std::vector<std::int64_t> created, std::vector<std::string> tags) {
    return table_of("content", std::move(id), coded_column("author", std::move(author), ids),
                    coded_column("kind", std::move(kind), std::move(kinds)), std::move(parent),
                    time_column("created", std::move(created)), text_column("tags", std::move(tags)));
}

std::vector<std::optional<stage_rule>> default_stage_rules(const std::string& started, const std::string& replied,
                                                           const std::string& received,
                                                           std::vector<milestone> advocate) {
    stage_rule interested, newcomer, loyal, top;
    interested.min_score = 3;
    newcomer.milestones = {{started, 1, {replied}}};
    loyal.milestones = {{replied, 1, {}}, {received, 5, {}}};
    top.min_score = 50;
    top.milestones = std::move(advocate);
    return {std::nullopt, interested, newcomer, loyal, top};
}

journey import_journey(const journey& base, const std::vector<std::string>& actions, const journey_defaults& d) {
    journey out = base;
    const lead_scoring_config& bl = base.lead_scoring();
    auto occurs = [&](const std::string& a) { return std::find(actions.begin(), actions.end(), a) != actions.end(); };
    bool written_for_these = false;
    for (const auto& [name, pts] : bl.actions) written_for_these = written_for_these || occurs(name);
    if (is_preset(base)) {
        out.set_name(d.name);
        out.set_description(d.description);
    }
    lead_scoring_config ls;
    ls.half_life_days = written_for_these ? bl.half_life_days : std::optional<double>(d.half_life_days);
    for (const auto& a : actions) {
        const action_points* p = bl.find_action(a);
        ls.actions.emplace_back(a, p ? *p : action_points{d.points(a), false});
    }
    ls.fit = written_for_these ? bl.fit : d.fit;
    out.set_lead_scoring(std::move(ls));
    // Stage rules: the base's when every action they name occurs.
    bool base_rules_fit = written_for_these;
    bool base_has_rules = false;
    for (stage_index s = 1; s < base.stage_count(); ++s)
        if (const stage_rule* r = base.rule(s)) {
            base_has_rules = true;
            for (const auto& m : r->milestones)
                for (const auto& a : m.actions()) base_rules_fit = base_rules_fit && occurs(a);
        }
    if (base_has_rules && base_rules_fit) return out;
    for (stage_index s = 1; s < out.stage_count(); ++s) {
        std::optional<stage_rule> rule;
        if (out.stage_count() == 5 && s < d.rules.size() && d.rules[s]) {
            rule = *d.rules[s];
            std::vector<milestone> kept;
            for (auto m : rule->milestones) {
                std::vector<std::string> names;
                for (const auto& a : m.actions())
                    if (occurs(a)) names.push_back(a);
                if (names.empty()) continue;
                m.action = names.front();
                m.alternatives.assign(names.begin() + 1, names.end());
                kept.push_back(std::move(m));
            }
            rule->milestones = std::move(kept);
        }
        out.set_rule(s, rule);
    }
    return out;
}

}  // namespace detail
}  // namespace engage_right
