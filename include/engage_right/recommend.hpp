#pragma once
/// @file recommend.hpp
/// Engage Right recommendations: for a member at stage s, the best eligible
/// peers at stage s+1 under the reference scoring (DESIGN.md sections 3-4),
/// or within a wider stage gap (recommend_options::gap).

#include <engage_right/community.hpp>
#include <engage_right/types.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace engage_right {

class ranking_scorer;  // ranking.hpp

/// Options of a recommendation run. Defaults follow the community's journey.
struct recommend_options {
    /// Peers per member (top-k), >= 1.
    std::size_t k = 5;
    /// Score weights; the journey's when not set.
    std::optional<score_weights> weights;
    /// Peers with a known satisfaction below this are never recommended
    /// (0..11); the journey's min_peer_satisfaction when not set.
    std::optional<int> min_satisfaction;
    /// Also recommend peers the member has already interacted with ("meet
    /// again"); hard rule 5 is then off.
    bool allow_existing = false;
    /// How far right peers stand: stage(peer) - stage(member) in [min, max],
    /// every step in between enabled (hard rule 1). Default 1:1, the Engage
    /// Right rule. @see docs/scoring.md "How far right".
    stage_gap gap;
    /// Pairs that must never be recommended, in either direction.
    std::vector<std::pair<member_index, member_index>> blocked;
    /// Worker threads for batch runs; 0 = all hardware threads. Results do not
    /// depend on it.
    unsigned threads = 0;
    /// Build the one-sentence reason of every result.
    bool reasons = true;
    /// Contacts with more than this many contacts (hubs: a community manager
    /// who replied to everyone, a bot) are not walked through when looking
    /// for mutual contacts; their share of the Adamic-Adar sum is bounded
    /// during screening and computed exactly for the peers that may reach
    /// the top k, so results are identical whatever the value. 0: automatic,
    /// max(1024, 4 * sqrt(2 * edges)). A cost knob, not a rule.
    std::size_t hub_degree = 0;
    /// A learned ranking over this same community (ranking.hpp): the score
    /// becomes the model's probability, peers are ranked by its linear
    /// predictor, and the reason names the features that drove the pair.
    /// The hard rules are unchanged; `weights` is then unused. Null: the
    /// weighted reference score. Exact, with the same screening as the
    /// reference score (docs/ranking.md).
    std::shared_ptr<const ranking_scorer> model;
};

/// One recommended pairing.
struct recommendation {
    member_index member = no_member;     ///< who the recommendation is for
    member_index peer = no_member;       ///< the recommended peer, one stage to the right (or within the gap)
    std::uint32_t rank = 0;              ///< 1 = best
    score_t score = 0;                   ///< weighted score, or the model's probability
    score_components components;         ///< raw components (before weighting)
    channel medium = channel::private_;  ///< channel of the member's step (the first step towards the peer)
    std::string reason;                  ///< one human sentence; empty when reasons are off
};

/// The hard rules of DESIGN.md section 3, numbered as there.
enum class rule : std::uint8_t {
    none = 0,        ///< eligible
    next_stage = 1,  ///< peer not within the stage gap (one stage right by default), a step between them disabled, or
                     ///< member at the last stage
    distinct_active = 2,      ///< same member, an opted-out member, or a blocked pair
    satisfaction = 3,         ///< peer's satisfaction known and below the minimum
    capacity = 4,             ///< peer's capacity is 0
    no_existing_contact = 5,  ///< the two have already interacted
};

/// Verdict of the hard rules for one (member, peer) pair.
struct eligibility {
    bool eligible = false;
    rule failed = rule::none;  ///< first rule that fails, rule::none when eligible
    std::string why;           ///< human explanation of the failed rule (empty when eligible)
};

/// Everything known about one (member, peer) pair.
struct explanation {
    member_index member = no_member;
    member_index peer = no_member;
    score_components components;
    score_t score = 0;
    eligibility verdict;
    /// The channel of the member's step when the peer stands gap.min to
    /// gap.max stages right (one stage with 1:1), whether or not the steps
    /// are enabled; nullopt otherwise.
    std::optional<channel> medium;
    std::vector<std::string> shared_tags;
    std::size_t mutual_contacts = 0;
    bool existing_contact = false;
    std::string sentence;  ///< the reason sentence
};

