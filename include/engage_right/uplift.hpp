#pragma once
/// @file uplift.hpp
/// Uplift from history: does a contact one stage to the right move a member
/// forward, and by how much (docs/uplift.md)?
///
/// From a timestamped contact log (interactions.csv) and the dates at which
/// members entered stages (stages.csv), person-period windows on a fixed time
/// grid are built for every step s -> s+1: a member at s at the start of a
/// window is "treated" when they had at least one contact with a member then
/// at s+1 before advancing, and the outcome is whether they advanced within
/// the window. A logistic regression per step (IRLS, below) gives the odds
/// ratio and the implied `lift[s]`, the extra cumulative hazard of advancing
/// per contact, in the units that the simulator takes.

#include <engage_right/io.hpp>
#include <engage_right/journey.hpp>
#include <engage_right/simulate.hpp>
#include <engage_right/types.hpp>

#include <Eigen/Core>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace engage_right {

// ---------------------------------------------------------------------------
// Logistic regression

/// Options of logistic_regression().
struct logistic_options {
    /// Newton (IRLS) iterations at most.
    int max_iterations = 100;
    /// Converged when the largest coefficient change of an iteration is below
    /// tolerance * (1 + |coefficient|).
    double tolerance = 1e-10;
    /// Ridge (L2) penalty per column of X, each >= 0; empty: none. The fit
    /// then maximises log L - sum_k l2[k] * b[k]^2 / 2 (scikit-learn's
    /// LogisticRegression with C = 1 / l2 on the penalised columns and an
    /// unpenalised intercept column). Penalised columns may be collinear.
    std::vector<double> l2;
};

/// A fitted logistic regression P(y = 1 | x) = 1 / (1 + exp(-x'b)).
struct logistic_fit {
    Eigen::VectorXd params;     ///< coefficients b, one per column of X
    Eigen::VectorXd bse;        ///< standard errors: sqrt(diag(cov))
    Eigen::MatrixXd cov;        ///< inverse Fisher information (X' W X + diag(l2))^-1 at b, W = diag(p (1 - p))
    double log_likelihood = 0;  ///< sum of y ln p + (1 - y) ln(1 - p) at b
    int iterations = 0;         ///< Newton steps taken
    bool converged = false;     ///< the coefficients settled within the tolerance
    /// The likelihood keeps rising while some coefficients grow without
    /// bound: the outcome is (quasi-)completely separated by the design.
    /// converged is false then and the coefficients are meaningless.
    bool separation = false;
};

/// Maximum-likelihood logistic regression by Newton's method (iteratively
/// reweighted least squares) with step halving whenever a step lowers the
/// likelihood. X is n x p (include a column of ones for an intercept), y has
/// n values in [0, 1] (usually 0/1). Never throws on separation or
/// non-convergence: check converged and separation. O(n p^2) per iteration.
/// @throws config_error when the sizes differ, n or p is 0, a value is not
///         finite, y is outside [0, 1], or X does not have full column rank
///         (the message names a column that depends on the others).
logistic_fit logistic_regression(const Eigen::MatrixXd& X, const Eigen::VectorXd& y,
                                 const logistic_options& options = {});

// ---------------------------------------------------------------------------
// Input: the event history

/// The history that uplift learning reads, with member ids as free strings
/// (no members.csv needed): stage entries and timestamped contacts.
struct uplift_history {
    /// Distinct member ids, in order of first appearance (stages.csv first).
    std::vector<std::string> ids;
    /// stages.csv: member (index into ids) entered stage at time (unix seconds).
    std::vector<std::uint32_t> entry_member;
    std::vector<stage_index> entry_stage;
    std::vector<double> entry_time;
    /// interactions.csv: an undirected contact between two members at a time.
    /// Self-contacts are kept here and ignored by the windowing.
    std::vector<std::uint32_t> contact_source;
    std::vector<std::uint32_t> contact_target;
    std::vector<double> contact_time;
    /// Per id: the `activity` of members.csv (NaN when unknown); empty when
    /// no members file was given.
    std::vector<double> activity;

