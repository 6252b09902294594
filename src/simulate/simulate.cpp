#include <engage_right/detail/csv.hpp>
#include <engage_right/error.hpp>
#include <engage_right/io.hpp>
#include <engage_right/matching.hpp>
#include <engage_right/scoring.hpp>
#include <engage_right/simulate.hpp>

#include "util/json.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <numeric>
#include <ostream>
#include <sstream>
#include <thread>

namespace engage_right {

const char* to_string(sim_policy p) noexcept {
    switch (p) {
        case sim_policy::engage_right: return "engage_right";
        case sim_policy::random: return "random";
        case sim_policy::none: return "none";
        case sim_policy::mass_action: return "mass_action";
    }
    return "?";
}

sim_policy parse_sim_policy(std::string_view name) {
    if (name == "engage_right") return sim_policy::engage_right;
    if (name == "random") return sim_policy::random;
    if (name == "none") return sim_policy::none;
    if (name == "mass_action") return sim_policy::mass_action;
    throw config_error(
        fmt::format("unknown policy '{}' (expected engage_right, random, none or mass_action)", name));
}

const char* to_string(sim_engine e) noexcept {
    switch (e) {
        case sim_engine::monte_carlo: return "monte_carlo";
        case sim_engine::mean_field: return "mean_field";
    }
    return "?";
}

sim_engine parse_sim_engine(std::string_view name) {
    if (name == "monte_carlo") return sim_engine::monte_carlo;
    if (name == "mean_field") return sim_engine::mean_field;
    throw config_error(fmt::format("unknown engine '{}' (expected monte_carlo or mean_field)", name));
}

// ------------------------------------------------------------ params ---

namespace {

constexpr int max_per_member = 10000;
constexpr double max_substeps = 1e6;

bool is_rate(double v) noexcept { return std::isfinite(v) && v >= 0; }

// 1/dt as an integer, or 0 when dt does not divide a round.
long long substeps_of(double dt) noexcept {
    if (!std::isfinite(dt) || !(dt > 0) || dt > 1) return 0;
    const double inv = 1.0 / dt;
    const double k = std::round(inv);
    if (k < 1 || k > max_substeps || std::abs(inv - k) > 1e-9 * k) return 0;
    return static_cast<long long>(k);
}

std::string dt_problem(double dt) {
    return fmt::format("expected 0 < dt <= 1 with 1/dt an integer (1, 0.5, 0.25, 0.1, ...), got {}", dt);
}

std::vector<double> expand(const std::vector<double>& v, std::size_t n, double fallback, const char* name,
                           const char* per) {
    if (v.empty()) return std::vector<double>(n, fallback);
    if (v.size() != 1 && v.size() != n)
        throw config_error(fmt::format("simulation params: {}: expected 1 or {} values (one per {}), got {}", name, n,
                                       per, v.size()));
    std::vector<double> out = v.size() == 1 ? std::vector<double>(n, v[0]) : v;
    for (std::size_t i = 0; i < n; ++i)
        if (!is_rate(out[i]))
            throw config_error(
                fmt::format("simulation params: {}[{}]: expected a finite number >= 0, got {}", name, i, out[i]));
    return out;
}

}  // namespace

int simulation_params::substeps() const {
    const long long k = substeps_of(dt);
    if (k == 0) throw config_error("simulation params: dt: " + dt_problem(dt));
    return static_cast<int>(k);
}

simulation_params simulation_params::resolve(std::size_t stages) const {
    if (stages < 2 || stages > max_stages)
        throw config_error(fmt::format("simulation params: a journey needs 2 to {} stages, got {}", max_stages, stages));
    simulation_params p = *this;
    p.base = expand(base, stages - 1, default_base, "base", "step");
    p.lift = expand(lift, stages - 1, default_lift, "lift", "step");
    p.churn = expand(churn, stages, default_churn, "churn", "stage");
    auto check = [](double v, const char* name) {
        if (!is_rate(v))
            throw config_error(fmt::format("simulation params: {}: expected a finite number >= 0, got {}", name, v));
    };
    check(arrivals, "arrivals");
    check(referral_rate, "referral_rate");
    check(contact_rate, "contact_rate");
    if (per_member < 0 || per_member > max_per_member)
        throw config_error(
            fmt::format("simulation params: per_member: expected an integer 0..{}, got {}", max_per_member, per_member));
    p.dt = 1.0 / substeps();
    if (!std::isfinite(round_days) || !(round_days > 0))
        throw config_error(fmt::format("simulation params: round_days: expected a number > 0, got {}", round_days));
    return p;
}

namespace {

using json = nlohmann::ordered_json;
using detail::bad;
using detail::type_name;

double json_rate(std::string_view source, const std::string& path, const json& v) {
    if (!v.is_number()) bad(source, path, fmt::format("expected a number, got {}", type_name(v)));
    const double d = v.get<double>();
    if (!is_rate(d)) bad(source, path, fmt::format("expected a finite number >= 0, got {}", d));
    return d;
}

std::vector<double> json_rates(std::string_view source, const std::string& path, const json& v, std::size_t n,
                               const char* per) {
    if (v.is_number()) return {json_rate(source, path, v)};
    if (!v.is_array())
        bad(source, path, fmt::format("expected a number or an array of {} numbers (one per {}), got {}", n, per,
                                      type_name(v)));
    if (v.size() != n)
        bad(source, path, fmt::format("expected {} values (one per {}), got {}", n, per, v.size()));
    std::vector<double> out;
    for (std::size_t i = 0; i < v.size(); ++i) out.push_back(json_rate(source, fmt::format("{}[{}]", path, i), v[i]));
    return out;
}

}  // namespace

simulation_params simulation_params::from_json(std::string_view text, std::size_t stages, std::string_view source) {
    if (stages < 2 || stages > max_stages)
        throw config_error(fmt::format("{}: a journey needs 2 to {} stages, got {}", source, max_stages, stages));
    json doc = detail::parse_json_object(text, source);
    static constexpr const char* keys[] = {"base",         "lift",       "churn", "arrivals",   "referral_rate",
                                           "contact_rate", "per_member", "dt",    "round_days", "$schema",
                                           "description"};
    for (const auto& item : doc.items()) {
        if (std::find(std::begin(keys), std::end(keys), item.key()) == std::end(keys)) {
            std::string list;
            for (const char* k : keys) list += (list.empty() ? "" : ", ") + std::string(k);
            bad(source, "$." + item.key(), "unknown key (allowed: " + list + ")");
        }
    }
    simulation_params p;
    if (doc.contains("base")) p.base = json_rates(source, "$.base", doc["base"], stages - 1, "step");
    if (doc.contains("lift")) p.lift = json_rates(source, "$.lift", doc["lift"], stages - 1, "step");
    if (doc.contains("churn")) p.churn = json_rates(source, "$.churn", doc["churn"], stages, "stage");
    if (doc.contains("arrivals")) p.arrivals = json_rate(source, "$.arrivals", doc["arrivals"]);
    if (doc.contains("referral_rate")) p.referral_rate = json_rate(source, "$.referral_rate", doc["referral_rate"]);
    if (doc.contains("contact_rate")) p.contact_rate = json_rate(source, "$.contact_rate", doc["contact_rate"]);
    if (doc.contains("per_member")) {
        const json& v = doc["per_member"];
        if (!v.is_number_integer())
            bad(source, "$.per_member", fmt::format("expected an integer, got {}", type_name(v)));
        const auto i = v.get<long long>();
        if (i < 0 || i > max_per_member)
            bad(source, "$.per_member", fmt::format("expected an integer 0..{}, got {}", max_per_member, i));
        p.per_member = static_cast<int>(i);
    }
    if (doc.contains("dt")) {
        const json& v = doc["dt"];
        if (!v.is_number()) bad(source, "$.dt", fmt::format("expected a number, got {}", type_name(v)));
        p.dt = v.get<double>();
        if (substeps_of(p.dt) == 0) bad(source, "$.dt", dt_problem(p.dt));
    }
    if (doc.contains("round_days")) {
        const json& v = doc["round_days"];
        if (!v.is_number()) bad(source, "$.round_days", fmt::format("expected a number, got {}", type_name(v)));
        p.round_days = v.get<double>();
        if (!std::isfinite(p.round_days) || !(p.round_days > 0))
            bad(source, "$.round_days", fmt::format("expected a number > 0, got {}", p.round_days));
    }
    try {
        return p.resolve(stages);
    } catch (const config_error& e) {
        throw config_error(fmt::format("{}: {}", source, e.what()));
    }
}

simulation_params simulation_params::load(const std::filesystem::path& path, std::size_t stages) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw config_error(fmt::format("{}: cannot open simulation params file", path.string()));
    std::ostringstream ss;
    ss << in.rdbuf();
    return from_json(ss.str(), stages, path.string());
}

