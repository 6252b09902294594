#pragma once
/// @file simulate.hpp
/// Can the journey go viral? A stochastic model of members moving along the
/// journey under a contact policy, run by Monte Carlo over the real community
/// or as a mean-field recursion, and its viral reproduction number R
/// (docs/simulation.md).
///
/// Model, per sub-step of length `dt` rounds (a round is a week by default):
/// a member at stage s < S-1 with c contacts at stage s+1 advances with hazard
/// h = base[s] + lift[s] * c and leaves with hazard mu = churn[s]. The two are
/// competing: an event happens with probability 1 - exp(-dt (h + mu)) and is an
/// advance with probability h / (h + mu). New prospects arrive at stage 0:
/// Poisson(arrivals * dt) plus Poisson(referral_rate * dt * n_last) referrals.
/// All rates use the state at the start of the sub-step (synchronous update).

#include <engage_right/community.hpp>
#include <engage_right/types.hpp>

#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace engage_right {

/// Who meets whom in the simulation.
enum class sim_policy : std::uint8_t {
    engage_right,  ///< each round, seats of eligible peers one stage to the right, up to per_member per seeker
    random,        ///< per_member contacts drawn uniformly from all alive members; those at s+1 count
    none,          ///< no contacts: only the base hazard
    mass_action,   ///< c = contact_rate * (share of stage s+1 among the alive), classic mean-field mixing
};

/// "engage_right", "random", "none" or "mass_action".
const char* to_string(sim_policy p) noexcept;
/// Parse a policy name. @throws config_error.
sim_policy parse_sim_policy(std::string_view name);

/// How the model is run.
enum class sim_engine : std::uint8_t {
    monte_carlo,  ///< every member of the community, seeded random draws
    mean_field,   ///< expected counts per stage, deterministic
};

/// "monte_carlo" or "mean_field".
const char* to_string(sim_engine e) noexcept;
/// Parse an engine name. @throws config_error.
sim_engine parse_sim_engine(std::string_view name);

/// Rates of the model. Hazards are per round. Vectors may be left empty (the
/// default value for every step or stage) or hold one value (used for every
/// step or stage); otherwise `base` and `lift` have one value per step (S-1)
/// and `churn` one per stage (S). resolve() checks and expands them.
struct simulation_params {
    std::vector<double> base;     ///< spontaneous advance hazard per step, >= 0 (default 0.02)
    std::vector<double> lift;     ///< extra advance hazard per contact per step, >= 0 (default 0.10)
    std::vector<double> churn;    ///< leaving hazard per stage, >= 0 (default 0.02)
    double arrivals = 0;          ///< new prospects per round (Poisson), >= 0
    double referral_rate = 0.05;  ///< referrals per last-stage member per round (Poisson), >= 0
    double contact_rate = 1;      ///< mass_action: contacts per round when everyone is at s+1, >= 0
    int per_member = 1;           ///< engage_right and random: contacts per seeker per round, >= 0
    double dt = 1;                ///< sub-step length in rounds; 0 < dt <= 1 and 1/dt an integer
    double round_days = 7;        ///< days per round, > 0 (timestamps of the event log)

    static constexpr double default_base = 0.02;   ///< default of every base[s]
    static constexpr double default_lift = 0.10;   ///< default of every lift[s]
    static constexpr double default_churn = 0.02;  ///< default of every churn[s]

    /// Number of sub-steps per round (1/dt).
    int substeps() const;

    /// A copy with full-length vectors for a journey of `stages` stages.
    /// @throws config_error naming the field (negative or non-finite rate, dt
    /// not dividing 1, wrong vector length, ...).
    simulation_params resolve(std::size_t stages) const;

    /// Parse a JSON object (docs/simulation.md): keys base, lift, churn (a
    /// number for every step/stage, or an array), arrivals, referral_rate,
    /// contact_rate, per_member, dt, round_days; missing keys keep their
    /// defaults. The result is resolved for `stages` stages.
    /// @throws config_error "SOURCE: $.key: what" for unknown keys, wrong types
    /// and invalid values.
    static simulation_params from_json(std::string_view text, std::size_t stages, std::string_view source = "<params>");
    /// Read a JSON params file. @throws config_error.
    static simulation_params load(const std::filesystem::path& path, std::size_t stages);
    /// The resolved parameters as a JSON object (full-length arrays).
    std::string to_json() const;
};

/// Options of simulate().
struct simulation_options {
    int rounds = 52;  ///< rounds to simulate, >= 0
    sim_policy policy = sim_policy::engage_right;
    sim_engine engine = sim_engine::monte_carlo;
    simulation_params params;  ///< resolved against the community's journey
    std::uint64_t seed = 0;    ///< Monte Carlo seed
    unsigned threads = 0;      ///< Monte Carlo worker threads, 0 = all cores; never changes results
    /// Monte Carlo: keep the event log (contacts and stage entries). Memory
    /// grows with the number of events, so it is off by default.
    bool log = false;
    double origin = 1767225600;  ///< unix seconds of the start of round 0 (2026-01-01T00:00:00Z)
    /// Stop with config_error when the population would exceed this (Monte
    /// Carlo: members ever alive, or one round's expected arrivals; mean
    /// field: the expected members alive); protects against explosive
    /// parameters and keeps every count exact.
    std::size_t max_members = 200'000'000;
    /// Monte Carlo `engage_right`: plan each round with the exact optimal
    /// matching of match() (maximum total reference score over the eligible
    /// pairs, capacities, per_member; pairs that have interacted are left
    /// out) instead of dealing seats. Pairs with an arrival score only the
    /// peer's happiness (arrivals have no profile). Costs a score per
    /// (seeker, peer) pair and round, so a step may have at most
    /// `max_plan_pairs` of them.
    bool exact_plan = false;
    std::size_t max_plan_pairs = 20'000'000;  ///< with exact_plan: seekers x peers per step and round
};

