#pragma once
/// @file version.hpp
/// Library version: the one place it is written. CMake and the Python
/// package metadata parse the three numbers below, so keep their form.

#define ENGAGE_RIGHT_VERSION_MAJOR 0
#define ENGAGE_RIGHT_VERSION_MINOR 1
#define ENGAGE_RIGHT_VERSION_PATCH 0

#define ENGAGE_RIGHT_DETAIL_STR(x) #x
#define ENGAGE_RIGHT_DETAIL_VERSION(a, b, c) \
    ENGAGE_RIGHT_DETAIL_STR(a) "." ENGAGE_RIGHT_DETAIL_STR(b) "." ENGAGE_RIGHT_DETAIL_STR(c)

namespace engage_right {
/// The library version as "major.minor.patch".
inline constexpr const char* version_string =
    ENGAGE_RIGHT_DETAIL_VERSION(ENGAGE_RIGHT_VERSION_MAJOR, ENGAGE_RIGHT_VERSION_MINOR, ENGAGE_RIGHT_VERSION_PATCH);
}  // namespace engage_right
