#pragma once
// Counter-based random numbers shared by the components that draw them
// (simulation, evaluation): every draw is a pure function of a key and a
// counter, so work can be split over any number of threads with the same
// result. The mixer is the splitmix64 output function.

#include <cstdint>

namespace engage_right::detail {

inline constexpr std::uint64_t golden = 0x9e3779b97f4a7c15ULL;

constexpr std::uint64_t mix64(std::uint64_t z) noexcept {
    z += golden;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/// Draw number i of the stream `key`: 64 random bits.
constexpr std::uint64_t draw64(std::uint64_t key, std::uint64_t i) noexcept { return mix64(key + i * golden); }

/// A uniform integer in [0, n) from 64 random bits (multiply-high; the bias
/// is below n / 2^64).
__extension__ using uint128 = unsigned __int128;
constexpr std::uint64_t below(std::uint64_t bits, std::uint64_t n) noexcept {
    return static_cast<std::uint64_t>((static_cast<uint128>(bits) * n) >> 64);
}

}  // namespace engage_right::detail
