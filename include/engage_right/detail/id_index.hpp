#pragma once
/// @file detail/id_index.hpp
/// Flat open-addressing index from string ids to positions in an id array.
/// Far fewer cache misses than a node-based map for millions of ids.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace engage_right::detail {

/// 64-bit FNV-1a followed by a murmur finaliser: cheap and well mixed for
/// short ids.
inline std::uint64_t hash_id(std::string_view s) noexcept {
    std::uint64_t h = 1469598103934665603ULL;
    for (unsigned char ch : s) {
        h ^= ch;
        h *= 1099511628211ULL;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h;
}

/// Positions of ids in an external array of strings (which must outlive the
/// index and stay unchanged). Lookups are O(1) expected.
class id_index {
public:
    id_index() = default;

    /// Index ids[0..n). Returns the position of the first duplicate found
    /// (the later one), if any; the index is then incomplete.
    std::optional<std::size_t> build(const std::vector<std::string>& ids) {
        ids_ = &ids;
        std::size_t cap = 16;
        while (cap < 2 * ids.size()) cap <<= 1;
        mask_ = cap - 1;
        slots_.assign(cap, slot{});
        for (std::size_t i = 0; i < ids.size(); ++i) {
            const std::uint64_t h = hash_id(ids[i]);
            const auto tag = static_cast<std::uint32_t>(h >> 32);
            for (std::size_t p = h & mask_;; p = (p + 1) & mask_) {
                slot& sl = slots_[p];
                if (sl.pos == empty) {
                    sl = slot{tag, static_cast<std::uint32_t>(i)};
                    break;
                }
                if (sl.tag == tag && ids[sl.pos] == ids[i]) return i;
            }
        }
        return std::nullopt;
    }

    /// Position of an id, or nullopt.
    std::optional<std::uint32_t> find(std::string_view id) const noexcept {
        if (!ids_ || slots_.empty()) return std::nullopt;
        const std::uint64_t h = hash_id(id);
        const auto tag = static_cast<std::uint32_t>(h >> 32);
        for (std::size_t p = h & mask_;; p = (p + 1) & mask_) {
            const slot& sl = slots_[p];
            if (sl.pos == empty) return std::nullopt;
            if (sl.tag == tag && (*ids_)[sl.pos] == id) return sl.pos;
        }
    }

    /// Start fetching the slot of a hash (see hash_id) into cache; for batched
    /// lookups, which hide the memory latency of large indexes.
    void prefetch(std::uint64_t h) const noexcept {
        if (!slots_.empty()) __builtin_prefetch(&slots_[h & mask_]);
    }

    /// Start fetching the id a hash most likely refers to; call some time
    /// after prefetch(h).
    void prefetch_id(std::uint64_t h) const noexcept {
        if (slots_.empty()) return;
        const slot& sl = slots_[h & mask_];
        if (sl.pos != empty) __builtin_prefetch(&(*ids_)[sl.pos]);
    }

    /// find() with the hash already computed by hash_id(id).
    std::optional<std::uint32_t> find_hashed(std::string_view id, std::uint64_t h) const noexcept {
        if (!ids_ || slots_.empty()) return std::nullopt;
        const auto tag = static_cast<std::uint32_t>(h >> 32);
        for (std::size_t p = h & mask_;; p = (p + 1) & mask_) {
            const slot& sl = slots_[p];
            if (sl.pos == empty) return std::nullopt;
            if (sl.tag == tag && (*ids_)[sl.pos] == id) return sl.pos;
        }
    }

    /// Point at a moved-to id array (same contents).
    void rebind(const std::vector<std::string>& ids) noexcept { ids_ = &ids; }

    std::size_t memory_bytes() const noexcept { return slots_.capacity() * sizeof(slot); }

private:
    static constexpr std::uint32_t empty = 0xffffffffu;
    struct slot {
        std::uint32_t tag = 0;
        std::uint32_t pos = empty;
    };
    const std::vector<std::string>* ids_ = nullptr;
    std::vector<slot> slots_;
    std::size_t mask_ = 0;
};

}  // namespace engage_right::detail
