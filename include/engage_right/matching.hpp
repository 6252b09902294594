#pragma once
/// @file matching.hpp
/// Who meets whom: capacity-aware global matching of members to peers one
/// stage to the right, or within the stage gap (docs/matching.md).
///
/// Every member asks for up to `per_member` peers, every peer takes at most
/// its capacity, the hard rules of DESIGN.md section 3 always hold. Methods:
/// `optimal` (maximum total value, exact), `stable` (deferred acceptance,
/// members propose) and `greedy` (best pair first).

#include <engage_right/community.hpp>
#include <engage_right/recommend.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace engage_right {

/// How pairs are chosen.
enum class match_method : std::uint8_t {
    optimal,  ///< maximum total value (min-cost flow by shortest augmenting paths)
    stable,   ///< deferred acceptance with capacities, members propose
    greedy,   ///< highest value first
};

/// "optimal", "stable" or "greedy".
const char* to_string(match_method m) noexcept;
/// Parse a method name. @throws config_error.
match_method parse_match_method(std::string_view name);

/// Why a member got fewer peers than asked for.
enum class unmatched_reason : std::uint8_t {
    no_eligible_peer,    ///< no candidate at all (hard rules, blocked pairs, cooldown)
    no_positive_score,   ///< candidates exist but none has a value > 0
    capacity_exhausted,  ///< the candidates' seats went to others
};

/// "no_eligible_peer", "no_positive_score" or "capacity_exhausted".
const char* to_string(unmatched_reason r) noexcept;

/// Earlier pairings (pairs.csv: member,peer,timestamp), as community indices.
struct pairing_history {
    std::vector<member_index> member;
    std::vector<member_index> peer;
    std::vector<double> timestamp;  ///< unix seconds

    std::size_t size() const noexcept { return member.size(); }
};

/// Parse pairs.csv (`member,peer,timestamp`). @throws input_error.
pairing_history parse_pairs(std::string_view text, const community& c, std::string_view source = "pairs.csv");
/// Read pairs.csv. @throws input_error.
pairing_history read_pairs(const std::filesystem::path& path, const community& c);

/// Parse blocked.csv (`member,peer`): pairs never matched, in either direction.
/// @throws input_error.
std::vector<std::pair<member_index, member_index>> parse_blocked(std::string_view text, const community& c,
                                                                 std::string_view source = "blocked.csv");
/// Read blocked.csv. @throws input_error.
std::vector<std::pair<member_index, member_index>> read_blocked(const std::filesystem::path& path, const community& c);

/// Options of match().
struct match_options {
    match_method method = match_method::optimal;
    /// Peers per member, >= 1.
    std::size_t per_member = 1;
    /// Candidate peers per member: the top-K eligible peers by score; 0 means
    /// every eligible pair.
    std::size_t candidates = 50;
    /// Scoring and hard-rule options (weights, min_satisfaction,
    /// allow_existing, gap, blocked pairs, threads); `k` and `reasons` are
    /// ignored.
    recommend_options scoring;
    /// Earlier pairings; pairs met within `cooldown_days` before `as_of` are
    /// excluded, both directions.
    pairing_history history;
    double cooldown_days = 90;
    /// Added to the value of a pair that met before (outside the cooldown),
    /// to favour continuity; 0 = off.
    double continuity_bonus = 0;
    /// "Now" for the cooldown, unix seconds; default: the latest history
    /// timestamp (so the same files give the same plan).
    std::optional<double> as_of;
    /// Load spreading in [0, 1]: seat j (0-based) of a peer with capacity c
    /// costs spread * j / c of value, so further seats of the same peer are
    /// worth less. 0 = off.
    double spread = 0;
    /// Build the one-sentence reason of every pair.
    bool reasons = true;
};

/// One chosen pair.
struct match_pair {
    member_index member = no_member;
    member_index peer = no_member;
    score_t score = 0;  ///< the reference score of the pair (the model's probability with a model)
    score_t value = 0;  ///< what the matching maximised: score + continuity bonus - seat cost
    score_components components;
    channel medium = channel::private_;  ///< channel of the member's step
    std::uint32_t seat = 0;              ///< 0-based seat of the peer this pair uses
    std::string reason;                  ///< one human sentence (empty when reasons are off)
};

