// In-memory columns (DataFrames) to tables, through the same row builder and
// cell rules as the CSV readers; errors name the 0-based row.
#include "io/member_rows.hpp"
#include "io/table.hpp"

#include <engage_right/detail/csv.hpp>
#include <engage_right/detail/id_index.hpp>
#include <engage_right/error.hpp>
#include <engage_right/io.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace engage_right {

using detail::column_size;
using detail::lower;
using detail::trim;

namespace {

void check_length(std::string_view table, std::string_view name, std::size_t got, std::size_t n) {
    if (got != n) throw config_error(fmt::format("{} column '{}' has {} values, expected {}", table, name, got, n));
}

// Apply `rule` (a member_rows cell method) to row i of a column.
template <class Rule>
std::string cell(const data_column& c, std::size_t i, Rule rule) {
    if (const auto* d = std::get_if<std::vector<double>>(&c)) return rule((*d)[i]);
    if (const auto* t = std::get_if<std::vector<std::string>>(&c)) return rule(std::string_view((*t)[i]));
    return {};
}

}  // namespace

member_table build_members(const member_columns& cols, const journey& j, const member_read_options& options) {
    const std::size_t n = cols.id.size();
    if (!cols.stage && !options.stage_optional) throw config_error("members: missing required column 'stage'");
    if (cols.stage) check_length("members", "stage", cols.stage->size(), n);
    const std::pair<const char*, const data_column*> numeric[] = {{"satisfaction", &cols.satisfaction},
                                                                  {"capacity", &cols.capacity},
                                                                  {"opted_out", &cols.opted_out},
                                                                  {"activity", &cols.activity}};
    for (const auto& [name, col] : numeric)
        if (!std::holds_alternative<std::monostate>(*col)) check_length("members", name, column_size(*col), n);
    if (cols.tags) check_length("members", "tags", cols.tags->size(), n);
    if (cols.features.dims > 0 && cols.features.rows != n)
        throw config_error(fmt::format("features have {} rows, expected {}", cols.features.rows, n));

    detail::member_rows t(j, options.stage_optional, &detail::shown_in_row);
    const bool with_created = !std::holds_alternative<std::monostate>(cols.created);
    if (with_created) {
        check_length("members", "created", column_size(cols.created), n);
        t.add_created();
    }
    std::vector<const std::vector<std::string>*> extra;
    std::vector<std::string> extra_names;
    for (const auto& name : options.text_columns) {
        const std::string key = lower(trim(name));
        if (std::find(extra_names.begin(), extra_names.end(), key) != extra_names.end()) continue;
        const member_table::text_column* found = nullptr;
        for (const auto& c : cols.extra)
            if (lower(trim(c.name)) == key) found = &c;
        if (!found)
            throw config_error(fmt::format("members: missing column '{}' needed by {}", key, options.needed_by));
        check_length("members", key, found->values.size(), n);
        bool is_numeric = false;
        for (const auto& x : options.numeric_columns) is_numeric = is_numeric || lower(trim(x)) == key;
        t.add_extra(key, is_numeric);
        extra_names.push_back(key);
        extra.push_back(&found->values);
    }

    auto check = [](std::size_t row, const std::string& problem) {
        if (!problem.empty()) throw config_error(fmt::format("members row {}: {}", row, problem));
    };
    const float* f = cols.features.data;
    const std::size_t d = cols.features.dims;
    for (std::size_t i = 0; i < n; ++i) {
        check(i, t.id(cols.id[i]));
        check(i, cols.stage ? t.stage((*cols.stage)[i], true) : t.stage({}, false));
        for (std::size_t k = 0; k < extra.size(); ++k) check(i, t.extra(k, (*extra[k])[i]));
        check(i, cell(cols.satisfaction, i, [&](auto v) { return t.satisfaction(v); }));
        check(i, cell(cols.capacity, i, [&](auto v) { return t.capacity(v); }));
        check(i, cell(cols.opted_out, i, [&](auto v) { return t.opted_out(v); }));
        check(i, cell(cols.activity, i, [&](auto v) { return t.activity(v); }));
        if (cols.tags) t.tags((*cols.tags)[i]);
        if (with_created) check(i, cell(cols.created, i, [&](auto v) { return t.created(v); }));
        for (std::size_t k = 0; k < d; ++k)
            if (!std::isfinite(f[i * d + k]))
                check(i, detail::member_rows::feature_problem(k, fmt::format("{}", f[i * d + k])));
        t.end_row();
    }
    if (n >= std::numeric_limits<member_index>::max()) throw config_error("members: too many members");
    member_table m = t.finish(cols.features);
    if (auto dup = detail::member_rows::duplicate_of(m))
        throw config_error(fmt::format("members row {}: duplicate id {} (first in row {})", dup->first,
                                       detail::shown_in_row(m.id[dup->first]), dup->second));
    return m;
}

interaction_table build_interactions(const interaction_columns& cols, const member_table& members) {
    const std::size_t n = cols.source.size();
    check_length("interactions", "target", cols.target.size(), n);
    if (!std::holds_alternative<std::monostate>(cols.weight))
        check_length("interactions", "weight", column_size(cols.weight), n);
    if (!cols.timestamp.empty()) check_length("interactions", "timestamp", cols.timestamp.size(), n);
    detail::id_index index;
    if (auto dup = index.build(members.id))
        throw config_error(
            fmt::format("members row {}: duplicate id {}", *dup, detail::shown_in_row(members.id[*dup])));
    interaction_table t;
    t.source.reserve(n);
    t.target.reserve(n);
    auto fail = [](std::size_t k, const std::string& what) {
        throw config_error(fmt::format("interactions row {}: {}", k, what));
    };
    auto resolve = [&](std::size_t k, const std::string& id, std::string_view what) {
        const auto at = index.find(id);
        if (!at) fail(k, detail::member_problem(what, id));
        return *at;
    };
    for (std::size_t k = 0; k < n; ++k) {
        t.source.push_back(resolve(k, cols.source[k], "source"));
        t.target.push_back(resolve(k, cols.target[k], "target"));
    }
    t.weight = detail::weight_column(cols.weight, n, "interactions");
    for (std::size_t k = 0; k < cols.timestamp.size(); ++k)
        if (std::isinf(cols.timestamp[k])) fail(k, "timestamp: expected a finite time");
    t.timestamp = cols.timestamp;
    return t;
}

}  // namespace engage_right