/// Event log of a Monte Carlo run, in the formats of DESIGN.md section 2.
/// Members 0 .. initial_members-1 are the community's (community order);
/// later indices are arrivals in order of arrival, named `sim-<n>` with
/// n = index - initial_members + 1. Times are in rounds since the origin.
struct simulation_log {
    bool kept = false;  ///< true when the run kept a log
    std::size_t initial_members = 0;
    /// Contacts with a member one stage to the right: seeker, peer, round.
    std::vector<std::uint32_t> contact_source;
    std::vector<std::uint32_t> contact_target;
    std::vector<std::uint32_t> contact_round;  ///< stamped at the start of the round
    /// Stage entries (initial stages at time 0, then every entry in time order).
    std::vector<std::uint32_t> entry_member;
    std::vector<stage_index> entry_stage;
    std::vector<double> entry_time;  ///< rounds since the origin: r + (j + 0.5) dt for sub-step j of round r
};

/// Result of simulate(). Tables are row-major; row r is the state after r
/// rounds (row 0 = initial), flows in row r happened during round r (row 0 is 0).
struct simulation_result {
    sim_policy policy = sim_policy::engage_right;
    sim_engine engine = sim_engine::monte_carlo;
    std::size_t stages = 0;  ///< S
    std::size_t rounds = 0;
    simulation_params params;         ///< resolved
    std::vector<double> counts;       ///< (rounds+1) x S alive members per stage (integers in Monte Carlo)
    std::vector<double> conversions;  ///< (rounds+1) x (S-1) members advancing s -> s+1 during the round
    std::vector<double> arrivals;     ///< rounds+1: prospects arriving during the round
    std::vector<double> referrals;    ///< rounds+1: referred prospects arriving during the round
    std::vector<double> churned;      ///< rounds+1: members leaving during the round
    std::vector<double> contacts;     ///< (rounds+1) x (S-1): the policy's expected contacts per seeker at each state
    std::vector<double> viral_r_by_round;  ///< rounds+1: R at the state after each round
    double viral_r = 0;                    ///< R at the initial state
    double viral_r_final = 0;              ///< R at the final state
    double origin = 0;                     ///< unix seconds of the start of round 0
    simulation_log log;                    ///< Monte Carlo with options.log only

    /// Alive members at stage s after round r.
    double count(std::size_t r, std::size_t s) const { return counts[r * stages + s]; }
    /// Members advancing s -> s+1 during round r (r >= 1).
    double conversion(std::size_t r, std::size_t s) const { return conversions[r * (stages - 1) + s]; }
    /// Unix seconds of a time in rounds since the origin.
    double unix_time(double round_time) const { return origin + round_time * params.round_days * 86400.0; }
};

/// Run the model on a community (its stages, capacities, satisfaction and
/// opt-outs; the interaction graph is not used). Monte Carlo results depend
/// only on the inputs and the seed, never on the thread count. Cost: Monte
/// Carlo O(members x sub-steps); mean field O(S x sub-steps) after one pass
/// over the community.
/// @throws config_error on invalid options or parameters.
simulation_result simulate(const community& c, const simulation_options& options = {});

/// The policy's expected contacts per seeker for every step at a state
/// (alive members per stage `counts`): none 0; mass_action contact_rate *
/// n[s+1] / N; random per_member * n[s+1] / N; engage_right min(per_member,
/// kappa[s+1] * n[s+1] / n[s]) with kappa the eligible seats per member of
/// each stage (0 on disabled steps). `params` must be resolved.
std::vector<double> expected_contacts(sim_policy policy, const simulation_params& params, std::span<const double> kappa,
                                      std::span<const double> counts, const journey& j);

/// Eligible seats per member of each stage in a community: the capacities of
/// members who may be peers (not opted out, satisfaction unknown or >= the
/// journey's min_peer_satisfaction, capacity > 0) over the stage's size; the
/// journey's default capacity for an empty stage.
std::vector<double> seats_per_member(const community& c);

/// The viral reproduction number: the expected number of prospects one new
/// prospect brings in by referral,
///   R = prod_s P_s * referral_rate * T_last,
/// with P_s = h_s / (h_s + mu_s) the probability of advancing before leaving
/// (h_s = base[s] + lift[s] * contacts[s]; 1 when mu_s = 0 < h_s, 0 when h_s = 0)
/// and T_last = dt / (1 - exp(-mu_last dt)) the expected rounds at the last
/// stage (infinite when mu_last = 0). Exact for the discrete model with
/// constant contacts. `contacts` has one value per step; params are resolved
/// for contacts.size() + 1 stages. Returns +infinity when T_last is infinite
/// and the rest is positive. @throws config_error.
double viral_reproduction_number(const simulation_params& params, std::span<const double> contacts);

/// Id of a member of a simulation: the community's id, or `sim-<n>` for arrivals.
std::string simulated_member_id(const community& c, const simulation_result& r, std::uint32_t member);

/// Write the logged contacts as interactions.csv (`source,target,weight,timestamp`).
void write_interactions_log(std::ostream& out, const community& c, const simulation_result& r);
/// Write the logged stage entries as stages.csv (`member,stage,timestamp`).
void write_stages_log(std::ostream& out, const community& c, const simulation_result& r);
/// Write both files. @throws config_error when the run kept no log, error when a file cannot be written.
void write_event_log(const std::filesystem::path& interactions, const std::filesystem::path& stages, const community& c,
                     const simulation_result& r);

}  // namespace engage_right
