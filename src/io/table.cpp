#include "io/table.hpp"

#include <engage_right/error.hpp>
#include <engage_right/io.hpp>
#include <engage_right/journey.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>

namespace engage_right::detail {

csv_table::csv_table(std::string_view text, std::string source) : reader_(text, std::move(source)) {
    // A bound on the header, so that a line of separators cannot claim
    // memory for millions of column names.
    constexpr std::size_t max_columns = std::size_t{1} << 20;
    if (!reader_.next(fields_, max_columns + 1))
        reader_.fail(1, 0, "empty file: expected a header line naming the columns");
    header_line_ = reader_.record_line();
    if (reader_.field_count() > max_columns)
        reader_.fail(
            header_line_, 0,
            fmt::format("the header has {} columns; at most {} are supported", reader_.field_count(), max_columns));
    for (const auto& f : fields_) header_.names.push_back(lower(trim(f.text)));
}

std::string csv_table::column_list() const {
    std::string cols;
    for (const auto& n : header_.names) cols += (cols.empty() ? "" : ", ") + n;
    return cols;
}

void csv_table::check_once(std::size_t at, std::string_view name) {
    // A known column named twice is ambiguous.
    for (std::size_t i = at + 1; i < header_.names.size(); ++i)
        if (header_.names[i] == name)
            reader_.fail(fields_[i], fmt::format("column '{}' appears twice in the header", name));
}

std::size_t csv_table::require(std::string_view name, std::string_view why) {
    const auto at = header_.find(name);
    if (!at)
        reader_.fail(header_line_, 0,
                     fmt::format("missing required column '{}'{} (header has: {})", name, why, column_list()));
    check_once(*at, name);
    return *at;
}

std::optional<std::size_t> csv_table::optional(std::string_view name) {
    const auto at = header_.find(name);
    if (at) check_once(*at, name);
    return at;
}

std::optional<std::size_t> csv_table::column(std::string_view name, bool required, std::string_view why) {
    if (required) return require(name, why);
    return optional(name);
}

std::string field_count_problem(std::size_t width, std::size_t got) {
    return fmt::format("expected {} fields as in the header, got {}", width, got);
}

bool csv_table::next(std::vector<csv_field>& row) {
    const std::size_t w = width();
    if (!reader_.next(row, w + 1)) return false;  // one more than the header shows a surplus
    if (reader_.field_count() != w)
        reader_.fail(reader_.record_line(), row.size() > w ? row[w].column : 0,
                     field_count_problem(w, reader_.field_count()));
    return true;
}

std::string timestamp_expected(std::string_view column) {
    return fmt::format("{}: expected unix seconds or ISO-8601 (e.g. 2026-03-14T09:30:00Z) in years 0001-9999", column);
}

std::string timestamp_problem(std::string_view text, std::string_view column) {
    return fmt::format("{}, got {}", timestamp_expected(column), shown(text));
}

double timestamp_cell(const csv_table& t, const csv_field& f, bool empty_named) {
    if (empty_named && trim(f.text).empty())
        t.fail(f, "timestamp: expected unix seconds or ISO-8601, got an empty field");
    const auto v = parse_timestamp(f.text);
    if (!v) t.fail(f, timestamp_problem(f.text));
    return *v;
}

std::string member_problem(std::string_view what, std::string_view text) {
    if (text.empty()) return fmt::format("{}: expected a member id, got an empty field", what);
    return fmt::format("{}: unknown member id {} (not in the members file)", what, shown(text));
}

std::string unknown_stage_problem(const journey& j, std::string_view text, std::string (*quote)(std::string_view)) {
    std::string names;
    for (const auto& n : j.stages()) names += (names.empty() ? "" : ", ") + n;
    return fmt::format("unknown stage {} (journey '{}' has: {})", quote(text), j.name(), names);
}

bool weight_value(std::string_view text, double& out) {
    out = 1.0;
    return trim(text).empty() || (parse_number(text, out) && out > 0);
}

bool weight_value(double value, double& out) {
    out = std::isnan(value) ? 1.0 : value;
    return std::isfinite(out) && out > 0;
}

std::string weight_problem(std::string_view shown_value) {
    return fmt::format("weight: expected a finite number > 0 or empty, got {}", shown_value);
}

double weight_cell(const csv_table& t, const csv_field& f) {
    double w = 1.0;
    if (!weight_value(f.text, w)) t.fail(f, weight_problem(shown(f.text)));
    return w;
}

std::size_t column_size(const data_column& c) noexcept {
    if (const auto* d = std::get_if<std::vector<double>>(&c)) return d->size();
    if (const auto* t = std::get_if<std::vector<std::string>>(&c)) return t->size();
    return 0;
}

std::string weight_row(const data_column& column, std::size_t k, double& out) {
    out = 1.0;
    if (const auto* d = std::get_if<std::vector<double>>(&column))
        return weight_value((*d)[k], out) ? std::string() : weight_problem(fmt::format("{}", (*d)[k]));
    if (const auto* x = std::get_if<std::vector<std::string>>(&column))
        return weight_value((*x)[k], out) ? std::string() : weight_problem(shown_in_row((*x)[k]));
    return {};
}

std::vector<double> weight_column(const data_column& column, std::size_t n, std::string_view what) {
    if (std::holds_alternative<std::monostate>(column)) return {};
    std::vector<double> out(n);
    for (std::size_t k = 0; k < n; ++k)
        if (auto problem = weight_row(column, k, out[k]); !problem.empty())
            throw config_error(fmt::format("{} row {}: {}", what, k, problem));
    return out;
}

void tag_vocabulary::split(std::string_view rest, std::vector<std::uint32_t>& out) {
    const std::size_t first = out.size();
    while (!rest.empty()) {
        const std::size_t cut = rest.find(';');
        const std::string_view tag = trim(rest.substr(0, cut));
        rest = cut == std::string_view::npos ? std::string_view{} : rest.substr(cut + 1);
        if (tag.empty()) continue;
        std::string key = lower(tag);
        auto [it, fresh] = index_.try_emplace(key, static_cast<std::uint32_t>(names_.size()));
        if (fresh) names_.push_back(std::move(key));
        out.push_back(it->second);
    }
    const auto begin = out.begin() + static_cast<std::ptrdiff_t>(first);
    std::sort(begin, out.end());
    out.erase(std::unique(begin, out.end()), out.end());
}

bool flag_value(std::string_view text, std::uint8_t& out) {
    const std::string v = lower(trim(text));
    if (v.empty() || v == "0" || v == "false") out = 0;
    else if (v == "1" || v == "true") out = 1;
    else return false;
    return true;
}

bool flag_value(double v, std::uint8_t& out) {
    if (std::isnan(v) || v == 0) out = 0;
    else if (v == 1) out = 1;
    else return false;
    return true;
}

std::vector<std::size_t> feature_columns(const csv_table& r) {
    std::vector<std::size_t> feature_col;                    // feature k -> column
    std::vector<std::pair<std::size_t, std::size_t>> found;  // (k, column)
    for (std::size_t c = 0; c < r.width(); ++c) {
        const std::string& nm = r.header().names[c];
        if (nm.size() < 3 || nm[0] != 'f' || nm[1] != '_') continue;
        std::size_t k = 0;
        auto [p, ec] = std::from_chars(nm.data() + 2, nm.data() + nm.size(), k);
        if (ec != std::errc() || p != nm.data() + nm.size()) continue;  // e.g. "f_name": an unknown column
        if (nm.size() > 3 && nm[2] == '0')
            r.fail(r.header_fields()[c], fmt::format("feature column '{}' has a leading zero; expected f_{}", nm, k));
        found.emplace_back(k, c);
    }
    std::sort(found.begin(), found.end());
    for (std::size_t i = 0; i < found.size(); ++i) {
        if (found[i].first != i) {
            const auto& at = r.header_fields()[found[i].second];
            if (found[i].first < i) r.fail(at, fmt::format("feature column f_{} appears twice", found[i].first));
            r.fail(at, fmt::format("feature columns must be f_0 .. f_{{d-1}} without gaps: expected f_{}, found f_{}",
                                   i, found[i].first));
        }
        feature_col.push_back(found[i].second);
    }
    return feature_col;
}

}  // namespace engage_right::detail
