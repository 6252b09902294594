#include <engage_right/detail/csv.hpp>
#include <engage_right/detail/id_index.hpp>
#include <engage_right/error.hpp>
#include <engage_right/io.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>
#include <type_traits>
#include <unordered_map>

namespace engage_right {

using detail::csv_field;
using detail::csv_reader;
using detail::trim;
using detail::lower;
using detail::shown;
using detail::parse_number;

namespace {

struct header_info {
    detail::csv_header header;
    std::vector<csv_field> fields;  // header fields, for positions
};

header_info read_header(csv_reader& r) {
    header_info h;
    if (!r.next(h.fields)) r.fail(1, 0, "empty file: expected a header line naming the columns");
    for (std::size_t i = 0; i < h.fields.size(); ++i) {
        std::string name = lower(trim(h.fields[i].text));
        h.header.names.push_back(name);
    }
    return h;
}

std::size_t require(csv_reader& r, const header_info& h, std::string_view name) {
    auto at = h.header.find(name);
    if (!at) {
        std::string cols;
        for (const auto& n : h.header.names) cols += (cols.empty() ? "" : ", ") + n;
        r.fail(r.record_line(), 0, fmt::format("missing required column '{}' (header has: {})", name, cols));
    }
    // A known column named twice is ambiguous.
    for (std::size_t i = *at + 1; i < h.header.names.size(); ++i)
        if (h.header.names[i] == name)
            r.fail(h.fields[i], fmt::format("column '{}' appears twice in the header", name));
    return *at;
}

std::optional<std::size_t> optional_column(csv_reader& r, const header_info& h, std::string_view name) {
    auto at = h.header.find(name);
    if (at)
        for (std::size_t i = *at + 1; i < h.header.names.size(); ++i)
            if (h.header.names[i] == name)
                r.fail(h.fields[i], fmt::format("column '{}' appears twice in the header", name));
    return at;
}

void check_width(csv_reader& r, const std::vector<csv_field>& row, std::size_t width) {
    if (row.size() != width)
        r.fail(r.record_line(), row.size() > width ? row[width].column : 0,
               fmt::format("expected {} fields as in the header, got {}", width, row.size()));
}

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

// Days since 1970-01-01 of a civil date (proleptic Gregorian).
long long days_from_civil(long long y, unsigned m, unsigned d) noexcept {
    y -= m <= 2;
    const long long era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<long long>(doe) - 719468;
}

bool digits(std::string_view s, std::size_t pos, std::size_t count, int& out) {
    if (pos + count > s.size()) return false;
    int v = 0;
    for (std::size_t i = pos; i < pos + count; ++i) {
        if (s[i] < '0' || s[i] > '9') return false;
        v = v * 10 + (s[i] - '0');
    }
    out = v;
    return true;
}

}  // namespace

std::optional<double> parse_timestamp(std::string_view text) noexcept {
    std::string_view s = trim(text);
    if (s.empty()) return std::nullopt;
    // Unix seconds.
    if (s.find('-', 1) == std::string_view::npos && s.find(':') == std::string_view::npos) {
        double v = 0;
        if (parse_number(s, v)) return v;
        return std::nullopt;
    }
    int y = 0, mo = 0, d = 0;
    if (!digits(s, 0, 4, y) || s.size() < 10 || s[4] != '-' || !digits(s, 5, 2, mo) || s[7] != '-' ||
        !digits(s, 8, 2, d))
        return std::nullopt;
    static constexpr int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (mo < 1 || mo > 12 || d < 1) return std::nullopt;
    const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (d > mdays[mo - 1] + (mo == 2 && leap ? 1 : 0)) return std::nullopt;
    double secs = static_cast<double>(days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d))) * 86400.0;
    std::size_t p = 10;
    if (p == s.size()) return secs;
    if (s[p] != 'T' && s[p] != 't' && s[p] != ' ') return std::nullopt;
    ++p;
    int hh = 0, mm = 0, ss = 0;
    if (!digits(s, p, 2, hh) || p + 2 >= s.size() || s[p + 2] != ':' || !digits(s, p + 3, 2, mm)) return std::nullopt;
    p += 5;
    double frac = 0;
    if (p < s.size() && s[p] == ':') {
        if (!digits(s, p + 1, 2, ss)) return std::nullopt;
        p += 3;
        if (p < s.size() && (s[p] == '.' || s[p] == ',')) {
            std::size_t q = p + 1;
            double scale = 0.1;
            if (q >= s.size() || s[q] < '0' || s[q] > '9') return std::nullopt;
            while (q < s.size() && s[q] >= '0' && s[q] <= '9') {
                frac += (s[q] - '0') * scale;
                scale /= 10;
                ++q;
            }
            p = q;
        }
    }
    if (hh > 23 || mm > 59 || ss > 60) return std::nullopt;
    secs += hh * 3600.0 + mm * 60.0 + ss + frac;
    if (p == s.size()) return secs;
    if (s[p] == 'Z' || s[p] == 'z') return p + 1 == s.size() ? std::optional<double>(secs) : std::nullopt;
    if (s[p] == '+' || s[p] == '-') {
        const int sign = s[p] == '+' ? 1 : -1;
        int oh = 0, om = 0;
        if (!digits(s, p + 1, 2, oh)) return std::nullopt;
        std::size_t q = p + 3;
        if (q < s.size() && s[q] == ':') ++q;
        if (q < s.size()) {
            if (!digits(s, q, 2, om)) return std::nullopt;
            q += 2;
        }
        if (q != s.size() || oh > 23 || om > 59) return std::nullopt;
        return secs - sign * (oh * 3600.0 + om * 60.0);
    }
    return std::nullopt;
}

