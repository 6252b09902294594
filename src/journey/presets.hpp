#pragma once
// The preset journeys, embedded from share/journeys/*.json at build time.

#include <cstddef>

namespace engage_right::detail {

struct embedded_preset {
    const char* name;
    const char* json;
};

extern const embedded_preset embedded_presets[];
extern const std::size_t embedded_preset_count;

}  // namespace engage_right::detail