std::string simulation_params::to_json() const {
    json doc = json::object();
    doc["base"] = base;
    doc["lift"] = lift;
    doc["churn"] = churn;
    doc["arrivals"] = arrivals;
    doc["referral_rate"] = referral_rate;
    doc["contact_rate"] = contact_rate;
    doc["per_member"] = per_member;
    doc["dt"] = dt;
    doc["round_days"] = round_days;
    return doc.dump(2);
}

// ------------------------------------------------------------------ R ---

double viral_reproduction_number(const simulation_params& params, std::span<const double> contacts) {
    const std::size_t stages = contacts.size() + 1;
    const simulation_params p = params.resolve(stages);
    for (std::size_t s = 0; s < contacts.size(); ++s)
        if (!is_rate(contacts[s]))
            throw config_error(fmt::format("viral_reproduction_number: contacts[{}]: expected a finite number >= 0, "
                                           "got {}",
                                           s, contacts[s]));
    double reach = 1;
    for (std::size_t s = 0; s + 1 < stages; ++s) {
        const double h = p.base[s] + p.lift[s] * contacts[s];
        const double mu = p.churn[s];
        reach *= h > 0 ? h / (h + mu) : 0.0;  // mu = 0 < h gives 1
    }
    if (reach == 0 || p.referral_rate == 0) return 0;
    const double mu_last = p.churn[stages - 1];
    if (mu_last == 0) return std::numeric_limits<double>::infinity();
    // Expected number of sub-steps started at the last stage: 1 / (1 - e^{-mu dt}).
    const double rounds_at_last = p.dt / -std::expm1(-mu_last * p.dt);
    return reach * p.referral_rate * rounds_at_last;
}

