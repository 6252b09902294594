#pragma once
/// @file stats.hpp
/// Funnel health: members per stage, NPS overall and per stage, and the
/// demand (seekers) against the supply (seats) of every journey step.

#include <engage_right/community.hpp>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace engage_right {

/// Net Promoter Score counts: promoters 9-10, passives 7-8, detractors 0-6.
struct nps_summary {
    std::size_t promoters = 0;
    std::size_t passives = 0;
    std::size_t detractors = 0;
    std::size_t unknown = 0;  ///< no satisfaction given

    std::size_t responses() const noexcept { return promoters + passives + detractors; }
    /// 100 * (promoters - detractors) / responses, in [-100, 100]; NaN when
    /// nobody answered.
    double nps() const noexcept;
    void add(int satisfaction) noexcept;  ///< 0..10, or negative for unknown

    friend bool operator==(const nps_summary&, const nps_summary&) = default;
};

/// NPS of raw satisfactions (0..10, -1 = unknown, as in member_table).
nps_summary nps(std::span<const std::int8_t> satisfaction) noexcept;

/// One stage of the funnel.
struct stage_stats {
    stage_index stage = 0;
    std::size_t members = 0;  ///< members at this stage
    std::size_t reached = 0;  ///< members at this stage or later
    double share = 0;         ///< members / all members (NaN for an empty community)
    /// reached / reached of the previous stage; NaN for the first stage or
    /// when the previous stage was reached by nobody.
    double conversion = 0;
    nps_summary nps;
};

/// Demand and supply of one step `from -> from+1` (DESIGN.md section 3).
/// Under a stage gap MIN:MAX the supply of the step is that of its seekers'
/// window: the eligible peers at stages from+MIN .. from+MAX (cut before a
/// disabled step after the first, as for recommendations), so with a window
/// wider than one stage a peer's seats count for several steps.
struct step_stats {
    stage_index from = 0;
    bool enabled = true;
    channel medium = channel::public_;
    std::size_t seekers = 0;  ///< members at `from` who are not opted out
    /// Seekers with no eligible peer left: every eligible peer is already a
    /// contact (rule 5), or there is no eligible peer at all.
    std::size_t seekers_without_peer = 0;
    std::size_t peers = 0;    ///< eligible peers (rules 2-4) at `from + 1`, or in the window
    std::uint64_t seats = 0;  ///< sum of the capacities of those peers
    /// seats / seekers; NaN with no seekers.
    double seats_per_seeker = 0;
};

/// The health report of a community.
struct funnel_report {
    std::vector<stage_stats> stages;
    std::vector<step_stats> steps;
    nps_summary overall;
    /// The enabled step with seekers and the fewest seats per seeker (ties:
    /// the earliest), if any.
    std::optional<stage_index> bottleneck;

    /// e.g. "loyal → advocate: 1,200 seekers, 300 seats (0.25 per seeker)";
    /// empty without a bottleneck.
    std::string bottleneck_text(const journey& j) const;
};

/// Options of funnel(); the defaults follow the journey and DESIGN.md.
struct funnel_options {
    std::optional<int> min_satisfaction;  ///< default: the journey's
    bool allow_existing = false;          ///< when true, rule 5 is off
    /// Peer stages of each step's seekers (recommend_options::gap); default 1:1.
    stage_gap gap;
};

/// Funnel statistics of a community. O(n + edges).
funnel_report funnel(const community& c, const funnel_options& options = {});

/// Integer with thousands separators: 1200 -> "1,200".
std::string group_thousands(std::uint64_t value);

}  // namespace engage_right
