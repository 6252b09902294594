#pragma once
// Small helpers shared by the doctest files.

#include <engage_right/error.hpp>

#include <string>

namespace test_support {

/// Seconds per day, for timestamps in tests.
inline constexpr double day = 86400.0;

/// The message of the engage_right::error that f() throws, or "" when it
/// throws none.
template <class F>
std::string error_of(F&& f) {
    try {
        f();
    } catch (const engage_right::error& e) {
        return e.what();
    }
    return "";
}

}  // namespace test_support
