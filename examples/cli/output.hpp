#pragma once
// Tabular output of the CLI in three formats: an aligned text table for
// people, CSV and JSON for programs.

#include <ostream>
#include <string>
#include <vector>

namespace cli {

enum class format { table, csv, json };

/// Parse "table", "csv" or "json". @throws usage_error.
format parse_format(const std::string& name);

/// One value of a result row.
struct cell {
    enum class kind { text, integer, real, null } type = kind::text;
    std::string text;
    long long integer = 0;
    double real = 0;

    static cell str(std::string s) { return {kind::text, std::move(s), 0, 0}; }
    static cell num(long long v) { return {kind::integer, {}, v, 0}; }
    static cell dec(double v) { return {kind::real, {}, 0, v}; }
    static cell none() { return {kind::null, {}, 0, 0}; }
};

struct result_table {
    std::vector<std::string> columns;
    std::vector<std::vector<cell>> rows;
};

/// Write a table. Reals: 3 decimals in tables, 6 in CSV, shortest round-trip
/// form in JSON. JSON is an array of objects keyed by column.
void write(std::ostream& out, const result_table& t, format f);

/// A JSON string literal.
std::string json_string(const std::string& s);

}  // namespace cli
