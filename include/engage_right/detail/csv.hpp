#pragma once
/// @file detail/csv.hpp
/// RFC 4180 tokenizer with line/column tracking, shared by every reader.

#include <charconv>
#include <cmath>
#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <vector>

namespace engage_right::detail {

/// One field of a record. `text` stays valid until the next call to next().
struct csv_field {
    std::string_view text;
    std::size_t line = 0;    ///< 1-based line where the field starts
    std::size_t column = 0;  ///< 1-based byte column where the field starts
};

/// Splits CSV text into records. Skips a leading UTF-8 BOM and blank lines;
/// accepts LF, CRLF and CR line ends; quoted fields may hold separators,
/// doubled quotes and line breaks.
class csv_reader {
public:
    csv_reader(std::string_view text, std::string source);

    /// Read the next record. Returns false at the end of the input. At most
    /// `keep` fields are stored (the rest are only counted, see
    /// field_count()), so a line of millions of separators costs no memory.
    /// @throws input_error on an unterminated quote or text after a closing quote.
    bool next(std::vector<csv_field>& fields, std::size_t keep = static_cast<std::size_t>(-1));
    /// Fields in the last record read, stored or not.
    std::size_t field_count() const noexcept { return count_; }

    /// Line where the last record returned by next() started.
    std::size_t record_line() const noexcept { return record_line_; }
    /// Line just past the end of the input (for "missing" errors).
    std::size_t end_line() const noexcept { return line_; }
    const std::string& source() const noexcept { return source_; }

    /// Throw an input_error at a field.
    [[noreturn]] void fail(const csv_field& at, const std::string& what) const;
    /// Throw an input_error at a line (column 0 when not known).
    [[noreturn]] void fail(std::size_t line, std::size_t column, const std::string& what) const;

private:
    std::string_view text_;
    std::string source_;
    std::size_t pos_ = 0;
    std::size_t line_ = 1;
    std::size_t line_start_ = 0;
    std::size_t record_line_ = 0;
    std::size_t count_ = 0;
    std::string overflow_;             // quoted fields past `keep`
    std::deque<std::string> scratch_;  // deque: growing keeps earlier fields valid
};

/// Header lookup: column index by (trimmed, ASCII case-insensitive) name.
struct csv_header {
    std::vector<std::string> names;  ///< trimmed, lower-cased
    std::optional<std::size_t> find(std::string_view name) const noexcept;
};

/// Trim ASCII spaces and tabs.
std::string_view trim(std::string_view s) noexcept;

/// ASCII lower case.
std::string lower(std::string_view s);

/// Equal ignoring ASCII case.
bool iequals(std::string_view a, std::string_view b) noexcept;

/// A value quoted for an error message, shortened past 40 characters.
std::string shown(std::string_view s);

/// The same in single quotes, for errors naming a row of in-memory columns.
std::string shown_in_row(std::string_view s);

/// The text rule for names that reach the output (ids, tags, action names):
/// empty when `s` is valid UTF-8 without control characters (U+0000 to
/// U+001F, U+007F), else "expected UTF-8 text without control characters,
/// got byte 0xNN at byte K" (0-based), so that JSON, GraphML and tables
/// stay valid.
std::string text_problem(std::string_view s);

/// Parse a number filling the whole field (spaces trimmed, an optional
/// leading '+'); reals must be finite.
template <class T>
bool parse_number(std::string_view s, T& out) noexcept {
    s = trim(s);
    if (s.empty()) return false;
    const char* b = s.data();
    const char* e = b + s.size();
    if (*b == '+') ++b;
    auto [p, ec] = std::from_chars(b, e, out);
    if (ec != std::errc() || p != e) return false;
    if constexpr (std::is_floating_point_v<T>) return std::isfinite(out);
    return true;
}

/// Parse a finite real number (spaces trimmed, an optional leading '+').
inline bool parse_real(std::string_view s, double& out) noexcept { return parse_number(s, out); }

}  // namespace engage_right::detail
