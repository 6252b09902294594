#pragma once
// The proleptic Gregorian calendar in days since 1970-01-01, both ways (the
// one copy behind the time parser, format_timestamp and the importers'
// writer). After Howard Hinnant's days_from_civil / civil_from_days.

namespace engage_right::detail {

struct civil_date {
    long long year;
    unsigned month;  ///< 1..12
    unsigned day;    ///< 1..31
};

/// Days since 1970-01-01 of a civil date.
inline long long days_from_civil(long long y, unsigned m, unsigned d) noexcept {
    y -= m <= 2;
    const long long era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<long long>(doe) - 719468;
}

/// The civil date of a day since 1970-01-01.
inline civil_date civil_from_days(long long days) noexcept {
    const long long z = days + 719468;
    const long long era = (z >= 0 ? z : z - 146096) / 146097;
    const auto doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long long y = static_cast<long long>(yoe) + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    return {y + (m <= 2), m, d};
}

}  // namespace engage_right::detail