std::string format_timestamp(double unix_seconds) {
    if (!std::isfinite(unix_seconds)) return {};
    // Round to milliseconds once, then split; avoids "59.9995" printing as 60.
    const double ms_total = std::round(unix_seconds * 1000.0);
    long long ms = static_cast<long long>(ms_total);
    long long days = ms >= 0 ? ms / 86400000LL : -((-ms + 86399999LL) / 86400000LL);
    long long rest = ms - days * 86400000LL;
    // civil_from_days (proleptic Gregorian), the inverse of days_from_civil.
    const long long z = days + 719468;
    const long long era = (z >= 0 ? z : z - 146096) / 146097;
    const auto doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long long y = static_cast<long long>(yoe) + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    y += m <= 2;
    const long long hh = rest / 3600000LL, mm = rest / 60000LL % 60, ss = rest / 1000LL % 60, fff = rest % 1000;
    if (fff == 0) return fmt::format("{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}Z", y, m, d, hh, mm, ss);
    return fmt::format("{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}.{:03d}Z", y, m, d, hh, mm, ss, fff);
}

std::string read_file(const std::filesystem::path& path) {
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

member_table parse_members(std::string_view text, const journey& j, std::string_view source,
                           const member_read_options& options) {
    csv_reader r(text, std::string(source));
    const header_info h = read_header(r);
    const std::size_t width = h.header.names.size();
    const std::size_t c_id = require(r, h, "id");
    const std::optional<std::size_t> c_stage =
        options.stage_optional ? optional_column(r, h, "stage") : std::optional<std::size_t>(require(r, h, "stage"));
    // Extra text columns.
    std::vector<std::size_t> extra_col;
    std::vector<std::uint8_t> extra_numeric;
    member_table t;
    for (const auto& name : options.text_columns) {
        const std::string key = lower(trim(name));
        bool seen = false;
        for (const auto& c : t.extra) seen = seen || c.name == key;
        if (seen) continue;
        const auto at = optional_column(r, h, key);
        if (!at) {
            std::string cols;
            for (const auto& n : h.header.names) cols += (cols.empty() ? "" : ", ") + n;
            r.fail(r.record_line(), 0,
                   fmt::format("missing column '{}' needed by {} (header has: {})", key, options.needed_by, cols));
        }
        extra_col.push_back(*at);
        bool numeric = false;
        for (const auto& n : options.numeric_columns) numeric = numeric || lower(trim(n)) == key;
        extra_numeric.push_back(numeric ? 1 : 0);
        t.extra.push_back({key, {}});
    }
    bool all_stages_known = true;
    const auto c_sat = optional_column(r, h, "satisfaction");
    const auto c_cap = optional_column(r, h, "capacity");
    const auto c_opt = optional_column(r, h, "opted_out");
    const auto c_act = optional_column(r, h, "activity");
    const auto c_tags = optional_column(r, h, "tags");

    // Feature columns f_0 .. f_{d-1}, any order, no gaps.
    std::vector<std::size_t> feature_col;  // feature k -> column
    {
        std::vector<std::pair<std::size_t, std::size_t>> found;  // (k, column)
        for (std::size_t c = 0; c < width; ++c) {
            const std::string& nm = h.header.names[c];
            if (nm.size() < 3 || nm[0] != 'f' || nm[1] != '_') continue;
            std::size_t k = 0;
            auto [p, ec] = std::from_chars(nm.data() + 2, nm.data() + nm.size(), k);
            if (ec != std::errc() || p != nm.data() + nm.size()) continue;  // e.g. "f_name": an unknown column
            if (nm.size() > 3 && nm[2] == '0')
                r.fail(h.fields[c], fmt::format("feature column '{}' has a leading zero; expected f_{}", nm, k));
            found.emplace_back(k, c);
        }
        std::sort(found.begin(), found.end());
        for (std::size_t i = 0; i < found.size(); ++i) {
            if (found[i].first != i) {
                const auto& at = h.fields[found[i].second];
                if (found[i].first < i)
                    r.fail(at, fmt::format("feature column f_{} appears twice", found[i].first));
                r.fail(at, fmt::format("feature columns must be f_0 .. f_{{d-1}} without gaps: expected f_{}, found f_{}",
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
        check_width(r, row, width);
        const csv_field& fid = row[c_id];
        if (fid.text.empty()) r.fail(fid, "empty id: every member needs a unique, non-empty id");
        std::optional<stage_index> st;
        bool known = true;
        if (c_stage) {
            const csv_field& fst = row[*c_stage];
            if (options.stage_optional && trim(fst.text).empty()) known = false;
            else st = j.find_stage(trim(fst.text));
            if (known && !st) {
            std::string names;
            for (const auto& n : j.stages()) names += (names.empty() ? "" : ", ") + n;
            r.fail(fst, fmt::format("unknown stage {} (journey '{}' has: {})", shown(fst.text), j.name(), names));
            }
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
        lines.push_back(r.record_line());
        if (t.id.size() > std::numeric_limits<member_index>::max() - 1)
            r.fail(r.record_line(), 0, "too many members");
    }
    // Duplicate ids.
    detail::id_index index;
    if (auto dup = index.build(t.id)) {
        const std::size_t first = *index.find(t.id[*dup]);
        r.fail(lines[*dup], 0, fmt::format("duplicate id {} (first defined on line {})", shown(t.id[*dup]), lines[first]));
    }
    const std::size_t n = t.id.size();
    t.features = feature_block::own(std::move(feats), n, d);
    return t;
}

member_table read_members(const std::filesystem::path& path, const journey& j, const member_read_options& options) {
    const std::string text = read_file(path);
    return parse_members(text, j, path.string(), options);
}

interaction_table parse_interactions(std::string_view text, const member_table& members, std::string_view source) {
    csv_reader r(text, std::string(source));
    const header_info h = read_header(r);
    const std::size_t width = h.header.names.size();
    const std::size_t c_src = require(r, h, "source");
    const std::size_t c_dst = require(r, h, "target");
    const auto c_w = optional_column(r, h, "weight");
    const auto c_t = optional_column(r, h, "timestamp");

    detail::id_index index;
    (void)index.build(members.id);  // duplicates are impossible in a parsed table

    interaction_table t;
    std::vector<csv_field> row;
    auto lookup = [&](const csv_field& f, const char* what) {
        auto at = index.find(f.text);
        if (!at) {
            if (f.text.empty()) r.fail(f, fmt::format("{}: expected a member id, got an empty field", what));
            r.fail(f, fmt::format("{}: unknown member id {} (not in the members file)", what, shown(f.text)));
        }
        return *at;
    };
    while (r.next(row)) {
        check_width(r, row, width);
        const std::uint32_t a = lookup(row[c_src], "source");
        const std::uint32_t b = lookup(row[c_dst], "target");
        double w = 1.0;
        if (c_w) {
            const csv_field& f = row[*c_w];
            if (!trim(f.text).empty() && (!parse_number(f.text, w) || w <= 0))
                r.fail(f, fmt::format("weight: expected a finite number > 0 or empty, got {}", shown(f.text)));
        }
        double ts = std::numeric_limits<double>::quiet_NaN();
        if (c_t) {
            const csv_field& f = row[*c_t];
            if (!trim(f.text).empty()) {
                const auto v = parse_timestamp(f.text);
                if (!v)
                    r.fail(f, fmt::format("timestamp: expected unix seconds or ISO-8601 (e.g. 2026-03-14T09:30:00Z), got {}",
                                          shown(f.text)));
                ts = *v;
            }
        }
        t.source.push_back(a);
        t.target.push_back(b);
        t.weight.push_back(w);
        t.timestamp.push_back(ts);
    }
    return t;
}

interaction_table read_interactions(const std::filesystem::path& path, const member_table& members) {
    const std::string text = read_file(path);
    return parse_interactions(text, members, path.string());
}

}  // namespace engage_right
