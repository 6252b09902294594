#pragma once
// Output of the CLI: tables in three formats (an aligned text table for
// people, CSV and JSON for programs), and where the output goes.

#include "options.hpp"

#include <cmath>
#include <functional>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cli {

enum class format { table, csv, json };

/// Parse "table", "csv" or "json". @throws usage_error.
format parse_format(const std::string& name);
/// The `--format` option of a command (default table). @throws usage_error.
format format_of(const arguments& a);

/// One value of a result row.
struct cell {
    enum class kind { text, integer, real, null } type = kind::text;
    std::string text;
    long long integer = 0;
    double real = 0;

    static cell str(std::string s) { return {kind::text, std::move(s), 0, 0}; }
    static cell num(long long v) { return {kind::integer, {}, v, 0}; }
    static cell count(std::size_t v) { return num(static_cast<long long>(v)); }
    static cell dec(double v) { return {kind::real, {}, 0, v}; }
    /// A real, or null where it is undefined (NaN).
    static cell dec_or_none(double v) { return std::isnan(v) ? none() : dec(v); }
    static cell none() { return {kind::null, {}, 0, 0}; }
};

struct result_table {
    std::vector<std::string> columns;
    std::vector<std::vector<cell>> rows;

    result_table() = default;
    /// The columns of a result (engage_right/columns.hpp), room for `rows` rows.
    explicit result_table(std::span<const std::string_view> names, std::size_t expected_rows = 0)
        : columns(names.begin(), names.end()) {
        rows.reserve(expected_rows);
    }
};

/// Write a table. Reals: 3 decimals in tables, 6 in CSV, shortest round-trip
/// form in JSON. JSON is an array of objects keyed by column.
void write(std::ostream& out, const result_table& t, format f);

/// A JSON string literal.
std::string json_string(const std::string& s);
/// A JSON number in shortest round-trip form; null when not finite.
std::string json_number(double v);

/// Write a file with `body`: to a temporary file beside it, renamed over
/// PATH once complete (devices and FIFOs such as /dev/stdout are written in
/// place), so a failure leaves no partial file. @throws usage_error "cannot
/// write WHAT file 'PATH'" when it cannot be opened, write_error (exit 1)
/// when writing or renaming fails.
void write_file(const std::string& path, const std::string& what, const std::function<void(std::ostream&)>& body);

/// Write a command's output to `--output FILE` when given, else to
/// standard output. @throws usage_error when the file cannot be opened.
void emit_text(const arguments& a, const std::string& text);
/// emit_text of a table in the command's `--format`.
void emit(const arguments& a, const result_table& t);

}  // namespace cli
