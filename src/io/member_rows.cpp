#include "io/member_rows.hpp"

#include "io/table.hpp"

#include <engage_right/detail/csv.hpp>
#include <engage_right/detail/id_index.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace engage_right::detail {
namespace {

constexpr double nan_v = std::numeric_limits<double>::quiet_NaN();
constexpr long long max_capacity = 1000000000LL;

std::string number_shown(double v) { return fmt::format("{}", v); }

// What each cell rule expects, for both the text and the number form.
constexpr const char* satisfaction_expected = "satisfaction: expected an integer 0-10 or empty";
constexpr const char* capacity_expected = "capacity: expected an integer >= 0 or empty";
constexpr const char* opted_out_expected = "opted_out: expected 1, 0, true, false or empty";
constexpr const char* activity_expected = "activity: expected a finite number >= 0 or empty";
constexpr const char* created_expected =
    "created: expected unix seconds or ISO-8601 (e.g. 2026-03-14T09:30:00Z) in years 0001-9999, or empty";

std::string problem(const char* expected, const std::string& shown_value) {
    return fmt::format("{}, got {}", expected, shown_value);
}

}  // namespace

member_rows::member_rows(const journey& j, bool stage_optional, std::string (*quote)(std::string_view))
    : j_(j), stage_optional_(stage_optional), quote_(quote), tags_(table_.tag_names), act_(nan_v), created_(nan_v) {
    table_.tag_offsets.push_back(0);
}

void member_rows::add_extra(std::string name, bool numeric) {
    table_.extra.push_back({std::move(name), {}});
    extra_numeric_.push_back(numeric ? 1 : 0);
}

std::string member_rows::id(std::string_view text) {
    if (text.empty()) return "empty id: every member needs a unique, non-empty id";
    if (auto problem = text_problem(text); !problem.empty()) return "id: " + problem;
    id_ = std::string(text);
    has_id_ = true;
    return {};
}

std::string member_rows::stage(std::string_view text, bool given) {
    const std::string_view t = trim(text);
    if (!given || (stage_optional_ && t.empty())) {
        stage_known_ = false;
        stage_ = stage_index{0};
        return {};
    }
    stage_ = j_.find_stage(t);
    if (!stage_) return unknown_stage_problem(j_, text, quote_);
    return {};
}

std::string member_rows::satisfaction(std::string_view text) {
    if (trim(text).empty()) return {};
    int v = 0;
    if (!parse_number(text, v) || v < 0 || v > 10) return problem(satisfaction_expected, quote_(text));
    sat_ = static_cast<std::int8_t>(v);
    return {};
}

std::string member_rows::satisfaction(double v) {
    if (std::isnan(v)) return {};
    if (!(v >= 0 && v <= 10 && v == std::floor(v))) return problem(satisfaction_expected, number_shown(v));
    sat_ = static_cast<std::int8_t>(v);
    return {};
}

std::string member_rows::capacity(std::string_view text) {
    if (trim(text).empty()) return {};
    long long v = 0;
    if (!parse_number(text, v) || v < 0 || v > max_capacity) return problem(capacity_expected, quote_(text));
    cap_ = static_cast<std::int32_t>(v);
    return {};
}

std::string member_rows::capacity(double v) {
    if (std::isnan(v)) return {};
    if (!(v >= 0 && v <= static_cast<double>(max_capacity) && v == std::floor(v)))
        return problem(capacity_expected, number_shown(v));
    cap_ = static_cast<std::int32_t>(v);
    return {};
}

std::string member_rows::opted_out(std::string_view text) {
    if (!flag_value(text, opted_)) return problem(opted_out_expected, quote_(text));
    return {};
}

std::string member_rows::opted_out(double v) {
    if (!flag_value(v, opted_)) return problem(opted_out_expected, number_shown(v));
    return {};
}

std::string member_rows::activity(std::string_view text) {
    if (trim(text).empty()) return {};
    double v = 0;
    if (!parse_number(text, v) || v < 0) return problem(activity_expected, quote_(text));
    act_ = v;
    return {};
}

std::string member_rows::activity(double v) {
    if (std::isnan(v)) return {};
    if (!(std::isfinite(v) && v >= 0)) return problem(activity_expected, number_shown(v));
    act_ = v;
    return {};
}

std::string member_rows::created(std::string_view text) {
    if (trim(text).empty()) return {};
    const auto t = parse_timestamp(text);
    if (!t) return problem(created_expected, quote_(text));
    created_ = *t;
    return {};
}

std::string member_rows::created(double v) {
    if (std::isnan(v)) return {};
    if (!time_problem(v).empty()) return problem(created_expected, number_shown(v));
    created_ = v;
    return {};
}

std::string member_rows::tags(std::string_view rest) {
    if (auto problem = text_problem(rest); !problem.empty()) return "tags: " + problem;
    row_tags_.clear();
    tags_.split(rest, row_tags_);
    return {};
}

std::string member_rows::extra(std::size_t k, std::string_view text) {
    const std::string_view v = trim(text);
    if (extra_numeric_[k] && !v.empty()) {
        double x = 0;
        if (!parse_number(v, x))
            return fmt::format("{}: expected a finite number or empty (it is compared with min/max), got {}",
                               table_.extra[k].name, quote_(text));
    }
    table_.extra[k].values.emplace_back(v);
    return {};
}

std::string member_rows::feature_problem(std::size_t k, std::string_view shown_value) {
    return fmt::format("f_{}: expected a finite number, got {}", k, shown_value);
}

void member_rows::end_row() {
    if (!stage_known_ && all_stages_known_) {
        all_stages_known_ = false;
        table_.stage_known.assign(table_.id.size(), 1);
    }
    if (!all_stages_known_) table_.stage_known.push_back(stage_known_ ? 1 : 0);
    table_.id.push_back(has_id_ ? std::move(id_) : std::string());
    table_.stage.push_back(stage_.value_or(0));
    table_.satisfaction.push_back(sat_);
    table_.capacity.push_back(cap_);
    table_.opted_out.push_back(opted_);
    table_.activity.push_back(act_);
    if (has_created_) table_.created.push_back(created_);
    table_.tag_ids.insert(table_.tag_ids.end(), row_tags_.begin(), row_tags_.end());
    table_.tag_offsets.push_back(static_cast<std::uint32_t>(table_.tag_ids.size()));
    row_tags_.clear();
    stage_.reset();
    stage_known_ = true;
    sat_ = unknown_satisfaction;
    cap_ = -1;
    opted_ = 0;
    act_ = nan_v;
    created_ = nan_v;
    has_id_ = false;
    id_.clear();
}

std::optional<std::pair<std::size_t, std::size_t>> member_rows::duplicate_of(const member_table& m) {
    id_index index;
    if (auto dup = index.build(m.id)) return std::pair<std::size_t, std::size_t>{*dup, *index.find(m.id[*dup])};
    return std::nullopt;
}

member_table member_rows::finish(feature_block features) {
    table_.features = std::move(features);
    return std::move(table_);
}

}  // namespace engage_right::detail
