#include "output.hpp"

#include <engage_right/io.hpp>

#include <fmt/format.h>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace cli {

format parse_format(const std::string& name) {
    if (name == "table") return format::table;
    if (name == "csv") return format::csv;
    if (name == "json") return format::json;
    throw usage_error("option --format: expected table, csv or json, got '" + name + "'");
}

format format_of(const arguments& a) { return parse_format(a.get("format").value_or("table")); }

namespace {

std::string json_escape(const std::string& s) {
    std::string out = "\"";
    for (unsigned char c : s) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                if (c < 0x20) out += fmt::format("\\u{:04x}", c);
                else out += static_cast<char>(c);
        }
    }
    return out + "\"";
}

std::string render(const cell& c, format f) {
    switch (c.type) {
        case cell::kind::text:
            if (f == format::csv) return engage_right::csv_quote(c.text);
            if (f == format::json) return json_escape(c.text);
            return c.text;
        case cell::kind::integer: return std::to_string(c.integer);
        case cell::kind::real:
            if (f == format::json) return json_number(c.real);
            return f == format::csv ? fmt::format("{:.6f}", c.real) : fmt::format("{:.3f}", c.real);
        case cell::kind::null: return f == format::json ? "null" : "";
    }
    return {};
}

}  // namespace

std::string json_string(const std::string& s) { return json_escape(s); }

std::string json_number(double v) { return std::isfinite(v) ? fmt::format("{}", v) : "null"; }

void write_file(const std::string& path, const std::string& what, const std::function<void(std::ostream&)>& body) {
    namespace fs = std::filesystem;
    const fs::path target(path);
    std::error_code ec;
    const auto st = fs::status(target, ec);
    if (!ec && fs::is_directory(st))
        throw usage_error(fmt::format("cannot write {} file '{}': it is a directory", what, path));
    // A device or FIFO (/dev/stdout, a pipe) is written in place; a file is
    // written beside its target and renamed over it once complete, so a
    // failure never leaves a partial or empty file behind.
    const bool in_place = !ec && fs::exists(st) && !fs::is_regular_file(st);
    fs::path tmp = target;
    if (!in_place) tmp += fmt::format(".partial-{}", static_cast<unsigned long>(::getpid()));
    struct remove_unless_done {
        const fs::path& p;
        bool active;
        ~remove_unless_done() {
            std::error_code ignored;
            if (active) fs::remove(p, ignored);
        }
    } cleanup{tmp, !in_place};
    {
        std::ofstream out(tmp, std::ios::binary);
        if (!out) throw usage_error(fmt::format("cannot write {} file '{}'", what, path));
        body(out);
        out.flush();
        if (!out) throw write_error(fmt::format("writing {} file '{}' failed (disk full?)", what, path));
    }
    if (!in_place) {
        fs::rename(tmp, target, ec);
        if (ec) throw write_error(fmt::format("writing {} file '{}' failed: {}", what, path, ec.message()));
        cleanup.active = false;
    }
}

void emit_text(const arguments& a, const std::string& text) {
    if (auto path = a.get("output")) {
        write_file(*path, "output", [&](std::ostream& out) { out << text; });
    } else {
        const std::size_t written = std::fwrite(text.data(), 1, text.size(), stdout);
        if (written != text.size() || std::fflush(stdout) != 0) throw write_error("writing to standard output failed");
    }
}

void emit(const arguments& a, const result_table& t) {
    const format f = format_of(a);
    std::ostringstream buf;
    write(buf, t, f);
    emit_text(a, buf.str());
}

void write(std::ostream& out, const result_table& t, format f) {
    if (f == format::csv) {
        for (std::size_t i = 0; i < t.columns.size(); ++i) out << (i ? "," : "") << t.columns[i];
        out << '\n';
        for (const auto& row : t.rows) {
            for (std::size_t i = 0; i < row.size(); ++i) out << (i ? "," : "") << render(row[i], f);
            out << '\n';
        }
        return;
    }
    if (f == format::json) {
        out << "[";
        for (std::size_t r = 0; r < t.rows.size(); ++r) {
            out << (r ? ",\n  {" : "\n  {");
            for (std::size_t i = 0; i < t.columns.size(); ++i)
                out << (i ? ", " : "") << json_escape(t.columns[i]) << ": " << render(t.rows[r][i], f);
            out << "}";
        }
        out << (t.rows.empty() ? "]\n" : "\n]\n");
        return;
    }
    // Aligned text; numbers right-aligned, the last column left unpadded.
    // Columns are padded to at most max_width: a longer cell (a huge id)
    // runs over instead of padding every other row to its length.
    constexpr std::size_t max_width = 64;
    std::vector<std::size_t> width(t.columns.size());
    std::vector<std::vector<std::string>> cells;
    cells.reserve(t.rows.size());
    for (std::size_t i = 0; i < t.columns.size(); ++i) width[i] = t.columns[i].size();
    for (const auto& row : t.rows) {
        auto& rendered = cells.emplace_back();
        for (std::size_t i = 0; i < row.size(); ++i) {
            rendered.push_back(render(row[i], f));
            const bool last = i + 1 == row.size();  // unpadded: its rule spans it all
            width[i] = std::max(width[i], last ? rendered.back().size() : std::min(rendered.back().size(), max_width));
        }
    }
    std::vector<bool> is_numeric(t.columns.size(), false);
    for (std::size_t i = 0; i < t.columns.size(); ++i)
        for (const auto& row : t.rows)
            if (row[i].type == cell::kind::integer || row[i].type == cell::kind::real) {
                is_numeric[i] = true;
                break;
            }
    auto line = [&](const std::vector<std::string>& items) {
        std::string s;
        for (std::size_t i = 0; i < items.size(); ++i) {
            const bool last = i + 1 == items.size();
            const std::size_t pad = width[i] - std::min(width[i], items[i].size());
            if (i) s += "  ";
            if (is_numeric[i]) s += std::string(pad, ' ') + items[i];
            else s += last ? items[i] : items[i] + std::string(pad, ' ');
        }
        while (!s.empty() && s.back() == ' ') s.pop_back();
        out << s << '\n';
    };
    line(t.columns);
    std::vector<std::string> rule;
    for (auto w : width) rule.push_back(std::string(w, '-'));
    line(rule);
    for (const auto& r : cells) line(r);
    if (t.rows.empty()) out << "(no rows)\n";
}

}  // namespace cli
