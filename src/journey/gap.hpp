#pragma once
// The stages a member may meet under a stage gap: the one place of hard
// rule 1 with a window (recommend, match and the funnel use it).

#include <engage_right/journey.hpp>

#include <algorithm>
#include <cstddef>

namespace engage_right::detail {

/// Peer stages [first, last] of a member at `from` (empty when first > last).
struct stage_window {
    std::size_t first = 1;
    std::size_t last = 0;

    bool empty() const noexcept { return first > last; }
    bool contains(std::size_t s) const noexcept { return s >= first && s <= last; }
};

/// Stages `from + gap.min` to `from + gap.max`, cut at the last stage and
/// before the first disabled step after the first one: a pairing two stages
/// right crosses two steps, and every step it crosses must be enabled. The
/// first step (the one leaving `from`) is not looked at here: the
/// recommender requires it, the funnel reports disabled steps as they are.
inline stage_window peer_window(const journey& j, std::size_t from, const stage_gap& gap) {
    const std::size_t stages = j.stage_count();
    stage_window w;
    if (from + 1 >= stages) return w;  // the last stage has no peers
    w.first = from + gap.min;
    std::size_t last = std::min(from + gap.max, stages - 1);
    // Step t leads to stage t + 1: reaching stage s crosses steps from .. s-1.
    for (std::size_t t = from + 1; t < last; ++t)
        if (!j.step(static_cast<stage_index>(t)).enabled) {
            last = t;
            break;
        }
    w.last = last;
    return w;
}

/// Whether `to` is a peer stage of `from` (rule 1 with the gap): in the
/// window and the first step enabled.
inline bool peer_stage(const journey& j, std::size_t from, std::size_t to, const stage_gap& gap) {
    if (to <= from || from + 1 >= j.stage_count()) return false;
    return j.step(static_cast<stage_index>(from)).enabled && peer_window(j, from, gap).contains(to);
}

}  // namespace engage_right::detail
