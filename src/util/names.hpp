#pragma once
// Names of enumerations: one table per enum gives both directions, and the
// "unknown X 'y' (expected a, b or c)" message of every option parser.

#include <engage_right/error.hpp>

#include <fmt/format.h>

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

namespace engage_right::detail {

template <class E, std::size_t N>
struct name_table {
    const char* what;  ///< e.g. "matching method"
    std::array<std::pair<E, const char*>, N> items;

    const char* name(E e) const noexcept {
        for (const auto& [v, n] : items)
            if (v == e) return n;
        return "?";
    }

    /// @throws config_error naming the known names.
    E parse(std::string_view text) const {
        for (const auto& [v, n] : items)
            if (text == n) return v;
        std::string known;
        for (std::size_t i = 0; i < N; ++i)
            known += (i == 0 ? "" : i + 1 == N ? " or " : ", ") + std::string(items[i].second);
        throw config_error(fmt::format("unknown {} '{}' (expected {})", what, text, known));
    }
};

}  // namespace engage_right::detail