std::vector<double> expected_contacts(sim_policy policy, const simulation_params& params,
                                      std::span<const double> kappa, std::span<const double> counts,
                                      const journey& j) {
    const std::size_t stages = counts.size();
    std::vector<double> c(stages > 0 ? stages - 1 : 0, 0.0);
    double total = 0;
    for (double n : counts) total += n;
    for (std::size_t s = 0; s + 1 < stages; ++s) {
        const double next = counts[s + 1];
        switch (policy) {
            case sim_policy::none: break;
            case sim_policy::mass_action: c[s] = total > 0 ? params.contact_rate * next / total : 0; break;
            case sim_policy::random: c[s] = total > 0 ? params.per_member * next / total : 0; break;
            case sim_policy::engage_right: {
                if (!j.step(static_cast<stage_index>(s)).enabled) break;
                const double seats = (s + 1 < kappa.size() ? kappa[s + 1] : 0.0) * next;
                const double pm = params.per_member;
                c[s] = counts[s] > 0 ? std::min(pm, seats / counts[s]) : (seats > 0 ? pm : 0.0);
                break;
            }
        }
    }
    return c;
}

namespace {

// Peer rules of DESIGN.md section 3 that depend on the member alone.
bool may_be_peer(const community& c, member_index i) {
    if (c.opted_out(i) || c.capacity(i) <= 0) return false;
    const int sat = c.satisfaction_raw(i);
    return sat < 0 || sat >= c.journey().min_peer_satisfaction();
}

}  // namespace

std::vector<double> seats_per_member(const community& c) {
    const std::size_t stages = c.journey().stage_count();
    std::vector<double> kappa(stages, 0.0);
    for (std::size_t s = 0; s < stages; ++s) {
        const index_range r = c.stage_members(static_cast<stage_index>(s));
        if (r.size() == 0) {
            kappa[s] = c.journey().default_capacity();
            continue;
        }
        // may_be_peer() in arithmetic form: with branches, mispredictions on
        // near-random attributes cost several times the memory traffic.
        const int min_sat = c.journey().min_peer_satisfaction();
        std::int64_t seats = 0;
        for (member_index i = r.first; i < r.last; ++i) {
            const int cap = c.capacity(i);
            const int sat = c.satisfaction_raw(i);
            const int ok = (1 - static_cast<int>(c.opted_out(i))) * static_cast<int>(cap > 0) *
                           (static_cast<int>(sat < 0) | static_cast<int>(sat >= min_sat));
            seats += ok * cap;
        }
        kappa[s] = static_cast<double>(seats) / static_cast<double>(r.size());
    }
    return kappa;
}

// ---------------------------------------------------------------- RNG ---

