#pragma once
/// @file detail/siphash.hpp
/// SipHash (J.-P. Aumasson and D. J. Bernstein, "SipHash: a fast short-input
/// PRF", INDOCRYPT 2012): a keyed 64-bit hash. With a secret random key an
/// attacker who does not know the key cannot craft ids that collide, which a
/// plain hash (FNV, unseeded or seeded) does not prevent. SipHash-1-3 is the
/// variant the hash tables of Python and Rust use against hash flooding.

#include <bit>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace engage_right::detail {

/// A 128-bit SipHash key.
struct sip_key {
    std::uint64_t k0 = 0;
    std::uint64_t k1 = 0;
};

/// SipHash-C-D of `data` under `key` (C compression rounds per 8-byte word,
/// D finalisation rounds). Byte order of the words is little-endian on every
/// host, as the specification requires.
template <int C, int D>
std::uint64_t siphash(std::string_view data, sip_key key) noexcept {
    std::uint64_t v0 = key.k0 ^ 0x736f6d6570736575ULL;
    std::uint64_t v1 = key.k1 ^ 0x646f72616e646f6dULL;
    std::uint64_t v2 = key.k0 ^ 0x6c7967656e657261ULL;
    std::uint64_t v3 = key.k1 ^ 0x7465646279746573ULL;
    auto round = [&] {
        v0 += v1;
        v1 = std::rotl(v1, 13);
        v1 ^= v0;
        v0 = std::rotl(v0, 32);
        v2 += v3;
        v3 = std::rotl(v3, 16);
        v3 ^= v2;
        v0 += v3;
        v3 = std::rotl(v3, 21);
        v3 ^= v0;
        v2 += v1;
        v1 = std::rotl(v1, 17);
        v1 ^= v2;
        v2 = std::rotl(v2, 32);
    };
    auto load_le = [](const char* p) {
        std::uint64_t w;
        std::memcpy(&w, p, 8);
        if constexpr (std::endian::native == std::endian::big) w = __builtin_bswap64(w);
        return w;
    };
    const char* p = data.data();
    const std::size_t n = data.size();
    const std::size_t whole = n & ~std::size_t{7};
    for (std::size_t i = 0; i < whole; i += 8) {
        const std::uint64_t m = load_le(p + i);
        v3 ^= m;
        for (int r = 0; r < C; ++r) round();
        v0 ^= m;
    }
    std::uint64_t last = std::uint64_t{n & 0xff} << 56;
    for (std::size_t i = whole; i < n; ++i)
        last |= std::uint64_t{static_cast<unsigned char>(p[i])} << (8 * (i - whole));
    v3 ^= last;
    for (int r = 0; r < C; ++r) round();
    v0 ^= last;
    v2 ^= 0xff;
    for (int r = 0; r < D; ++r) round();
    return v0 ^ v1 ^ v2 ^ v3;
}

/// The id hash: SipHash-1-3.
inline std::uint64_t hash_id(std::string_view s, sip_key key) noexcept { return siphash<1, 3>(s, key); }

/// A fresh random key (from std::random_device), for one index.
sip_key random_sip_key();

}  // namespace engage_right::detail