    /// Index of an id, or nullopt. O(1) expected.
    std::optional<std::uint32_t> find(std::string_view id) const;
    /// Index of an id, appended to ids when new (activity, when present,
    /// grows with NaN). O(1) expected.
    std::uint32_t intern(std::string_view id);

private:
    // id -> index; rebuilt from ids whenever the two disagree in size.
    mutable std::unordered_map<std::string, std::uint32_t> index_;
    void sync() const;
};

/// Undoes every append to a history made while it lives unless commit() is
/// called: the "nothing half-loaded" rule for code that fills a history from
/// several sources. (The id index notices the shorter id list and rebuilds.)
class uplift_history_guard {
public:
    explicit uplift_history_guard(uplift_history& h) noexcept;
    uplift_history_guard(const uplift_history_guard&) = delete;
    uplift_history_guard& operator=(const uplift_history_guard&) = delete;
    ~uplift_history_guard();
    /// Keep the appends.
    void commit() noexcept { done_ = true; }

private:
    uplift_history& h_;
    std::size_t ids_, entries_, contacts_, activity_;
    bool done_ = false;
};

/// Append the rows of stages.csv text (`member,stage,timestamp`; stage names
/// resolved against the journey, ASCII case-insensitive; timestamps unix
/// seconds or ISO-8601; unknown extra columns ignored) to a history.
/// @throws input_error naming file, line and column; the history is then
///         unchanged.
void parse_stage_entries(uplift_history& h, std::string_view text, const journey& j,
                         std::string_view source = "stages.csv");

/// Append the rows of interactions.csv text (`source,target[,weight][,timestamp]`;
/// the timestamp column and every timestamp are required here; weights are
/// checked and otherwise ignored: a row is one contact) to a history.
/// @throws input_error naming file, line and column; the history is then
///         unchanged.
void parse_contacts(uplift_history& h, std::string_view text, std::string_view source = "interactions.csv");

/// Set the activity of the history's ids from members.csv (read with the
/// stage column optional; rows of other ids are ignored; ids without a row
/// get NaN). @throws input_error.
void read_activity(uplift_history& h, const std::filesystem::path& members, const journey& j);

/// Set the activity of the history's ids from member columns (a DataFrame):
/// `id` and `activity` with the rules of members.csv (other columns are not
/// read; rows of other ids are ignored; ids without a row get NaN). Errors
/// name the 0-based row. @throws config_error.
void set_activity(uplift_history& h, const member_columns& members, const journey& j);

/// Append stage entries given as columns (a DataFrame): member ids and stage
/// names as in stages.csv, unix seconds. Errors name `what` and the 0-based
/// row; nothing is appended then. @throws config_error.
void add_stage_entries(uplift_history& h, std::span<const std::string> members, std::span<const std::string> stages,
                       std::span<const double> seconds, const journey& j, std::string_view what = "stages");

/// Append contacts given as columns, with the rules of parse_contacts:
/// non-empty ids, weights checked and otherwise ignored, a finite timestamp
/// on every row (`timestamp` must hold one per row). Errors name `what` and
/// the 0-based row; nothing is appended then. @throws config_error.
void add_contacts(uplift_history& h, const interaction_columns& contacts, std::string_view what = "interactions");

/// Parse stages.csv and interactions.csv text (parse_stage_entries, then
/// parse_contacts). @throws input_error naming file, line and column.
uplift_history parse_uplift_history(std::string_view interactions_text, std::string_view stages_text, const journey& j,
                                    std::string_view interactions_source = "interactions.csv",
                                    std::string_view stages_source = "stages.csv");

