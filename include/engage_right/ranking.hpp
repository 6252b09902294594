#pragma once
/// @file ranking.hpp
/// Learned ranking (docs/ranking.md): which eligible pairs go on to
/// interact, learned from dated history by an L2-regularised logistic
/// regression on the score components and on features of the peer's
/// activity and of shared threads. A fitted model (model.json) replaces the
/// weighted reference score in recommend and match; the hard rules stay.

#include <engage_right/community.hpp>
#include <engage_right/journey.hpp>
#include <engage_right/tables.hpp>
#include <engage_right/types.hpp>

#include <array>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace engage_right {

/// The features of a (member u, peer v) pair, in the order of the design
/// matrix. See docs/ranking.md for the exact definitions.
enum class ranking_feature : std::uint8_t {
    similarity = 0,        ///< cosine of the f_* vectors (score component)
    tags = 1,              ///< Jaccard index of the tag sets (score component)
    proximity = 2,         ///< aa / (1 + aa), Adamic-Adar (score component)
    happiness = 3,         ///< satisfaction(v) / 10, 0.5 unknown (score component)
    peer_log_degree = 4,   ///< ln(1 + distinct contacts of v)
    peer_activity = 5,     ///< ln(1 + sum over v's dated contacts of 2^(-age / half-life))
    peer_idle_days = 6,    ///< ln(1 + days since v's last dated contact, capped at 365; 365 when none)
    co_participation = 7,  ///< ln(1 + threads of content.csv in which both u and v posted)
};

/// Number of ranking features.
inline constexpr std::size_t ranking_feature_count = 8;

/// Feature values of one pair, indexed by ranking_feature.
using ranking_features = std::array<double, ranking_feature_count>;

/// Idle days are capped here (and members without a dated contact get it).
inline constexpr double ranking_idle_cap_days = 365.0;

/// True for the features of the peer alone (happiness and the peer_* ones).
constexpr bool is_peer_feature(ranking_feature f) noexcept {
    return f == ranking_feature::happiness || f == ranking_feature::peer_log_degree ||
           f == ranking_feature::peer_activity || f == ranking_feature::peer_idle_days;
}

/// 1 / (1 + exp(-eta)), without overflow.
double logistic(double eta) noexcept;

/// "similarity", "peer_log_degree", ...
const char* to_string(ranking_feature f) noexcept;
/// Parse a feature name. @throws config_error naming the known ones.
ranking_feature parse_ranking_feature(std::string_view name);

/// The threads (content.csv) every member of a community took part in: a
/// thread is a root item and every item whose parent chain leads to it; a
/// member takes part by authoring an item of the thread.
class content_threads {
public:
    content_threads() = default;
    /// Items created at or before `until` (unix seconds) count; authors who
    /// are not members of `c` are ignored. O(items + members).
    content_threads(const community& c, const content_table& content,
                    double until = std::numeric_limits<double>::infinity());

    /// Sorted, distinct threads (root rows of the content) of a member.
    std::span<const std::uint32_t> of(member_index i) const noexcept {
        return {threads_.data() + member_offsets_[i], threads_.data() + member_offsets_[i + 1]};
    }
    /// Sorted, distinct members who took part in a thread (by thread slot,
    /// see of()), for the two-hop search of the recommender.
    std::span<const member_index> members_of(std::uint32_t thread) const;
    /// Threads both members took part in. O(|of(u)| + |of(v)|).
    std::size_t shared(member_index u, member_index v) const noexcept;
    /// Latest creation time of the counted items; -inf when none.
    double latest() const noexcept { return latest_; }
    /// Members the threads were built for.
    std::size_t size() const noexcept { return member_offsets_.empty() ? 0 : member_offsets_.size() - 1; }

private:
    std::vector<std::uint64_t> member_offsets_;  // member -> its threads
    std::vector<std::uint32_t> threads_;         // root rows, sorted per member
    std::vector<std::uint32_t> thread_rows_;     // sorted distinct root rows that have members
    std::vector<std::uint64_t> thread_offsets_;  // thread slot -> its members
    std::vector<member_index> thread_members_;
    double latest_ = -std::numeric_limits<double>::infinity();
};

