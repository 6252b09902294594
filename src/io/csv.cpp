#include <engage_right/detail/csv.hpp>
#include <engage_right/error.hpp>
#include <engage_right/io.hpp>

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <fstream>

namespace engage_right {

input_error::input_error(std::string file, std::size_t line, std::size_t column, const std::string& what)
    : error(column > 0 ? fmt::format("{}:{}:{}: {}", file, line, column, what)
                       : fmt::format("{}:{}: {}", file, line, what)),
      file_(std::move(file)),
      line_(line),
      column_(column),
      detail_(what) {}

namespace detail {

csv_reader::csv_reader(std::string_view text, std::string source) : text_(text), source_(std::move(source)) {
    if (text_.size() >= 3 && static_cast<unsigned char>(text_[0]) == 0xEF &&
        static_cast<unsigned char>(text_[1]) == 0xBB && static_cast<unsigned char>(text_[2]) == 0xBF) {
        pos_ = 3;
        line_start_ = 3;
    }
}

void csv_reader::fail(const csv_field& at, const std::string& what) const { fail(at.line, at.column, what); }

void csv_reader::fail(std::size_t line, std::size_t column, const std::string& what) const {
    throw input_error(source_, line, column, what);
}

bool csv_reader::next(std::vector<csv_field>& fields, std::size_t keep) {
    fields.clear();
    count_ = 0;
    const std::size_t n = text_.size();
    const char* s = text_.data();
    // Skip blank lines.
    while (pos_ < n && (s[pos_] == '\n' || s[pos_] == '\r')) {
        if (s[pos_] == '\r' && pos_ + 1 < n && s[pos_ + 1] == '\n') ++pos_;
        ++pos_;
        ++line_;
        line_start_ = pos_;
    }
    if (pos_ >= n) return false;
    record_line_ = line_;
    std::size_t scratch_used = 0;
    for (;;) {
        csv_field f;
        f.line = line_;
        f.column = pos_ - line_start_ + 1;
        if (pos_ < n && s[pos_] == '"') {
            const std::size_t open_line = line_, open_col = f.column;
            ++pos_;
            const bool stored = count_ < keep;
            if (stored && scratch_used == scratch_.size()) scratch_.emplace_back();
            std::string& buf = stored ? scratch_[scratch_used++] : overflow_;
            buf.clear();
            for (;;) {
                if (pos_ >= n)
                    fail(open_line, open_col, "unterminated quoted field (the quote opened here is never closed)");
                const char c = s[pos_];
                if (c == '"') {
                    if (pos_ + 1 < n && s[pos_ + 1] == '"') {
                        buf.push_back('"');
                        pos_ += 2;
                        continue;
                    }
                    ++pos_;
                    break;
                }
                if (c == '\n' || c == '\r') {
                    if (c == '\r' && pos_ + 1 < n && s[pos_ + 1] == '\n') {
                        buf.push_back('\r');
                        ++pos_;
                    }
                    buf.push_back(s[pos_]);
                    ++pos_;
                    ++line_;
                    line_start_ = pos_;
                    continue;
                }
                buf.push_back(c);
                ++pos_;
            }
            f.text = buf;
            // Allow spaces between the closing quote and the separator.
            while (pos_ < n && (s[pos_] == ' ' || s[pos_] == '\t')) ++pos_;
            if (pos_ < n && s[pos_] != ',' && s[pos_] != '\n' && s[pos_] != '\r')
                fail(line_, pos_ - line_start_ + 1, "expected ',' or end of line after a closing quote");
        } else {
            const std::size_t start = pos_;
            while (pos_ < n && s[pos_] != ',' && s[pos_] != '\n' && s[pos_] != '\r') ++pos_;
            f.text = std::string_view(s + start, pos_ - start);
        }
        if (count_++ < keep) fields.push_back(f);
        if (pos_ >= n) return true;
        if (s[pos_] == ',') {
            ++pos_;
            continue;
        }
        // End of line.
        if (s[pos_] == '\r' && pos_ + 1 < n && s[pos_ + 1] == '\n') ++pos_;
        ++pos_;
        ++line_;
        line_start_ = pos_;
        return true;
    }
}

std::string_view trim(std::string_view s) noexcept {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

std::optional<std::size_t> csv_header::find(std::string_view name) const noexcept {
    for (std::size_t i = 0; i < names.size(); ++i)
        if (names[i] == name) return i;
    return std::nullopt;
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        auto x = static_cast<unsigned char>(a[i]);
        auto y = static_cast<unsigned char>(b[i]);
        if (x >= 'A' && x <= 'Z') x = static_cast<unsigned char>(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z') y = static_cast<unsigned char>(y - 'A' + 'a');
        if (x != y) return false;
    }
    return true;
}

namespace {

std::string quoted(std::string_view s, char q) {
    if (s.size() > 40) return fmt::format("{}{}...{}", q, s.substr(0, 40), q);
    return fmt::format("{}{}{}", q, s, q);
}

}  // namespace

std::string shown(std::string_view s) { return quoted(s, '"'); }

std::string shown_in_row(std::string_view s) { return quoted(s, '\''); }

}  // namespace detail

bool is_blank(std::string_view text) noexcept { return detail::trim(text).empty(); }

std::string csv_quote(std::string_view s) {
    bool need = false;
    for (char c : s) need = need || c == ',' || c == '"' || c == '\n' || c == '\r';
    if (!need && !s.empty() && (s.front() == ' ' || s.back() == ' ')) need = true;
    if (!need) return std::string(s);
    std::string out = "\"";
    for (char c : s) {
        if (c == '"') out += "\"\"";
        else out += c;
    }
    out += '"';
    return out;
}

namespace detail {

std::string text_problem(std::string_view s) {
    const auto* b = reinterpret_cast<const unsigned char*>(s.data());
    const std::size_t n = s.size();
    auto bad = [&](std::size_t k) {
        return fmt::format("expected UTF-8 text without control characters, got byte 0x{:02X} at byte {}", b[k], k);
    };
    for (std::size_t k = 0; k < n;) {
        const unsigned char c = b[k];
        if (c < 0x80) {
            if (c < 0x20 || c == 0x7F) return bad(k);
            ++k;
            continue;
        }
        // Lead byte: length and the smallest code point of that length
        // (overlong forms are invalid), per RFC 3629.
        std::size_t len = 0;
        std::uint32_t cp = 0;
        if (c >= 0xC2 && c <= 0xDF) len = 2, cp = c & 0x1Fu;
        else if (c >= 0xE0 && c <= 0xEF) len = 3, cp = c & 0x0Fu;
        else if (c >= 0xF0 && c <= 0xF4) len = 4, cp = c & 0x07u;
        else return bad(k);
        if (k + len > n) return bad(k);
        for (std::size_t i = 1; i < len; ++i) {
            if ((b[k + i] & 0xC0u) != 0x80u) return bad(k + i);
            cp = (cp << 6) | (b[k + i] & 0x3Fu);
        }
        if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
            (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
            return bad(k);
        k += len;
    }
    return {};
}

}  // namespace detail

std::string read_file(const std::filesystem::path& path) {
    // Only regular files: a directory, FIFO or device is not an input file
    // (a FIFO or device could block or never end).
    std::error_code ec;
    const auto st = std::filesystem::status(path, ec);
    if (!ec && std::filesystem::is_directory(st))
        throw input_error(path.string(), 0, 0, "is a directory, expected a file");
    if (!ec && std::filesystem::exists(st) && !std::filesystem::is_regular_file(st))
        throw input_error(path.string(), 0, 0, "is not a regular file (a FIFO, socket or device), expected a file");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw input_error(path.string(), 0, 0, "cannot open file");
    in.seekg(0, std::ios::end);
    const auto size = in.tellg();
    in.seekg(0, std::ios::beg);
    std::string text;
    if (size > 0) {
        text.resize(static_cast<std::size_t>(size));
        in.read(text.data(), static_cast<std::streamsize>(size));
    }
    if (!in && !in.eof()) throw input_error(path.string(), 0, 0, "cannot read file");
    return text;
}

}  // namespace engage_right
