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

namespace {

bool parse_bool(std::string_view s, bool& out) {
    s = trim(s);
    const std::string v = lower(s);
    if (v.empty() || v == "0" || v == "false") {
        out = false;
        return true;
    }
    if (v == "1" || v == "true") {
        out = true;
        return true;
    }
    return false;
}

}  // namespace

member_table parse_members(std::string_view text, const journey& j, std::string_view source,
                           const member_read_options& options) {
    detail::csv_table r(text, std::string(source));
    const std::size_t width = r.width();
    const std::size_t c_id = r.require("id");
    const std::optional<std::size_t> c_stage =
        options.stage_optional ? r.optional("stage") : std::optional<std::size_t>(r.require("stage"));
    // Extra text columns.
    std::vector<std::size_t> extra_col;
    std::vector<std::uint8_t> extra_numeric;
    member_table t;
    for (const auto& name : options.text_columns) {
        const std::string key = lower(trim(name));
        bool seen = false;
        for (const auto& c : t.extra) seen = seen || c.name == key;
        if (seen) continue;
        const auto at = r.optional(key);
        if (!at)
            r.fail(r.header_line(), 0,
                   fmt::format("missing column '{}' needed by {} (header has: {})", key, options.needed_by,
                               r.column_list()));
        extra_col.push_back(*at);
        bool numeric = false;
        for (const auto& n : options.numeric_columns) numeric = numeric || lower(trim(n)) == key;
        extra_numeric.push_back(numeric ? 1 : 0);
        t.extra.push_back({key, {}});
    }
    bool all_stages_known = true;
    const auto c_sat = r.optional("satisfaction");
    const auto c_cap = r.optional("capacity");
    const auto c_opt = r.optional("opted_out");
    const auto c_act = r.optional("activity");
    const auto c_tags = r.optional("tags");

    // Feature columns f_0 .. f_{d-1}, any order, no gaps.
    std::vector<std::size_t> feature_col;  // feature k -> column
    {
        std::vector<std::pair<std::size_t, std::size_t>> found;  // (k, column)
        for (std::size_t c = 0; c < width; ++c) {
            const std::string& nm = r.header().names[c];
            if (nm.size() < 3 || nm[0] != 'f' || nm[1] != '_') continue;
            std::size_t k = 0;
            auto [p, ec] = std::from_chars(nm.data() + 2, nm.data() + nm.size(), k);
            if (ec != std::errc() || p != nm.data() + nm.size()) continue;  // e.g. "f_name": an unknown column
            if (nm.size() > 3 && nm[2] == '0')
                r.fail(r.header_fields()[c],
                       fmt::format("feature column '{}' has a leading zero; expected f_{}", nm, k));
            found.emplace_back(k, c);
        }
        std::sort(found.begin(), found.end());
        for (std::size_t i = 0; i < found.size(); ++i) {
            if (found[i].first != i) {
                const auto& at = r.header_fields()[found[i].second];
                if (found[i].first < i) r.fail(at, fmt::format("feature column f_{} appears twice", found[i].first));
                r.fail(at,
                       fmt::format("feature columns must be f_0 .. f_{{d-1}} without gaps: expected f_{}, found f_{}",
                                   i, found[i].first));
            }
            feature_col.push_back(found[i].second);
        }
    }
    const std::size_t d = feature_col.size();

    std::vector<float> feats;
    std::unordered_map<std::string, std::uint32_t> tag_index;
    std::vector<std::size_t> lines;  // line of each row, for duplicate messages
    t.tag_offsets.push_back(0);
    std::vector<csv_field> row;
    std::vector<std::uint32_t> member_tags;
    while (r.next(row)) {
        const csv_field& fid = row[c_id];
        if (fid.text.empty()) r.fail(fid, "empty id: every member needs a unique, non-empty id");
        std::optional<stage_index> st;
        bool known = true;
        if (c_stage) {
            const csv_field& fst = row[*c_stage];
            if (options.stage_optional && trim(fst.text).empty()) known = false;
            else st = j.find_stage(trim(fst.text));
            if (known && !st) r.fail(fst, detail::unknown_stage_problem(j, fst.text));
        } else {
            known = false;
        }
        if (!known) st = stage_index{0};
        if (!known && all_stages_known) {
            all_stages_known = false;
            t.stage_known.assign(t.id.size(), 1);
        }
        if (!all_stages_known) t.stage_known.push_back(known ? 1 : 0);
        for (std::size_t k = 0; k < extra_col.size(); ++k) {
            const csv_field& f = row[extra_col[k]];
            const std::string_view v = trim(f.text);
            if (extra_numeric[k] && !v.empty()) {
                double x = 0;
                if (!parse_number(v, x))
                    r.fail(f, fmt::format("{}: expected a finite number or empty (it is compared with min/max), got {}",
                                          t.extra[k].name, shown(f.text)));
            }
            t.extra[k].values.emplace_back(v);
        }
        std::int8_t sat = unknown_satisfaction;
        if (c_sat) {
            const csv_field& f = row[*c_sat];
            if (!trim(f.text).empty()) {
                int v = 0;
                if (!parse_number(f.text, v) || v < 0 || v > 10)
                    r.fail(f, fmt::format("satisfaction: expected an integer 0-10 or empty, got {}", shown(f.text)));
                sat = static_cast<std::int8_t>(v);
            }
        }
        std::int32_t cap = -1;
        if (c_cap) {
            const csv_field& f = row[*c_cap];
            if (!trim(f.text).empty()) {
                long long v = 0;
                if (!parse_number(f.text, v) || v < 0 || v > 1000000000LL)
                    r.fail(f, fmt::format("capacity: expected an integer >= 0 or empty, got {}", shown(f.text)));
                cap = static_cast<std::int32_t>(v);
            }
        }
        bool opted = false;
        if (c_opt) {
            const csv_field& f = row[*c_opt];
            if (!parse_bool(f.text, opted))
                r.fail(f, fmt::format("opted_out: expected 1, 0, true, false or empty, got {}", shown(f.text)));
        }
        double act = std::numeric_limits<double>::quiet_NaN();
        if (c_act) {
            const csv_field& f = row[*c_act];
            if (!trim(f.text).empty()) {
                if (!parse_number(f.text, act) || act < 0)
                    r.fail(f, fmt::format("activity: expected a finite number >= 0 or empty, got {}", shown(f.text)));
            }
        }
        member_tags.clear();
        if (c_tags) {
            std::string_view rest = row[*c_tags].text;
            while (!rest.empty()) {
                const std::size_t cut = rest.find(';');
                const std::string_view tag = trim(rest.substr(0, cut));
                rest = cut == std::string_view::npos ? std::string_view{} : rest.substr(cut + 1);
                if (tag.empty()) continue;
                const std::string key = lower(tag);
                auto [it, fresh] = tag_index.try_emplace(key, static_cast<std::uint32_t>(t.tag_names.size()));
                if (fresh) t.tag_names.push_back(key);
                member_tags.push_back(it->second);
            }
            std::sort(member_tags.begin(), member_tags.end());
            member_tags.erase(std::unique(member_tags.begin(), member_tags.end()), member_tags.end());
        }
        for (std::size_t k = 0; k < d; ++k) {
            const csv_field& f = row[feature_col[k]];
            float v = 0;
            if (!parse_number(f.text, v))
                r.fail(f, fmt::format("f_{}: expected a finite number, got {}", k, shown(f.text)));
            feats.push_back(v);
        }
        t.id.emplace_back(fid.text);
        t.stage.push_back(*st);
        t.satisfaction.push_back(sat);
        t.capacity.push_back(cap);
        t.opted_out.push_back(opted ? 1 : 0);
        t.activity.push_back(act);
        t.tag_ids.insert(t.tag_ids.end(), member_tags.begin(), member_tags.end());
        t.tag_offsets.push_back(static_cast<std::uint32_t>(t.tag_ids.size()));
        lines.push_back(r.reader().record_line());
        if (t.id.size() > std::numeric_limits<member_index>::max() - 1)
            r.fail(r.reader().record_line(), 0, "too many members");
    }
    // Duplicate ids.
    detail::id_index index;
    if (auto dup = index.build(t.id)) {
        const std::size_t first = *index.find(t.id[*dup]);
        r.fail(lines[*dup], 0,
               fmt::format("duplicate id {} (first defined on line {})", shown(t.id[*dup]), lines[first]));
    }
    const std::size_t n = t.id.size();
    t.features = feature_block::own(std::move(feats), n, d);
    return t;
}

member_table read_members(const std::filesystem::path& path, const journey& j, const member_read_options& options) {
    const std::string text = read_file(path);
    return parse_members(text, j, path.string(), options);
}

}  // namespace engage_right
