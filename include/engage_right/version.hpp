#pragma once
/// @file version.hpp
/// Library version; CMake parses the numbers below, so keep their form.

#define ENGAGE_RIGHT_VERSION_MAJOR 0
#define ENGAGE_RIGHT_VERSION_MINOR 1
#define ENGAGE_RIGHT_VERSION_PATCH 0

namespace engage_right {
/// The library version as "major.minor.patch".
inline constexpr const char* version_string = "0.1.0";
}  // namespace engage_right