/// A fitted ranking model: P(pair interacts) = 1 / (1 + exp(-eta)) with
/// eta = intercept + sum_j coefficient_j * (x_j - mean_j) / scale_j.
struct ranking_model {
    /// Format version of model.json written by this library.
    static constexpr int format_version = 1;

    std::vector<ranking_feature> features;  ///< the model's features, in design order
    std::vector<double> coefficients;       ///< per feature, on the standardised scale
    double intercept = 0;
    std::vector<double> mean;   ///< per feature: training mean
    std::vector<double> scale;  ///< per feature: training standard deviation (1 for a constant feature)
    double half_life_days = 30;

    /// How the model was trained (kept in model.json; not used to score).
    struct training_info {
        double split_at = 0;             ///< T: labels end here (exclusive), unix seconds
        double window_start = 0;         ///< T - horizon: features are computed as of this time
        double horizon_days = 0;         ///< label window length
        double l2 = 0;                   ///< ridge penalty on the standardised coefficients
        std::size_t negatives = 0;       ///< sampled negatives per member (0 = every eligible pair)
        std::uint64_t seed = 0;          ///< negative sampling seed
        std::size_t members = 0;         ///< members at window_start
        std::size_t active_members = 0;  ///< members with at least one positive pair
        std::size_t samples = 0;         ///< rows of the design matrix
        std::size_t positives = 0;       ///< rows labelled 1
        int iterations = 0;              ///< Newton steps
        bool converged = false;
        double log_likelihood = 0;  ///< unpenalised, at the fit
    } training;

    /// True when the model reads co_participation (it then needs content).
    bool uses(ranking_feature f) const noexcept;
    /// The linear predictor eta of feature values: peer_part(x) + pair_part(x).
    double linear_predictor(const ranking_features& x) const noexcept;
    /// The intercept plus the terms of the features of the peer alone
    /// (happiness, peer_log_degree, peer_activity, peer_idle_days), in the
    /// model's feature order: the same for every member.
    double peer_part(const ranking_features& x) const noexcept;
    /// The terms of the pair features (similarity, tags, proximity,
    /// co_participation), in the model's feature order, summed from 0.
    double pair_part(const ranking_features& x) const noexcept;
    /// 1 / (1 + exp(-eta)).
    double probability(const ranking_features& x) const noexcept;
    /// coefficient_j * (x_j - mean_j) / scale_j per feature (0 for features
    /// the model does not use): what pushed this pair above or below an
    /// average training pair.
    ranking_features contributions(const ranking_features& x) const noexcept;
    /// Check sizes and values. @throws config_error.
    void validate() const;
};

/// model.json text (docs/formats.md, "model.json").
std::string model_json(const ranking_model& m);
/// Parse model.json. Errors name the source and the JSON path, e.g.
/// `model.json: $.coefficients[2]: expected a finite number, got a string`.
/// @throws config_error.
ranking_model parse_model_json(std::string_view text, std::string_view source = "model.json");
/// Read model.json. @throws config_error (also when unreadable).
ranking_model read_model(const std::filesystem::path& path);
/// Write model.json. @throws error when the file cannot be written.
void write_model(const ranking_model& m, const std::filesystem::path& path);

/// When and how the features are computed beyond the community itself.
struct ranking_context {
    /// "Now", unix seconds: dated contacts (and content) at or before it
    /// count for the activity features. NaN: the latest dated contact of the
    /// community or item of the content.
    double as_of = std::numeric_limits<double>::quiet_NaN();
    /// Content threads for co_participation; null when no content is given.
    std::shared_ptr<const content_threads> threads;
};

/// A model applied to one community at one time: per-member peer features
/// are computed once (O(members + dated contacts)); a pair then costs
/// O(d + tags + degrees + threads). Immutable and thread-safe.
class ranking_scorer {
public:
    /// @throws config_error when the model is invalid, when it reads
    /// co_participation and no threads are given, or when as_of is not given
    /// and the community has no dated contacts.
    ranking_scorer(const community& c, ranking_model model, ranking_context context = {});

    const community& source() const noexcept { return *c_; }
    const ranking_model& model() const noexcept { return model_; }
    /// The resolved reference time.
    double as_of() const noexcept { return as_of_; }
    const content_threads* threads() const noexcept { return threads_.get(); }