/// Read both files; with `members`, also members.csv (the stage column may
/// be missing; `activity` is taken for the ids of the history, other rows
/// are ignored). @throws input_error.
uplift_history read_uplift_history(const std::filesystem::path& interactions, const std::filesystem::path& stages,
                                   const journey& j, const std::optional<std::filesystem::path>& members = {});

// ---------------------------------------------------------------------------
// Person-period windows

/// Bounds of the window grid, checked before any work: at most this many
/// windows between the origin and the last event, and at most this many
/// (member, window) rows in all. Beyond them the options are an input error.
inline constexpr std::size_t max_uplift_windows = 1000000;
inline constexpr std::size_t max_uplift_member_windows = 100000000;

/// Options of the windowing and of estimate_uplift().
struct uplift_options {
    /// Window length W in days (> 0). Windows are [origin + k W, origin + (k+1) W).
    double window_days = 30;
    /// Grid origin, unix seconds. Default: the earliest stages.csv timestamp.
    std::optional<double> origin;
    /// Extra regressors after [1, treated]: "contacts" (the number of
    /// contacts with members at s+1 in the window) and/or "activity" (from
    /// members.csv; every member with a window needs one).
    std::vector<std::string> covariates;
    /// Round length of the simulator in days, to also report the base
    /// hazard per round (uplift_step::base_round). Unset: not reported.
    std::optional<double> round_days;
    /// IRLS settings of the per-step regressions.
    logistic_options fit;
};

/// Parse a comma-separated covariate list (`contacts`, `activity`; spaces
/// around names and empty items are ignored) into uplift_options::covariates.
/// @throws config_error for an unknown or repeated name.
std::vector<std::string> parse_covariates(std::string_view list);

/// Check a covariate list (known names, none twice). @throws config_error.
void validate_covariates(std::span<const std::string> covariates);

/// One person-period window of a member at stage `from`.
struct uplift_window {
    std::uint32_t member = 0;    ///< index into uplift_history::ids
    stage_index from = 0;        ///< the member's stage at the window start
    std::uint32_t k = 0;         ///< window number: start = origin + k W
    std::uint32_t contacts = 0;  ///< contacts with members at from+1, before the outcome
    bool advanced = false;       ///< entered a stage > from within the window
};

/// The windows of a history, and the grid used.
struct uplift_windows {
    double origin = 0;                   ///< unix seconds
    double window_seconds = 0;           ///< W in seconds
    double data_end = 0;                 ///< latest timestamp of either file
    std::size_t grid_windows = 0;        ///< K: windows k = 0..K-1 end no later than data_end
    std::size_t self_contacts = 0;       ///< contacts of a member with itself, ignored
    std::vector<uplift_window> windows;  ///< by member, then k
};

/// Build the person-period windows. A member's stage at time t is the stage
/// of their latest entry with timestamp <= t (the highest stage among entries
/// at the same time); before their first entry they have none. A member
/// contributes window k for step s -> s+1 when their stage at the window
/// start is s < S-1; windows ending after the data end are dropped
/// (censoring). Outcome: an entry into any stage > s within [start, end).
/// Contacts: rows of interactions.csv (either direction) within
/// [start, min(end, outcome time)) whose partner's stage at the contact time
/// is s+1. O((E + C) log(E + C) + windows * log).
/// @throws config_error on bad options or an empty stage history.
uplift_windows build_uplift_windows(const uplift_history& h, const journey& j, const uplift_options& options = {});

// ---------------------------------------------------------------------------
// Estimates

