#pragma once
// The parts of evaluate(), private to src/evaluate: the replay of the
// community at the split time (replay.cpp), the rankings of every method
// (rank.cpp) and the metrics with their bootstrap intervals (metrics.cpp).

#include <engage_right/evaluate.hpp>

#include <cstdint>
#include <memory>
#include <span>
#include <utility>
#include <vector>

namespace engage_right::detail::eval {

/// The community as of T and the targets of the window [T, end).
struct replay {
    std::shared_ptr<const community> c;
    std::vector<member_index> replay_of_row;  ///< input row -> replay member, no_member when left out
    std::size_t created_later = 0;
    std::size_t not_yet_staged = 0;
    std::size_t interactions_before = 0;
    std::size_t window_pairs_with_new_members = 0;
    /// Distinct target pairs (a < b), replay member indices, ascending.
    std::vector<std::pair<member_index, member_index>> pairs;
};

/// Build the replay. @throws config_error for an undated interaction or a
/// bad stage table.
replay build_replay(const journey& j, const evaluation_input& in, double split_at, double end);

/// Rankings of one method for a list of members: CSR (offsets size
/// members + 1), best first, each at most `depth` long.
struct rankings {
    std::vector<std::uint64_t> offsets;
    std::vector<member_index> peers;
    std::span<const member_index> of(std::size_t i) const {
        return {peers.data() + offsets[i], peers.data() + offsets[i + 1]};
    }
};

/// Rank the eligible peers of every member with `method` (recommender: the
/// replay with the evaluation's hard-rule options and k = depth).
rankings rank_members(const recommender& rec, eval_method method, std::span<const member_index> members,
                      std::size_t depth, const pair_scorer& scorer, std::uint64_t seed, unsigned threads);

/// Targets of the evaluated members: CSR over members.
struct target_lists {
    std::vector<std::uint64_t> offsets;
    std::vector<member_index> peers;  ///< ascending per member
    std::span<const member_index> of(std::size_t i) const {
        return {peers.data() + offsets[i], peers.data() + offsets[i + 1]};
    }
};

/// The metrics of every method (in order) with bootstrap intervals and
/// paired differences against the first; fills method_evaluation::metrics
/// and ::difference. `out` has one entry per ranking.
void score_rankings(std::span<const rankings> ranked, const target_lists& targets, const std::vector<std::size_t>& k,
                    std::size_t mrr_depth, std::size_t bootstrap, std::uint64_t seed, unsigned threads,
                    std::vector<method_evaluation>& out);

/// Coverage and Gini of one method's top-`k` lists over `eligible` peers
/// (a 0/1 flag per member of the replay).
void exposure(const rankings& ranked, std::size_t k, const std::vector<std::uint8_t>& eligible, method_evaluation& out);

}  // namespace engage_right::detail::eval
