#pragma once
/// @file evaluate.hpp
/// Offline evaluation: replay a community's history at a split time T and
/// measure how often each ranking method puts a real future contact near the
/// top (docs/evaluation.md).
///
/// The replay: members who existed at T (members.csv `created` before T, or
/// no `created`), their stage at T (the latest stages.csv entry at or before
/// T when a stage table is given), the interactions before T. Targets: the
/// pairs of replayed members whose first interaction falls in [T, T + horizon).
/// Every member with at least one target is evaluated, and every method ranks
/// that member's peers under the same hard rules (DESIGN.md section 3).

#include <engage_right/community.hpp>
#include <engage_right/journey.hpp>
#include <engage_right/ranking.hpp>
#include <engage_right/recommend.hpp>
#include <engage_right/tables.hpp>
#include <engage_right/types.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace engage_right {

/// The ranking methods of an evaluation.
enum class eval_method : std::uint8_t {
    engage_right,              ///< the reference score (or evaluate_options::scorer), one stage right
    adamic_adar,               ///< most Adamic-Adar index first, one stage right
    degree,                    ///< most contacts first (degree at T), one stage right
    random,                    ///< a seeded random order, one stage right
    adamic_adar_unrestricted,  ///< adamic_adar without the stage rule (rule 1): any stage
    degree_unrestricted,       ///< degree without the stage rule (rule 1): any stage
};

/// The method's name: "engage_right", "adamic_adar", "degree", "random",
/// "adamic_adar_unrestricted", "degree_unrestricted".
std::string_view to_string(eval_method m) noexcept;
/// A method by name (case-insensitive). @throws config_error naming the known ones.
eval_method parse_eval_method(std::string_view name);
/// A comma-separated list of methods, e.g. "engage_right,degree".
/// @throws config_error for an unknown, repeated or empty name.
std::vector<eval_method> parse_eval_methods(std::string_view list);
/// A comma-separated list of cut-offs k >= 1, e.g. "5,10" (sorted, distinct).
/// @throws config_error.
std::vector<std::size_t> parse_cutoffs(std::string_view list);

/// A custom score of (member, peer) on the replayed community, higher is
/// better: when set, the engage_right method ranks every eligible peer by it
/// (ties by peer id) instead of the reference score. The hook for learned
/// ranking models. Called from several threads at once.
using pair_scorer = std::function<score_t(const community& replay, member_index member, member_index peer)>;

/// Options of evaluate().
struct evaluate_options {
    /// The split time T, unix seconds (required, finite).
    double split_at = std::numeric_limits<double>::quiet_NaN();
    /// Targets are first contacts in [T, T + horizon_days); infinity: every
    /// later contact.
    double horizon_days = std::numeric_limits<double>::infinity();
    /// Cut-offs of hit@k, recall@k and NDCG@k; coverage and Gini use the largest.
    std::vector<std::size_t> k = {5, 10};
    /// Methods, in order; paired differences are taken against the first.
    std::vector<eval_method> methods = {eval_method::engage_right, eval_method::adamic_adar, eval_method::degree,
                                        eval_method::random};
    /// The hard-rule options (min_satisfaction, allow_existing, blocked) for
    /// every method, and the weights of engage_right. Blocked pairs name rows
    /// of the member table (input order); pairs with a member not in the
    /// replay are dropped. `k`, `reasons` and `threads` are ignored.
    recommend_options scoring;
    /// When set, engage_right ranks by this instead of the reference score.
    pair_scorer scorer;
    /// When set (and `scorer` is not), engage_right ranks by this learned
    /// model (docs/ranking.md) applied to the replayed community as of the
    /// split time: its features see only contacts before T.
    std::shared_ptr<const ranking_model> model;
    /// Content for a model that reads co_participation; items created at or
    /// after the split time do not count.
    std::shared_ptr<const content_table> model_content;
    /// MRR is the reciprocal rank of the first target within the top
    /// mrr_depth of a ranking (0 when none is there); >= 1. Rankings are
    /// max(mrr_depth, largest k) long.
    std::size_t mrr_depth = 10;
    /// Bootstrap resamples of the evaluated members for the 95 % intervals;
    /// 0: no intervals (NaN).
    std::size_t bootstrap = 1000;
    /// Seed of the bootstrap and of the random method.
    std::uint64_t seed = 0;
    /// Worker threads; 0 = all cores. Results do not depend on it.
    unsigned threads = 0;
    /// Keep the evaluated members' targets and every method's ranking in the
    /// result (evaluation::details).
    bool keep_rankings = false;
};

/// A point estimate with its bootstrap 95 % percentile interval (NaN
/// bounds without bootstrap).
struct estimate {
    double value = 0;
    double low = std::numeric_limits<double>::quiet_NaN();
    double high = std::numeric_limits<double>::quiet_NaN();
};