/// The estimate of one step s -> s+1. Rates and counts come from the
/// windows; odds ratio, base and lift from the logistic regression of the
/// outcome on [1, treated, covariates...]. Model-based numbers are NaN
/// unless status is "ok".
struct uplift_step {
    stage_index from = 0;              ///< s
    stage_index to = 0;                ///< s + 1
    std::size_t windows = 0;           ///< person-period windows at s
    std::size_t members = 0;           ///< distinct members among them
    std::size_t treated = 0;           ///< windows with at least one contact at s+1
    std::size_t advanced = 0;          ///< windows in which the member advanced
    std::size_t treated_advanced = 0;  ///< treated windows in which the member advanced
    double base_rate = 0;              ///< advance rate of untreated windows (NaN when none)
    double treated_rate = 0;           ///< advance rate of treated windows (NaN when none)
    double mean_contacts = 0;          ///< m: mean contacts of the treated windows (NaN when none)
    double odds_ratio = 0;             ///< exp(b_treated)
    double odds_ratio_low = 0;         ///< 95% Wald interval of the odds ratio
    double odds_ratio_high = 0;
    double p_value = 0;  ///< two-sided Wald test of b_treated = 0
    /// Cumulative hazard of advancing per window without contact,
    /// -ln(1 - p0). When the model is not "ok" but untreated windows exist,
    /// the crude -ln(1 - base_rate).
    double base = 0;
    /// base * round_days / window_days: the simulator's base per round (NaN
    /// without uplift_options::round_days).
    double base_round = 0;
    /// Extra cumulative hazard per contact: (-ln(1-p1) + ln(1-p0)) / m.
    double lift = 0;
    double lift_low = 0;  ///< 95% delta-method interval of lift
    double lift_high = 0;
    bool converged = false;  ///< the regression converged
    /// "ok", "no_windows", "no_treated", "all_treated", "rank_deficient"
    /// (a covariate is constant or collinear), "separation", "not_converged".
    std::string status;
    /// Names of the regression terms: const, treated, then the covariates.
    std::vector<std::string> terms;
    /// The regression (empty params unless it was fitted).
    logistic_fit fit;
};

/// Estimates per step, in step order, and the grid.
struct uplift_result {
    double origin = 0;  ///< unix seconds
    double window_days = 0;
    double data_end = 0;  ///< unix seconds
    std::size_t self_contacts = 0;
    std::vector<uplift_step> steps;  ///< one per step, stage_count() - 1
};

/// Estimate uplift per step from a history (see build_uplift_windows for the
/// windows). p0 = sigmoid(x0'b), p1 = sigmoid(x1'b) with x0 = [1, 0, 0, ā],
/// x1 = [1, 1, m, ā] (contacts and activity terms only when chosen; ā the
/// mean activity of the step's windows); lift = (softplus(x1'b) -
/// softplus(x0'b)) / m with its interval by the delta method from cov(b),
/// m taken as fixed.
/// @throws config_error on bad options, an unknown covariate, "activity"
///         without activity data or a member with windows and no activity.
uplift_result estimate_uplift(const uplift_history& h, const journey& j, const uplift_options& options = {});

/// Simulation rates taken from uplift estimates: what `learn --params-out`
/// writes for `simulate --params`.
struct uplift_rates {
    std::vector<double> base;  ///< per step: base hazard per round (base * round_days / window_days)
    std::vector<double> lift;  ///< per step: lift per contact, >= 0
    /// One line per value that could not be taken as estimated and was
    /// written as 0: no estimate (the step's status), or a negative lift
    /// (the simulator takes hazards >= 0).
    std::vector<std::string> warnings;

    /// `{"base": [...], "lift": [...]}`: a params file for simulate (the
    /// other simulation parameters keep their defaults).
    std::string to_json() const;
    /// Simulation parameters with base and lift set, the rest default.
    simulation_params to_params() const;
};

/// Per-round simulation rates from estimates, for rounds of `round_days`
/// days. Step names in the warnings come from `j`.
/// @throws config_error when round_days is not a number > 0.
uplift_rates simulation_rates(const uplift_result& result, const journey& j, double round_days);

/// Read the files (read_uplift_history) and estimate.
uplift_result estimate_uplift(const std::filesystem::path& interactions, const std::filesystem::path& stages,
                              const journey& j, const uplift_options& options = {},
                              const std::optional<std::filesystem::path>& members = {});

}  // namespace engage_right
