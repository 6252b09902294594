#pragma once
/// @file types.hpp
/// Shared id, index and score types used by every component.

#include <cstdint>
#include <limits>

namespace engage_right {

/// Dense index of a member inside a community (0 .. size()-1). Members are
/// ordered by stage, then by id (byte-wise), so the members of one stage form
/// one contiguous block and a smaller index means a smaller id within a stage.
using member_index = std::uint32_t;

/// Index of a stage inside a journey (0 = first stage).
using stage_index = std::uint16_t;

/// A score or score component. Computed in double precision.
using score_t = double;

/// Marks "no member".
inline constexpr member_index no_member = std::numeric_limits<member_index>::max();

/// Maximum number of stages in a journey.
inline constexpr std::size_t max_stages = 64;

/// Satisfaction value stored for "unknown".
inline constexpr std::int8_t unknown_satisfaction = -1;

/// Communication channel of a journey step.
enum class channel : std::uint8_t {
    private_ = 0,  ///< one-to-one, confidential (selection talks, beta programs)
    public_ = 1,   ///< community forums, knowledge base, user generated content
};

/// "private" or "public".
constexpr const char* to_string(channel c) noexcept { return c == channel::private_ ? "private" : "public"; }

/// The four weights of the reference score (DESIGN.md section 4).
struct score_weights {
    double similarity = 0.50;  ///< cosine of the feature vectors
    double tags = 0.15;        ///< Jaccard index of the tag sets
    double proximity = 0.25;   ///< aa / (1 + aa), Adamic-Adar over the interaction graph
    double happiness = 0.10;   ///< satisfaction / 10, 0.5 when unknown

    friend bool operator==(const score_weights&, const score_weights&) = default;
};

/// How far right a peer may stand (docs/scoring.md, "How far right"): peer
/// `v` qualifies for member `u` when `min <= stage(v) - stage(u) <= max` and
/// every step between the two stages is enabled. The default 1:1 is the
/// Engage Right rule, exactly one stage right (DESIGN.md section 3, rule 1).
struct stage_gap {
    std::uint32_t min = 1;  ///< >= 1
    std::uint32_t max = 1;  ///< >= min, at most the journey's number of steps

    /// True for the Engage Right rule, 1:1.
    bool one_stage() const noexcept { return min == 1 && max == 1; }

    friend bool operator==(const stage_gap&, const stage_gap&) = default;
};

/// The four raw (unweighted) components of a score.
struct score_components {
    score_t similarity = 0;  ///< cosine similarity in [-1, 1]; 0 when a vector is zero or absent
    score_t tags = 0;        ///< Jaccard index in [0, 1]
    score_t proximity = 0;   ///< aa / (1 + aa) in [0, 1)
    score_t happiness = 0;   ///< in [0, 1]

    friend bool operator==(const score_components&, const score_components&) = default;
};

}  // namespace engage_right