/// Top-k recommender over one community. The constructor validates the
/// options and packs the eligible peers of every stage into dense blocks
/// (O(n * d)); queries are then const and safe to run from many threads.
///
/// Complexity of a query for a member at stage s with m eligible peers at
/// s+1 (or in the stage window): O(m * d) dense kernel plus the sparse work over shared tags and
/// two-hop neighbours. Exact: scores are bit-identical to score(), ties go to
/// the smaller peer id.
class recommender {
public:
    /// @throws config_error on invalid options (k = 0, bad weights, ...).
    explicit recommender(const community& c, recommend_options options = {});
    ~recommender();
    recommender(recommender&&) noexcept;
    recommender& operator=(recommender&&) noexcept;

    /// Recommendations for one member, best first.
    std::vector<recommendation> for_member(member_index u) const;
    /// Recommendations for one member by id. @throws not_found_error.
    std::vector<recommendation> for_member(std::string_view id) const;
    /// Recommendations for several members, grouped by member in the given order.
    std::vector<recommendation> for_members(std::span<const member_index> members) const;
    /// Recommendations for every member, grouped by member in input order.
    std::vector<recommendation> for_all() const;

    /// The hard rules for one pair under these options.
    eligibility check(member_index u, member_index v) const;
    /// Components, score, verdict and sentence for one pair.
    explanation explain(member_index u, member_index v) const;

    /// check(u, v).eligible without the explanation: no allocation,
    /// O(log deg(u)). For code that tests many pairs (evaluation baselines).
    bool is_eligible(member_index u, member_index v) const noexcept;
    /// The hard rules 2-5 for (u, v): check() without rule 1, so any stage
    /// (the member's own, earlier ones, and members at the last stage too).
    /// For reference rankings that ignore the journey.
    bool is_eligible_any_stage(member_index u, member_index v) const noexcept;
    /// The rules about the peer alone: not opted out, satisfaction unknown
    /// or at least the minimum, capacity > 0.
    bool is_peer(member_index v) const noexcept;
    /// The rules about the member alone: not opted out, not at the last
    /// stage, the step to the next stage enabled and someone passing
    /// is_peer() in the stage window (options().gap). False means no peer is
    /// eligible for u.
    bool is_seeker(member_index u) const;
    /// is_seeker() without rule 1: not opted out.
    bool is_seeker_any_stage(member_index u) const noexcept;
    /// Who members at stage s may be given, before the rules about the pair
    /// (distinct members, blocked pairs, existing contacts): the members of
    /// the stage window (s+1 with the default gap) that pass is_peer(), in
    /// id order. Empty when s is the last stage or the step s -> s+1 is
    /// disabled.
    std::span<const member_index> peer_pool(stage_index s) const;

    const community& source() const noexcept;
    const score_weights& weights() const noexcept;
    const recommend_options& options() const noexcept;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

/// Top-k for one member. @throws not_found_error, config_error.
std::vector<recommendation> recommend(const community& c, std::string_view member_id,
                                      const recommend_options& options = {});

/// Top-k for every member, grouped by member in input order.
std::vector<recommendation> recommend_all(const community& c, const recommend_options& options = {});

/// Components, eligibility and reason for one pair (by id).
explanation explain(const community& c, std::string_view member_id, std::string_view peer_id,
                    const recommend_options& options = {});

/// The one-sentence reason for a pair, e.g. "shares kubernetes, security;
/// 3 mutual contacts; promoter (10/10)".
std::string reason_sentence(const community& c, member_index member, member_index peer,
                            const score_components& components);

/// The reason sentence under a stage gap. When nothing else describes the
/// pair, the sentence names the peer's stage; with a gap other than 1:1 a
/// peer k > 1 stages right is "k stages right (loyal)" rather than
/// "next-stage peer (loyal)". With 1:1, the same text as above.
std::string reason_sentence(const community& c, member_index member, member_index peer,
                            const score_components& components, const stage_gap& gap);

}  // namespace engage_right
