#include "io/calendar.hpp"

#include <engage_right/detail/csv.hpp>
#include <engage_right/error.hpp>
#include <engage_right/io.hpp>

#include <fmt/format.h>

#include <cmath>

namespace engage_right {

using detail::parse_number;
using detail::trim;

namespace {

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

bool in_range(double t) noexcept { return t >= min_timestamp && t <= max_timestamp; }

}  // namespace

std::string time_problem(double unix_seconds) {
    if (in_range(unix_seconds)) return {};
    return fmt::format("timestamp: expected a time in years 0001-9999 (unix seconds {} to {}), got {}", min_timestamp,
                       max_timestamp, unix_seconds);
}

std::optional<double> parse_timestamp(std::string_view text) noexcept {
    std::string_view s = trim(text);
    if (s.empty()) return std::nullopt;
    // Unix seconds.
    if (s.find('-', 1) == std::string_view::npos && s.find(':') == std::string_view::npos) {
        double v = 0;
        if (parse_number(s, v) && in_range(v)) return v;
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
    double secs =
        static_cast<double>(detail::days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d))) * 86400.0;
    std::size_t p = 10;
    if (p == s.size()) return in_range(secs) ? std::optional<double>(secs) : std::nullopt;
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
    if (p == s.size()) return in_range(secs) ? std::optional<double>(secs) : std::nullopt;
    if (s[p] == 'Z' || s[p] == 'z')
        return p + 1 == s.size() && in_range(secs) ? std::optional<double>(secs) : std::nullopt;
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
        secs -= sign * (oh * 3600.0 + om * 60.0);
        return in_range(secs) ? std::optional<double>(secs) : std::nullopt;
    }
    return std::nullopt;
}

std::string format_timestamp(double unix_seconds) {
    if (std::isnan(unix_seconds)) return {};
    if (!in_range(unix_seconds)) throw config_error(time_problem(unix_seconds));
    // Round to milliseconds once, then split; avoids "59.9995" printing as 60.
    const double ms_total = std::round(unix_seconds * 1000.0);
    long long ms = static_cast<long long>(ms_total);
    long long days = ms >= 0 ? ms / 86400000LL : -((-ms + 86399999LL) / 86400000LL);
    long long rest = ms - days * 86400000LL;
    const auto [y, m, d] = detail::civil_from_days(days);
    const long long hh = rest / 3600000LL, mm = rest / 60000LL % 60, ss = rest / 1000LL % 60, fff = rest % 1000;
    if (fff == 0) return fmt::format("{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}Z", y, m, d, hh, mm, ss);
    return fmt::format("{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}.{:03d}Z", y, m, d, hh, mm, ss, fff);
}

}  // namespace engage_right
