#pragma once
/// @file detail/id_index.hpp
/// Flat open-addressing index from string ids to positions in an id array.
/// Far fewer cache misses than a node-based map for millions of ids. Every
/// index hashes with its own random SipHash key, so ids crafted to collide
/// (hash flooding) cost no more than any other ids; positions never depend
/// on the key, so results stay deterministic.

#include <engage_right/detail/siphash.hpp>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace engage_right::detail {

/// Positions of ids in an external array of strings (which must outlive the
/// index and stay unchanged). Lookups are O(1) expected.
class id_index {
public:
    id_index() = default;

    /// Index ids[0..n). Returns the position of the first duplicate found
    /// (the later one), if any; the index is then incomplete.
    std::optional<std::size_t> build(const std::vector<std::string>& ids) { return build(ids, random_sip_key()); }

    /// build() under a given key (tests and benchmarks of crafted ids).
    std::optional<std::size_t> build(const std::vector<std::string>& ids, sip_key key) {
        ids_ = &ids;
        key_ = key;
        std::size_t cap = 16;
        while (cap < 2 * ids.size()) cap <<= 1;
        mask_ = cap - 1;
        slots_.assign(cap, slot{});
        for (std::size_t i = 0; i < ids.size(); ++i) {
            const std::uint64_t h = hash(ids[i]);
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
    std::optional<std::uint32_t> find(std::string_view id) const noexcept { return find_hashed(id, hash(id)); }

    /// The hash of an id under this index's key (for find_hashed, prefetch).
    std::uint64_t hash(std::string_view id) const noexcept { return hash_id(id, key_); }

    /// Start fetching the slot of a hash (see hash()) into cache; for batched
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

    /// find() with the hash already computed by hash(id).
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

    /// The longest run of occupied slots, the worst lookup's probe count:
    /// O(log n) for ids the key does not favour.
    std::size_t longest_run() const noexcept {
        std::size_t best = 0, run = 0;
        for (std::size_t k = 0; k < 2 * slots_.size(); ++k) {  // twice round: runs wrap
            run = slots_[k & mask_].pos == empty ? 0 : run + 1;
            best = std::max(best, run);
        }
        return std::min(best, slots_.size());
    }

private:
    static constexpr std::uint32_t empty = 0xffffffffu;
    struct slot {
        std::uint32_t tag = 0;
        std::uint32_t pos = empty;
    };
    const std::vector<std::string>* ids_ = nullptr;
    sip_key key_;
    std::vector<slot> slots_;
    std::size_t mask_ = 0;
};

}  // namespace engage_right::detail