namespace {

// Counter-based random numbers: every draw is a pure function of (seed,
// round, sub-step or step, purpose, index), so members can be updated in any
// order and on any number of threads with the same result. The mixer is the
// splitmix64 output function.
constexpr std::uint64_t golden = 0x9e3779b97f4a7c15ULL;

constexpr std::uint64_t mix64(std::uint64_t z) noexcept {
    z += golden;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

enum class purpose : std::uint64_t { move = 1, contact = 2, seekers = 3, peers = 4, arrivals = 5, referrals = 6 };

std::uint64_t stream_key(std::uint64_t seed, std::uint64_t round, std::uint64_t sub, purpose what) noexcept {
    std::uint64_t k = mix64(seed ^ 0x6a09e667f3bcc908ULL);
    k = mix64(k ^ round);
    k = mix64(k ^ (sub * 0xbb67ae8584caa73bULL));
    return mix64(k ^ static_cast<std::uint64_t>(what));
}

// Uniform in [0, 1) with 53 random bits: draw number i of a stream.
inline double uniform(std::uint64_t key, std::uint64_t i) noexcept {
    return static_cast<double>(mix64(key + i * golden) >> 11) * 0x1.0p-53;
}

struct stream {
    std::uint64_t key;
    std::uint64_t n = 0;
    double next() noexcept { return uniform(key, n++); }
};

// Poisson(lambda): inversion by sequential search for small means, the
// transformed rejection method PTRS (Hoermann 1993) for large ones.
std::uint64_t poisson(double lambda, stream& g) {
    if (!(lambda > 0)) return 0;
    if (lambda < 12) {
        const double u = g.next();
        double p = std::exp(-lambda), cdf = p;
        std::uint64_t k = 0;
        while (u >= cdf && k < 1000) {
            ++k;
            p *= lambda / static_cast<double>(k);
            cdf += p;
        }
        return k;
    }
    const double slam = std::sqrt(lambda), loglam = std::log(lambda);
    const double b = 0.931 + 2.53 * slam;
    const double a = -0.059 + 0.02483 * b;
    const double inv_alpha = 1.1239 + 1.1328 / (b - 3.4);
    const double vr = 0.9277 - 3.6224 / (b - 2);
    for (;;) {
        const double u = g.next() - 0.5;
        const double v = g.next();
        const double us = 0.5 - std::abs(u);
        const double k = std::floor((2 * a / us + b) * u + lambda + 0.43);
        if (us >= 0.07 && v <= vr) return static_cast<std::uint64_t>(k);
        if (k < 0 || (us < 0.013 && v > us)) continue;
        if (std::log(v) + std::log(inv_alpha) - std::log(a / (us * us) + b) <=
            -lambda + k * loglam - std::lgamma(k + 1))
            return static_cast<std::uint64_t>(k);
    }
}

// Fisher-Yates with a counter-based stream.
void shuffle(std::vector<std::uint32_t>& v, std::uint64_t key) {
    for (std::size_t i = v.size(); i > 1; --i) {
        const auto j = static_cast<std::size_t>(uniform(key, i) * static_cast<double>(i));
        std::swap(v[i - 1], v[std::min(j, i - 1)]);
    }
}

// Split [0, n) into contiguous chunks, one per thread, and run fn(begin, end,
// chunk). Results must only depend on the member index, never on the chunk.
template <class Fn>
void parallel_chunks(std::size_t n, unsigned threads, Fn&& fn) {
    const std::size_t parts = std::max<std::size_t>(1, std::min<std::size_t>(threads, n / 16384));
    if (parts == 1) {
        fn(std::size_t{0}, n, std::size_t{0});
        return;
    }
    std::vector<std::jthread> pool;
    pool.reserve(parts - 1);
    auto bound = [&](std::size_t k) { return n * k / parts; };
    for (std::size_t k = 1; k < parts; ++k) pool.emplace_back([&, k] { fn(bound(k), bound(k + 1), k); });
    fn(bound(0), bound(1), std::size_t{0});
}

constexpr std::uint8_t gone = 0xFF;        // stage of a member who left
constexpr std::uint8_t flag_seeker = 1;    // may seek peers (not opted out)
constexpr std::uint8_t flag_peer = 2;      // passes the member-level peer rules

void check_options(const simulation_options& o) {
    if (o.rounds < 0) throw config_error(fmt::format("simulation: rounds must be >= 0, got {}", o.rounds));
}

// ---------------------------------------------------------- the result ---

struct recorder {
    simulation_result& r;
    const journey& j;
    std::span<const double> kappa;

    void state(std::size_t round, std::span<const double> n) {
        const std::size_t S = r.stages;
        std::copy(n.begin(), n.end(), r.counts.begin() + static_cast<std::ptrdiff_t>(round * S));
        const auto c = expected_contacts(r.policy, r.params, kappa, n, j);
        std::copy(c.begin(), c.end(), r.contacts.begin() + static_cast<std::ptrdiff_t>(round * (S - 1)));
        r.viral_r_by_round[round] = viral_reproduction_number(r.params, c);
    }
};

void prepare(simulation_result& r, std::size_t S, std::size_t rounds) {
    r.stages = S;
    r.rounds = rounds;
    r.counts.assign((rounds + 1) * S, 0.0);
    r.conversions.assign((rounds + 1) * (S - 1), 0.0);
    r.contacts.assign((rounds + 1) * (S - 1), 0.0);
    r.arrivals.assign(rounds + 1, 0.0);
    r.referrals.assign(rounds + 1, 0.0);
    r.churned.assign(rounds + 1, 0.0);
    r.viral_r_by_round.assign(rounds + 1, 0.0);
}

// ---------------------------------------------------------- mean field ---

// Expected counts. Under engage_right and random the contacts are planned at
// the start of a round, so members who reach a stage during the round have
// no contacts until the next one: every stage is split into `planned` (x)
// and `unplanned` (y) members, which makes this the exact expectation of the
// Monte Carlo model given the contacts (with dt = 1, y is always empty).
void run_mean_field(const community& c, const simulation_options& o, simulation_result& r,
                    std::span<const double> kappa) {
    const std::size_t S = r.stages;
    const simulation_params& p = r.params;
    const int m = p.substeps();
    const double dt = p.dt;
    const journey& j = c.journey();
    recorder rec{r, j, kappa};
    std::vector<double> x(S, 0.0), y(S, 0.0), n(S, 0.0), cx(S - 1, 0.0);
    const auto init = c.stage_counts();
    for (std::size_t s = 0; s < S; ++s) x[s] = static_cast<double>(init[s]);
    rec.state(0, x);
    const bool per_round = o.policy == sim_policy::engage_right || o.policy == sim_policy::random;
    std::vector<double> adv_x(S, 0.0), adv_y(S, 0.0);
    for (std::size_t round = 0; round < r.rounds; ++round) {
        for (std::size_t s = 0; s < S; ++s) {
            x[s] += y[s];
            y[s] = 0;
        }
        if (per_round) cx = expected_contacts(o.policy, p, kappa, x, j);
        double conv_churn = 0, arr = 0, refs = 0;
        for (int sub = 0; sub < m; ++sub) {
            for (std::size_t s = 0; s < S; ++s) n[s] = x[s] + y[s];
            if (!per_round) cx = expected_contacts(o.policy, p, kappa, n, j);
            const double n_last = n[S - 1];
            for (std::size_t s = 0; s < S; ++s) {
                const double mu = p.churn[s];
                auto flows = [&](double count, double h, double& advanced, double& left) {
                    const double total = h + mu;
                    if (!(total > 0) || count == 0) {
                        advanced = left = 0;
                        return;
                    }
                    const double event = -std::expm1(-dt * total);
                    advanced = count * event * (h / total);
                    left = count * event * (mu / total);
                };
                const double hx = s + 1 < S ? p.base[s] + p.lift[s] * cx[s] : 0.0;
                const double hy = s + 1 < S ? (per_round ? p.base[s] : hx) : 0.0;
                double ax = 0, lx = 0, ay = 0, ly = 0;
                flows(x[s], hx, ax, lx);
                flows(y[s], hy, ay, ly);
                x[s] -= ax + lx;
                y[s] -= ay + ly;
                adv_x[s] = ax;
                adv_y[s] = ay;
                conv_churn += lx + ly;
            }
            for (std::size_t s = 0; s + 1 < S; ++s) {
                y[s + 1] += adv_x[s] + adv_y[s];
                r.conversions[(round + 1) * (S - 1) + s] += adv_x[s] + adv_y[s];
            }
            const double a = p.arrivals * dt, b = p.referral_rate * dt * n_last;
            y[0] += a + b;
            arr += a;
            refs += b;
        }
        r.arrivals[round + 1] = arr;
        r.referrals[round + 1] = refs;
        r.churned[round + 1] = conv_churn;
        for (std::size_t s = 0; s < S; ++s) n[s] = x[s] + y[s];
        rec.state(round + 1, n);
    }
}

// --------------------------------------------------------- Monte Carlo ---

class monte_carlo {
public:
    monte_carlo(const community& c, const simulation_options& o, simulation_result& r, std::span<const double> kappa)
        : c_(c), o_(o), r_(r), p_(r.params), S_(r.stages), kappa_(kappa) {
        threads_ = o.threads ? o.threads : std::max(1u, std::thread::hardware_concurrency());
        const std::size_t n = c.size();
        if (n > o.max_members)
            throw config_error(fmt::format("simulation: the community has {} members, more than max_members ({})", n,
                                           o.max_members));
        stage_.resize(n);
        flags_.resize(n);
        capacity_.resize(n);
        for (member_index i = 0; i < n; ++i) {
            stage_[i] = static_cast<std::uint8_t>(c.stage(i));
            flags_[i] = static_cast<std::uint8_t>((c.opted_out(i) ? 0 : flag_seeker) | (may_be_peer(c, i) ? flag_peer : 0));
            capacity_[i] = c.capacity(i);
        }
        if (uses_contacts()) contacts_.assign(n, 0);
        count_.assign(S_, 0);
        for (std::size_t s = 0; s < S_; ++s) count_[s] = static_cast<std::int64_t>(c.stage_members(static_cast<stage_index>(s)).size());
        const int d = c.journey().default_capacity();
        arrival_flags_ = static_cast<std::uint8_t>(flag_seeker | (d > 0 ? flag_peer : 0));
        if (o.log) {
            auto& L = r.log;
            L.kept = true;
            L.initial_members = n;
            for (member_index i = 0; i < n; ++i) {
                L.entry_member.push_back(i);
                L.entry_stage.push_back(c.stage(i));
                L.entry_time.push_back(0.0);
            }
        }
    }

    void run() {
        recorder rec{r_, c_.journey(), kappa_};
        rec.state(0, as_double());
        const int m = p_.substeps();
        for (std::size_t round = 0; round < r_.rounds; ++round) {
            if (o_.policy == sim_policy::random) plan_random(round);
            else if (o_.policy == sim_policy::engage_right) plan_engage_right(round);
            for (int sub = 0; sub < m; ++sub) substep(round, sub);
            rec.state(round + 1, as_double());
        }
    }

private:
    bool uses_contacts() const noexcept {
        return o_.policy == sim_policy::random || o_.policy == sim_policy::engage_right;
    }

    std::vector<double> as_double() const {
        std::vector<double> out(S_);
        for (std::size_t s = 0; s < S_; ++s) out[s] = static_cast<double>(count_[s]);
        return out;
    }

    // random: per_member draws from all alive members; draws at s+1 count.
    void plan_random(std::size_t round) {
        std::fill(contacts_.begin(), contacts_.end(), std::uint16_t{0});
        alive_.clear();
        for (std::uint32_t i = 0; i < stage_.size(); ++i)
            if (stage_[i] != gone) alive_.push_back(i);
        if (alive_.empty() || p_.per_member == 0) return;
        const std::uint64_t key = stream_key(o_.seed, round, 0, purpose::contact);
        const auto pm = static_cast<std::uint64_t>(p_.per_member);
        const double na = static_cast<double>(alive_.size());
        const auto last = static_cast<std::uint8_t>(S_ - 1);
        std::vector<std::vector<std::pair<std::uint32_t, std::uint32_t>>> logs(threads_);
        parallel_chunks(stage_.size(), threads_, [&](std::size_t b, std::size_t e, std::size_t chunk) {
            auto& lg = logs[chunk];
            for (std::size_t i = b; i < e; ++i) {
                const std::uint8_t s = stage_[i];
                if (s == gone || s >= last) continue;
                std::uint16_t k = 0;
                for (std::uint64_t t = 0; t < pm; ++t) {
                    const double u = uniform(key, i * pm + t);
                    const std::uint32_t v = alive_[std::min(static_cast<std::size_t>(u * na), alive_.size() - 1)];
                    if (stage_[v] == s + 1) {
                        ++k;
                        if (o_.log) lg.emplace_back(static_cast<std::uint32_t>(i), v);
                    }
                }
                contacts_[i] = k;
            }
        });
        if (o_.log)
            for (const auto& lg : logs) append_contacts(lg, round);
    }

    // engage_right: per step, the seats of eligible peers at s+1 are dealt
    // round-robin over the seekers at s in a seeded random order.
    void plan_engage_right(std::size_t round) {
        std::fill(contacts_.begin(), contacts_.end(), std::uint16_t{0});
        if (p_.per_member == 0) return;
        std::vector<std::vector<std::uint32_t>> seekers(S_), peers(S_);
        for (std::uint32_t i = 0; i < stage_.size(); ++i) {
            const std::uint8_t s = stage_[i];
            if (s == gone) continue;
            if (s + 1u < S_ && (flags_[i] & flag_seeker)) seekers[s].push_back(i);
            if (s > 0 && (flags_[i] & flag_peer) && capacity_[i] > 0) peers[s].push_back(i);
        }
        std::vector<std::pair<std::uint32_t, std::uint32_t>> lg;
        for (std::size_t s = 0; s + 1 < S_; ++s) {
            if (!c_.journey().step(static_cast<stage_index>(s)).enabled) continue;
            auto& sk = seekers[s];
            auto& pr = peers[s + 1];
            if (sk.empty() || pr.empty()) continue;
            shuffle(sk, stream_key(o_.seed, round, s, purpose::seekers));
            // The order of the peers only decides who serves whom (the log).
            if (o_.log) shuffle(pr, stream_key(o_.seed, round, s, purpose::peers));
            if (o_.exact_plan) {
                plan_exact(sk, pr, lg);
                continue;
            }
            std::uint64_t seats = 0;
            for (std::uint32_t v : pr) seats += static_cast<std::uint64_t>(capacity_[v]);
            const std::uint64_t n = sk.size();
            const std::uint64_t dealt = std::min<std::uint64_t>(seats, n * static_cast<std::uint64_t>(p_.per_member));
            const std::uint64_t each = dealt / n, extra = dealt % n;
            for (std::uint64_t q = 0; q < n; ++q) contacts_[sk[q]] = static_cast<std::uint16_t>(each + (q < extra));
            if (o_.log) {
                std::uint64_t k = 0;
                for (std::uint32_t v : pr) {
                    for (int seat = 0; seat < capacity_[v] && k < dealt; ++seat, ++k) lg.emplace_back(sk[k % n], v);
                    if (k >= dealt) break;
                }
            }
        }
        if (o_.log) append_contacts(lg, round);
    }

    // engage_right with exact_plan: the optimal plan of match() on the
    // current seekers and peers of one step. Seekers are taken in index
    // order so that the plan does not depend on the shuffle.
    void plan_exact(std::vector<std::uint32_t> sk, const std::vector<std::uint32_t>& pr,
                    std::vector<std::pair<std::uint32_t, std::uint32_t>>& lg) {
        std::sort(sk.begin(), sk.end());
        std::vector<std::uint32_t> peers(pr.begin(), pr.end());
        std::sort(peers.begin(), peers.end());
        if (static_cast<double>(sk.size()) * static_cast<double>(peers.size()) > static_cast<double>(o_.max_plan_pairs))
            throw config_error(fmt::format("simulation: exact_plan would score {} x {} pairs in one step, more than "
                                           "max_plan_pairs ({}); use the default seat dealing for communities this large",
                                           sk.size(), peers.size(), o_.max_plan_pairs));
        const std::size_t n0 = c_.size();  // indices below are the community's own members
        const score_weights& w = c_.journey().weights();
        const auto p_row_demand = static_cast<std::uint32_t>(p_.per_member);
        std::vector<std::uint32_t> capacity;
        capacity.reserve(peers.size());
        for (const std::uint32_t v : peers) capacity.push_back(static_cast<std::uint32_t>(std::max(0, capacity_[v])));
        // The step is one dense problem (seekers x peers, NaN = not a
        // pair); rows are scored in parallel blocks, each block its own rows.
        const std::size_t cols = peers.size();
        std::vector<double> values(sk.size() * cols, std::numeric_limits<double>::quiet_NaN());
        const std::size_t parts =
            sk.size() * cols >= 65536 ? std::max<std::size_t>(1, std::min<std::size_t>(threads_, sk.size())) : 1;
        auto score_rows = [&](std::size_t part) {
            for (std::size_t i = sk.size() * part / parts; i < sk.size() * (part + 1) / parts; ++i) {
                const std::uint32_t u = sk[i];
                double* row = values.data() + i * cols;
                for (std::size_t k = 0; k < cols; ++k) {
                    const std::uint32_t v = peers[k];
                    if (u < n0 && v < n0) {
                        if (!c_.has_interaction(u, v)) row[k] = score(c_, u, v, w);  // else hard rule 5
                    } else {
                        row[k] = w.happiness * (v < n0 ? happiness(c_, v) : 0.5);
                    }
                }
            }
        };
        {
            std::vector<std::jthread> pool;
            for (std::size_t part = 1; part < parts; ++part) pool.emplace_back(score_rows, part);
            score_rows(0);
        }
        for (const auto& [row, col] : solve_optimal_dense(values, sk.size(), capacity, p_row_demand, 0.0)) {
            const std::uint32_t u = sk[row], v = peers[col];
            ++contacts_[u];
            if (o_.log) lg.emplace_back(u, v);
        }
    }

    void append_contacts(const std::vector<std::pair<std::uint32_t, std::uint32_t>>& lg, std::size_t round) {
        auto& L = r_.log;
        for (const auto& [u, v] : lg) {
            L.contact_source.push_back(u);
            L.contact_target.push_back(v);
            L.contact_round.push_back(static_cast<std::uint32_t>(round));
        }
    }

    void substep(std::size_t round, int sub) {
        const std::size_t S = S_;
        const double dt = p_.dt;
        std::int64_t alive = 0;
        for (auto v : count_) alive += v;
        const std::int64_t n_last = count_[S - 1];

        // Per (stage, contacts) thresholds: u < adv[k] advances, u < ev[k] leaves.
        const std::size_t cmax = uses_contacts() ? static_cast<std::size_t>(p_.per_member) : 0;
        const std::size_t width = cmax + 1;
        std::vector<double> adv(S * width, 0.0), ev(S * width, 0.0);
        for (std::size_t s = 0; s < S; ++s) {
            for (std::size_t k = 0; k <= cmax; ++k) {
                double cval = static_cast<double>(k);
                if (o_.policy == sim_policy::mass_action)
                    cval = alive > 0 && s + 1 < S ? p_.contact_rate * static_cast<double>(count_[s + 1]) /
                                                        static_cast<double>(alive)
                                                  : 0.0;
                else if (o_.policy == sim_policy::none)
                    cval = 0;
                const double h = s + 1 < S ? p_.base[s] + p_.lift[s] * cval : 0.0;
                const double mu = p_.churn[s];
                const double total = h + mu;
                const double event = total > 0 ? -std::expm1(-dt * total) : 0.0;
                adv[s * width + k] = total > 0 ? event * (h / total) : 0.0;
                ev[s * width + k] = event;
            }
        }

        const std::uint64_t key = stream_key(o_.seed, round, static_cast<std::uint64_t>(sub), purpose::move);
        struct tally {
            std::vector<std::int64_t> advanced, left;
            std::vector<std::uint32_t> entries;
        };
        std::vector<tally> tallies(threads_);
        const bool with_contacts = uses_contacts();
        parallel_chunks(stage_.size(), threads_, [&](std::size_t b, std::size_t e, std::size_t chunk) {
            tally& t = tallies[chunk];
            t.advanced.assign(S, 0);
            t.left.assign(S, 0);
            for (std::size_t i = b; i < e; ++i) {
                const std::uint8_t s = stage_[i];
                if (s == gone) continue;
                const std::size_t k = with_contacts ? std::min<std::size_t>(contacts_[i], cmax) : 0;
                const std::size_t at = s * width + k;
                const double u = uniform(key, i);
                if (u < adv[at]) {
                    stage_[i] = static_cast<std::uint8_t>(s + 1);
                    if (with_contacts) contacts_[i] = 0;
                    ++t.advanced[s];
                    if (o_.log) t.entries.push_back(static_cast<std::uint32_t>(i));
                } else if (u < ev[at]) {
                    stage_[i] = gone;
                    ++t.left[s];
                }
            }
        });
        std::vector<std::int64_t> advanced(S, 0), left(S, 0);
        const double when = static_cast<double>(round) + (sub + 0.5) * dt;
        for (const tally& t : tallies) {
            if (t.advanced.empty()) continue;
            for (std::size_t s = 0; s < S; ++s) {
                advanced[s] += t.advanced[s];
                left[s] += t.left[s];
            }
            for (std::uint32_t i : t.entries) {
                r_.log.entry_member.push_back(i);
                r_.log.entry_stage.push_back(stage_[i]);
                r_.log.entry_time.push_back(when);
            }
        }
        std::int64_t churned = 0;
        for (std::size_t s = 0; s < S; ++s) {
            count_[s] -= advanced[s] + left[s];
            if (s + 1 < S) {
                count_[s + 1] += advanced[s];
                r_.conversions[(round + 1) * (S - 1) + s] += static_cast<double>(advanced[s]);
            }
            churned += left[s];
        }
        r_.churned[round + 1] += static_cast<double>(churned);

        // New prospects, appended in order: arrivals, then referrals.
        stream ga{stream_key(o_.seed, round, static_cast<std::uint64_t>(sub), purpose::arrivals)};
        stream gr{stream_key(o_.seed, round, static_cast<std::uint64_t>(sub), purpose::referrals)};
        const std::uint64_t a = poisson(p_.arrivals * dt, ga);
        const std::uint64_t b = poisson(p_.referral_rate * dt * static_cast<double>(n_last), gr);
        const std::uint64_t fresh = a + b;
        if (stage_.size() + fresh > o_.max_members || stage_.size() + fresh > std::numeric_limits<std::uint32_t>::max())
            throw config_error(fmt::format(
                "simulation: the population grew beyond max_members ({}) in round {}; lower the rates, simulate "
                "fewer rounds or use the mean_field engine",
                o_.max_members, round + 1));
        for (std::uint64_t k = 0; k < fresh; ++k) {
            const auto i = static_cast<std::uint32_t>(stage_.size());
            stage_.push_back(0);
            flags_.push_back(arrival_flags_);
            capacity_.push_back(c_.journey().default_capacity());
            if (with_contacts) contacts_.push_back(0);
            if (o_.log) {
                r_.log.entry_member.push_back(i);
                r_.log.entry_stage.push_back(0);
                r_.log.entry_time.push_back(when);
            }
        }
        count_[0] += static_cast<std::int64_t>(fresh);
        r_.arrivals[round + 1] += static_cast<double>(a);
        r_.referrals[round + 1] += static_cast<double>(b);
    }

    const community& c_;
    const simulation_options& o_;
    simulation_result& r_;
    const simulation_params& p_;
    std::size_t S_;
    std::span<const double> kappa_;
    unsigned threads_ = 1;
    std::vector<std::uint8_t> stage_;
    std::vector<std::uint8_t> flags_;
    std::vector<std::int32_t> capacity_;
    std::vector<std::uint16_t> contacts_;
    std::vector<std::uint32_t> alive_;
    std::vector<std::int64_t> count_;
    std::uint8_t arrival_flags_ = 0;
};

}  // namespace

simulation_result simulate(const community& c, const simulation_options& options) {
    check_options(options);
    const std::size_t S = c.journey().stage_count();
    simulation_result r;
    r.policy = options.policy;
    r.engine = options.engine;
    r.params = options.params.resolve(S);
    r.origin = options.origin;
    if (!std::isfinite(options.origin)) throw config_error("simulation: origin must be a finite unix time");
    const auto rounds = static_cast<std::size_t>(options.rounds);
    if (static_cast<double>(rounds) * r.params.substeps() > 1e8)
        throw config_error(fmt::format("simulation: {} rounds of {} sub-steps are too many (at most 1e8 sub-steps)",
                                       rounds, r.params.substeps()));
    prepare(r, S, rounds);
    // Eligible seats per member: one pass over the community, engage_right only.
    const std::vector<double> kappa =
        options.policy == sim_policy::engage_right ? seats_per_member(c) : std::vector<double>(S, 0.0);
    if (options.engine == sim_engine::mean_field) {
        run_mean_field(c, options, r, kappa);
    } else {
        monte_carlo mc(c, options, r, kappa);
        mc.run();
    }
    r.viral_r = r.viral_r_by_round.front();
    r.viral_r_final = r.viral_r_by_round.back();
    return r;
}

// ------------------------------------------------------------- the log ---

std::string simulated_member_id(const community& c, const simulation_result& r, std::uint32_t member) {
    if (member < r.log.initial_members) return c.id(member);
    return fmt::format("sim-{}", member - r.log.initial_members + 1);
}

namespace {

std::string stamp(const simulation_result& r, double round_time) {
    return format_timestamp(std::round(r.unix_time(round_time)));
}

}  // namespace

void write_interactions_log(std::ostream& out, const community& c, const simulation_result& r) {
    const auto& L = r.log;
    out << "source,target,weight,timestamp\n";
    std::string row;
    for (std::size_t k = 0; k < L.contact_source.size(); ++k) {
        row.clear();
        row += csv_quote(simulated_member_id(c, r, L.contact_source[k]));
        row += ',';
        row += csv_quote(simulated_member_id(c, r, L.contact_target[k]));
        row += ",1,";
        row += stamp(r, static_cast<double>(L.contact_round[k]));
        row += '\n';
        out << row;
    }
}

void write_stages_log(std::ostream& out, const community& c, const simulation_result& r) {
    const auto& L = r.log;
    const journey& j = c.journey();
    out << "member,stage,timestamp\n";
    std::string row;
    for (std::size_t k = 0; k < L.entry_member.size(); ++k) {
        row.clear();
        row += csv_quote(simulated_member_id(c, r, L.entry_member[k]));
        row += ',';
        row += csv_quote(j.stage_name(L.entry_stage[k]));
        row += ',';
        row += stamp(r, L.entry_time[k]);
        row += '\n';
        out << row;
    }
}

void write_event_log(const std::filesystem::path& interactions, const std::filesystem::path& stages,
                     const community& c, const simulation_result& r) {
    if (!r.log.kept)
        throw config_error("simulation: no event log was kept (run the monte_carlo engine with the log option)");
    auto write = [&](const std::filesystem::path& path, auto&& body) {
        std::ofstream out(path, std::ios::binary);
        if (!out) throw error(fmt::format("cannot write '{}'", path.string()));
        body(out);
        out.flush();
        if (!out) throw error(fmt::format("writing '{}' failed", path.string()));
    };
    write(interactions, [&](std::ostream& out) { write_interactions_log(out, c, r); });
    write(stages, [&](std::ostream& out) { write_stages_log(out, c, r); });
}

}  // namespace engage_right