    /// One peer-only feature of v (peer_log_degree, peer_activity,
    /// peer_idle_days).
    double peer_feature(member_index v, ranking_feature f) const noexcept;
    /// Every feature of the pair (co_participation 0 without threads).
    ranking_features features(member_index u, member_index v) const;
    /// A sentence naming the features that drove the pair (largest positive
    /// contributions first), e.g. "2 shared threads; active peer (3.1
    /// decayed contacts); shares qubit".
    std::string reason(member_index u, member_index v, const ranking_features& x) const;

private:
    const community* c_;
    ranking_model model_;
    std::shared_ptr<const content_threads> threads_;
    double as_of_ = 0;
    std::vector<double> log_degree_, activity_, idle_;
};

/// Per-member dated activity as of a time (the inputs of peer_activity and
/// peer_idle_days): decayed count sum 2^(-(as_of - t) / half_life) over the
/// member's dated contacts t <= as_of, and days since the last of them
/// (capped at ranking_idle_cap_days; the cap when there is none).
void member_activity(const community& c, double as_of, double half_life_days, std::vector<double>& decayed,
                     std::vector<double>& idle_days);

/// Options of fit_ranking().
struct fit_options {
    /// T, unix seconds: the end (exclusive) of the label window. Required.
    double split_at = std::numeric_limits<double>::quiet_NaN();
    /// Label window [T - horizon, T), days.
    double horizon_days = 30;
    /// Half-life of peer_activity, days.
    double half_life_days = 30;
    /// Negatives sampled per active member (without replacement, seeded);
    /// 0 = every eligible pair of the active members.
    std::size_t negatives = 50;
    /// Ridge penalty on the standardised coefficients (scikit-learn C = 1 / l2); 0 = none.
    double l2 = 1.0;
    std::uint64_t seed = 0;
    /// Hard rule 3 for the training pairs (the journey's minimum when not set).
    std::optional<int> min_satisfaction;
    /// Worker threads; 0 = all cores. Results do not depend on it.
    unsigned threads = 0;
    /// Newton iterations at most and the convergence tolerance.
    int max_iterations = 100;
    double tolerance = 1e-10;
};

/// The training rows: one (member, peer) pair per row, raw feature values.
struct ranking_design {
    std::vector<ranking_feature> features;  ///< the columns
    std::vector<std::string> member;        ///< member id per row
    std::vector<std::string> peer;          ///< peer id per row
    std::vector<double> values;             ///< rows x features, row-major, raw (not standardised)
    std::vector<std::uint8_t> label;        ///< 1: the pair first interacted in the label window
    std::size_t rows() const noexcept { return label.size(); }
};

/// A fit: the model and the rows it was fitted on.
struct ranking_fit {
    ranking_model model;
    ranking_design design;
};

/// Dated history: members (optionally with `created`), interactions with a
/// timestamp on every row, optional content.
struct ranking_history {
    journey j;
    member_table members;
    interaction_table interactions;  ///< endpoints are rows of `members`
    std::optional<content_table> content;
};

/// The training rows of history before split_at (docs/ranking.md, "No
/// leakage"): features as of T0 = split_at - horizon from the contacts and
/// content before T0 and the members created before T0; label 1 for the
/// eligible pairs (hard rules at T0) whose first contact falls in [T0, T);
/// every member with a label-1 pair contributes it and `negatives` sampled
/// eligible pairs that did not interact. Nothing at or after T is read.
/// @throws config_error on bad options, a missing timestamp, or no positive pair.
ranking_design build_ranking_design(const ranking_history& h, const fit_options& options);

/// build_ranking_design(), then the regularised logistic regression on the
/// standardised design (constant columns get coefficient 0).
/// @throws config_error.
ranking_fit fit_ranking(const ranking_history& h, const fit_options& options);

/// The members alive at time t (no `created` column, or created before t)
/// and the interactions before t between them, as a community: what the
/// data looked like at t. Interaction rows need timestamps.
/// @throws config_error.
community community_before(const ranking_history& h, double t);

}  // namespace engage_right
