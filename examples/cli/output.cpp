#include "output.hpp"

#include <engage_right/io.hpp>

#include "options.hpp"


#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace cli {

format parse_format(const std::string& name) {
    if (name == "table") return format::table;
    if (name == "csv") return format::csv;
    if (name == "json") return format::json;
    throw usage_error("option --format: expected table, csv or json, got '" + name + "'");
}

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
            if (f == format::json) return std::isfinite(c.real) ? fmt::format("{}", c.real) : "null";
            return f == format::csv ? fmt::format("{:.6f}", c.real) : fmt::format("{:.3f}", c.real);
        case cell::kind::null: return f == format::json ? "null" : "";
    }
    return {};
}

}  // namespace

std::string json_string(const std::string& s) { return json_escape(s); }

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
    std::vector<std::size_t> width(t.columns.size());
    std::vector<std::vector<std::string>> cells;
    cells.reserve(t.rows.size());
    for (std::size_t i = 0; i < t.columns.size(); ++i) width[i] = t.columns[i].size();
    for (const auto& row : t.rows) {
        auto& rendered = cells.emplace_back();
        for (std::size_t i = 0; i < row.size(); ++i) {
            rendered.push_back(render(row[i], f));
            width[i] = std::max(width[i], rendered.back().size());
        }
    }
    std::vector<bool> is_numeric(t.columns.size(), false);
    for (std::size_t i = 0; i < t.columns.size(); ++i)
        for (const auto& row : t.rows)
            if (row[i].type == cell::kind::integer || row[i].type == cell::kind::real) {
                is_numeric[i] = true;
                break;
            }
    auto numeric = [&](std::size_t i) { return is_numeric[i]; };
    auto line = [&](const std::vector<std::string>& items, bool header) {
        std::string s;
        for (std::size_t i = 0; i < items.size(); ++i) {
            const bool last = i + 1 == items.size();
            const std::size_t pad = width[i] - items[i].size();
            if (i) s += "  ";
            if (numeric(i) && !header) s += std::string(pad, ' ') + items[i];
            else if (numeric(i) && header) s += std::string(pad, ' ') + items[i];
            else s += last ? items[i] : items[i] + std::string(pad, ' ');
        }
        while (!s.empty() && s.back() == ' ') s.pop_back();
        out << s << '\n';
    };
    line(t.columns, true);
    std::vector<std::string> rule;
    for (auto w : width) rule.push_back(std::string(w, '-'));
    line(rule, true);
    for (const auto& r : cells) line(r, false);
    if (t.rows.empty()) out << "(no rows)\n";
}

}  // namespace cli