/// The results of one method.
struct method_evaluation {
    eval_method method = eval_method::engage_right;
    /// Mean over evaluated members of each metric of evaluation::metrics.
    std::vector<estimate> metrics;
    /// Paired differences (this method minus the first), same order; all
    /// zero for the first method.
    std::vector<estimate> difference;
    /// Share of the eligible peers that appear in at least one top-K list (K
    /// the largest cut-off); NaN when no peer is eligible.
    double coverage = 0;
    /// Gini coefficient of the top-K appearance counts over the eligible
    /// peers (0: everyone equally often, near 1: a few take every slot).
    double gini = 0;
    /// Eligible peers (the denominator of coverage and Gini).
    std::size_t eligible_peers = 0;
};

/// Per-member detail, with evaluate_options::keep_rankings. Member indices
/// are of evaluation::replay.
struct evaluation_details {
    std::vector<member_index> members;          ///< evaluated members, in input order
    std::vector<std::uint64_t> target_offsets;  ///< CSR over members (size members + 1)
    std::vector<member_index> targets;          ///< each member's targets, ascending
    std::vector<std::uint8_t> reachable;        ///< per target: the hard rules allow it at T
    /// Per method (evaluate_options::methods order): CSR offsets over
    /// members and the ranked peers (best first, up to mrr_depth).
    std::vector<std::vector<std::uint64_t>> ranking_offsets;
    std::vector<std::vector<member_index>> rankings;
};

/// The result of evaluate().
struct evaluation {
    double split_at = 0;         ///< T, unix seconds
    double horizon_end = 0;      ///< T + horizon (infinity: none)
    std::vector<std::size_t> k;  ///< cut-offs, ascending
    std::size_t mrr_depth = 0;
    std::size_t bootstrap = 0;
    /// Metric names: hit@k for every k, recall@k, ndcg@k, then mrr.
    std::vector<std::string> metrics;

    std::size_t members = 0;                 ///< rows of the member table
    std::size_t members_in_replay = 0;       ///< who existed (and had a stage) at T
    std::size_t members_created_later = 0;   ///< `created` at or after T
    std::size_t members_not_yet_staged = 0;  ///< stage entries, all after T
    std::size_t interactions_before = 0;     ///< interaction rows before T between replayed members
    std::size_t target_pairs = 0;            ///< distinct pairs first meeting in the window
    std::size_t targets = 0;                 ///< (member, target) pairs: two per target pair
    std::size_t reachable_targets = 0;       ///< of those, allowed by the hard rules at T
    /// Pairs first meeting in the window with a member not in the replay.
    std::size_t window_pairs_with_new_members = 0;
    std::size_t evaluated_members = 0;  ///< members with at least one target

    /// reachable_targets / targets: the share of targets the stage rule (with
    /// the other hard rules) allows at all.
    double ceiling = 0;
    /// The best hit@k any method under the rules can reach: the share of
    /// evaluated members with at least one reachable target.
    double ceiling_hit = 0;
    /// The best recall any method under the rules can reach: the mean over
    /// evaluated members of their share of reachable targets.
    double ceiling_recall = 0;

    std::vector<method_evaluation> methods;  ///< in evaluate_options::methods order
    /// The replayed community (members as of T, interactions before T).
    std::shared_ptr<const community> replay;
    std::optional<evaluation_details> details;  ///< with keep_rankings
};

/// The input of an evaluation: members (with `created` when known),
/// interactions (every one dated) and, optionally, the stage history.
struct evaluation_input {
    member_table members;
    interaction_table interactions;
    std::optional<stage_table> stages;
};

/// Read members.csv, interactions.csv (a timestamp on every row) and
/// optionally stages.csv. @throws input_error naming file, line and column.
evaluation_input read_evaluation_input(const std::filesystem::path& members, const std::filesystem::path& interactions,
                                       const std::optional<std::filesystem::path>& stages, const journey& j);

/// The time before which `share` (0 < share < 1) of the interactions fall:
/// the timestamp of the interaction at position floor(share * n) in time
/// order. For "split at the last 20 %": split_time(t, 0.8).
/// @throws config_error when share is out of range or no interaction would
/// be left on one side.
double split_time(const interaction_table& interactions, double share);

/// A split time from text: unix seconds, ISO-8601, or a share of the
/// interactions such as "80%" (split_time(interactions, 0.8)).
/// @throws config_error "expected ..." naming the text.
double parse_split_at(std::string_view text, const interaction_table& interactions);

/// Replay the history at options.split_at and evaluate every method.
/// O(n + E log E) for the replay, then per evaluated member and method about
/// the cost of one recommendation; the bootstrap is O(bootstrap x evaluated
/// members x metrics x methods). Deterministic for the same input, options
/// and seed, whatever the thread count.
/// @throws config_error on bad options, an interaction without timestamp
/// (naming its row), or when no member has a target.
evaluation evaluate(const journey& j, const evaluation_input& input, const evaluate_options& options);

}  // namespace engage_right
