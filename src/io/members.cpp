#include "io/member_rows.hpp"
#include "io/table.hpp"

#include <engage_right/detail/csv.hpp>
#include <engage_right/detail/id_index.hpp>
#include <engage_right/error.hpp>
#include <engage_right/io.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <unordered_map>

namespace engage_right {

using detail::csv_field;
using detail::lower;
using detail::parse_number;
using detail::shown;
using detail::trim;

member_table parse_members(std::string_view text, const journey& j, std::string_view source,
                           const member_read_options& options) {
    detail::csv_table r(text, std::string(source));
    const std::size_t c_id = r.require("id");
    const std::optional<std::size_t> c_stage = r.column("stage", !options.stage_optional);
    // Extra text columns.
    std::vector<std::size_t> extra_col;
    detail::member_rows t(j, options.stage_optional, &shown);
    std::vector<std::string> extra_names;
    for (const auto& name : options.text_columns) {
        const std::string key = lower(trim(name));
        if (std::find(extra_names.begin(), extra_names.end(), key) != extra_names.end()) continue;
        const auto at = r.optional(key);
        if (!at)
            r.fail(r.header_line(), 0,
                   fmt::format("missing column '{}' needed by {} (header has: {})", key, options.needed_by,
                               r.column_list()));
        extra_col.push_back(*at);
        bool numeric = false;
        for (const auto& n : options.numeric_columns) numeric = numeric || lower(trim(n)) == key;
        t.add_extra(key, numeric);
        extra_names.push_back(key);
    }
    const auto c_sat = r.optional("satisfaction");
    const auto c_cap = r.optional("capacity");
    const auto c_opt = r.optional("opted_out");
    const auto c_act = r.optional("activity");
    const auto c_tags = r.optional("tags");
    const auto c_created = r.optional("created");
    if (c_created) t.use_created();

    // Feature columns f_0 .. f_{d-1}, any order, no gaps.
    const std::vector<std::size_t> feature_col = detail::feature_columns(r);
    const std::size_t d = feature_col.size();

    std::vector<float> feats;
    std::vector<std::size_t> lines;  // line of each row, for duplicate messages
    std::vector<csv_field> row;
    auto check = [&](const csv_field& f, const std::string& problem) {
        if (!problem.empty()) r.fail(f, problem);
    };
    while (r.next(row)) {
        check(row[c_id], t.id(row[c_id].text));
        if (c_stage) check(row[*c_stage], t.stage(row[*c_stage].text, true));
        else t.stage({}, false);
        for (std::size_t k = 0; k < extra_col.size(); ++k) check(row[extra_col[k]], t.extra(k, row[extra_col[k]].text));
        if (c_sat) check(row[*c_sat], t.satisfaction(row[*c_sat].text));
        if (c_cap) check(row[*c_cap], t.capacity(row[*c_cap].text));
        if (c_opt) check(row[*c_opt], t.opted_out(row[*c_opt].text));
        if (c_act) check(row[*c_act], t.activity(row[*c_act].text));
        if (c_tags) check(row[*c_tags], t.tags(row[*c_tags].text));
        if (c_created) check(row[*c_created], t.created(row[*c_created].text));
        for (std::size_t k = 0; k < d; ++k) {
            const csv_field& f = row[feature_col[k]];
            float v = 0;
            if (!parse_number(f.text, v)) r.fail(f, detail::member_rows::feature_problem(k, shown(f.text)));
            feats.push_back(v);
        }
        t.end_row();
        lines.push_back(r.reader().record_line());
        if (t.rows() > std::numeric_limits<member_index>::max() - 1)
            r.fail(r.reader().record_line(), 0, "too many members");
    }
    member_table m = t.finish(feature_block::own(std::move(feats), lines.size(), d));
    if (auto dup = detail::member_rows::duplicate_of(m)) {
        r.fail(lines[dup->first], 0,
               fmt::format("duplicate id {} (first defined on line {})", shown(m.id[dup->first]), lines[dup->second]));
    }
    return m;
}

member_table read_members(const std::filesystem::path& path, const journey& j, const member_read_options& options) {
    return parse_members(read_file(path), j, path.string(), options);
}

}  // namespace engage_right