/// A member who got fewer peers than `per_member`.
struct unmatched_member {
    member_index member = no_member;
    std::uint32_t matched = 0;  ///< peers the member did get
    unmatched_reason reason = unmatched_reason::no_eligible_peer;
};

/// The plan.
struct match_result {
    std::vector<match_pair> pairs;            ///< by member (community order), then by value
    std::vector<unmatched_member> unmatched;  ///< community order
    double total_score = 0;                   ///< sum of the pairs' reference scores
    double total_value = 0;                   ///< sum of the pairs' values (the objective)
    std::size_t candidate_pairs = 0;          ///< size of the matching graph
    std::size_t excluded_by_cooldown = 0;     ///< distinct pairs excluded by the history
};

/// Match every member who can seek a peer (stage before the last, not opted
/// out). Steps of the journey are independent problems and run in parallel;
/// under a stage gap wider than 1:1, seekers of stages whose peer windows
/// overlap share those peers' seats and are solved as one problem.
/// `optimal` maximises the total value exactly on the candidate graph (every
/// pair with a value <= 0 is left out); `stable` is resident-proposing
/// deferred acceptance where both sides rank by value; `greedy` takes pairs
/// by value, best first. Deterministic: ties go to smaller indices.
/// @throws config_error on invalid options.
match_result match(const community& c, const match_options& options = {});

/// Low-level solvers on an explicit bipartite graph, for tests and for
/// callers with their own values. Rows (seekers) ask for `row_demand` units
/// each, column j offers `capacity[j]` seats; `arcs` are (row, column,
/// value). Returns the chosen arcs as indices into `arcs`.
struct bipartite_problem {
    std::size_t rows = 0;
    std::vector<std::uint32_t> capacity;  ///< per column
    std::uint32_t row_demand = 1;
    struct arc {
        std::uint32_t row = 0;
        std::uint32_t column = 0;
        double value = 0;
    };
    std::vector<arc> arcs;
    double spread = 0;  ///< seat j of column c costs spread * j / capacity[c]
};

/// Maximum total value (sum of arc values minus seat costs), exact up to
/// floating-point rounding. Arcs with value <= 0 are never chosen.
std::vector<std::size_t> solve_optimal(const bipartite_problem& p);
/// The same optimum as solve_optimal() for a dense problem: `values` is
/// row-major, `rows` x `capacity.size()`; an entry that is not > 0 (NaN
/// included) is not an allowed pair. No arc list is built: each
/// augmentation is an array-based shortest-path search (O(columns) per
/// scanned row, no heap), the method of choice when most pairs are allowed.
/// Returns the chosen (row, column) pairs, sorted.
/// @throws config_error on invalid sizes, capacities or spread.
std::vector<std::pair<std::uint32_t, std::uint32_t>> solve_optimal_dense(std::span<const double> values,
                                                                         std::size_t rows,
                                                                         std::span<const std::uint32_t> capacity,
                                                                         std::uint32_t row_demand = 1,
                                                                         double spread = 0);
/// Deferred acceptance, rows propose; both sides rank by value (ties: smaller
/// index first). Only arcs with value > 0 are acceptable.
std::vector<std::size_t> solve_stable(const bipartite_problem& p);
/// Deferred acceptance with explicit preference lists (most preferred first),
/// rows propose: the classic hospital/residents algorithm. Pairs a column
/// does not rank are unacceptable. Returns, per row, the chosen columns.
std::vector<std::vector<std::uint32_t>> solve_stable_ranked(const std::vector<std::vector<std::uint32_t>>& row_prefs,
                                                            const std::vector<std::vector<std::uint32_t>>& column_prefs,
                                                            const std::vector<std::uint32_t>& capacity,
                                                            std::uint32_t row_demand = 1);
/// Highest value first (value after seat cost), ties by row then column.
std::vector<std::size_t> solve_greedy(const bipartite_problem& p);

}  // namespace engage_right
