#pragma once
// The column rules every CSV reader shares: the header line, required and
// optional columns (a known column named twice is an error), the field count
// of each record, and the cell rules for ids, weights and timestamps. Every
// reader in src/io uses these, so a rule and its message exist once.

#include <engage_right/detail/csv.hpp>
#include <engage_right/io.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace engage_right {
class journey;
}

namespace engage_right::detail {

/// A CSV file opened at its header line.
class csv_table {
public:
    /// Reads the header. @throws input_error for an empty file.
    csv_table(std::string_view text, std::string source);

    /// Column of a required name. @throws input_error (header line) when
    /// missing, naming `why` after the column when given, or when named twice.
    std::size_t require(std::string_view name, std::string_view why = {});
    /// Column of an optional name. @throws input_error when named twice.
    std::optional<std::size_t> optional(std::string_view name);
    /// require() when `required`, else optional().
    std::optional<std::size_t> column(std::string_view name, bool required, std::string_view why = {});
    /// The header's names, trimmed and lower-cased, joined by ", ".
    std::string column_list() const;

    /// The next record, checked to have the header's field count.
    /// Returns false at the end. @throws input_error.
    bool next(std::vector<csv_field>& row);

    std::size_t width() const noexcept { return header_.names.size(); }
    std::size_t header_line() const noexcept { return header_line_; }
    const csv_header& header() const noexcept { return header_; }
    const std::vector<csv_field>& header_fields() const noexcept { return fields_; }
    csv_reader& reader() noexcept { return reader_; }

    [[noreturn]] void fail(const csv_field& at, const std::string& what) const { reader_.fail(at, what); }
    [[noreturn]] void fail(std::size_t line, std::size_t column, const std::string& what) const {
        reader_.fail(line, column, what);
    }

private:
    void check_once(std::size_t at, std::string_view name);

    csv_reader reader_;
    csv_header header_;
    std::vector<csv_field> fields_;
    std::size_t header_line_ = 0;
};

/// "expected N fields as in the header, got M" for a record of the wrong width.
std::string field_count_problem(std::size_t width, std::size_t got);

/// The timestamp message: what a timestamp cell must hold.
std::string timestamp_problem(std::string_view text, std::string_view column = "timestamp");
/// "COLUMN: expected unix seconds or ISO-8601 (e.g. ...) in years 0001-9999":
/// the words of the time rule, for cells that quote their value themselves.
std::string timestamp_expected(std::string_view column);

/// A required timestamp cell. @throws input_error at the field (an empty
/// field names itself as such when `empty_named`).
double timestamp_cell(const csv_table& t, const csv_field& f, bool empty_named);

/// "WHAT: expected a member id, got an empty field" or "WHAT: unknown member
/// id "X" (not in the members file)", for a member id that resolves to no one.
std::string member_problem(std::string_view what, std::string_view text);

/// A member id cell resolved by `find` (text -> optional index).
/// @throws input_error at the field when empty or unknown.
template <class Find>
auto member_cell(const csv_table& t, const csv_field& f, std::string_view what, Find&& find) {
    const auto at = find(f.text);
    if (!at) t.fail(f, member_problem(what, f.text));
    return *at;
}

/// `unknown stage "X" (journey 'J' has: a, b, c)`.
std::string unknown_stage_problem(const journey& j, std::string_view text,
                                  std::string (*quote)(std::string_view) = &shown);

/// The weight rule: empty means 1, else a finite number > 0. Returns false
/// when `text` breaks it.
bool weight_value(std::string_view text, double& out);
/// The same rule for a number (NaN = empty).
bool weight_value(double value, double& out);
/// "weight: expected a finite number > 0 or empty, got X".
std::string weight_problem(std::string_view shown_value);

/// An optional weight cell: 1 when empty, else a finite number > 0.
/// @throws input_error at the field.
double weight_cell(const csv_table& t, const csv_field& f);

/// Cells in an in-memory column (0 when absent).
std::size_t column_size(const data_column& column) noexcept;

/// The weight rule on row `k` of an in-memory column (absent: 1): what is
/// wrong with the cell ("weight: ..."), empty when `out` got its weight.
std::string weight_row(const data_column& column, std::size_t k, double& out);

/// The weight rule over an in-memory column of `n` cells: the weights (1
/// for empty cells), or none when the column is absent. A bad cell throws
/// config_error "`what` row K: weight: ...".
std::vector<double> weight_column(const data_column& column, std::size_t n, std::string_view what);

/// The tags rule of members.csv and content.csv: `;`-separated, each tag
/// trimmed and lower-cased, empty tags skipped, duplicates dropped. Appends
/// the sorted, distinct ids of the tags in `joined` to `out` (new tags get
/// the next id in `names`).
class tag_vocabulary {
public:
    explicit tag_vocabulary(std::vector<std::string>& names) : names_(names) {}
    void split(std::string_view joined, std::vector<std::uint32_t>& out);

private:
    std::vector<std::string>& names_;
    std::unordered_map<std::string, std::uint32_t> index_;
};

/// The flag rule (opted_out, accepted): 1, 0, true, false (any case) or
/// empty (0). Returns false when `text` breaks it.
bool flag_value(std::string_view text, std::uint8_t& out);
/// The same rule for a number (NaN = empty): 0 or 1.
bool flag_value(double value, std::uint8_t& out);

/// The feature columns f_0 .. f_{d-1} of a header (any order, no gaps, no
/// leading zeros), as column positions by feature index.
/// @throws input_error at the offending header field.
std::vector<std::size_t> feature_columns(const csv_table& t);

}  // namespace engage_right::detail
