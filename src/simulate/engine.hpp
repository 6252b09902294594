#pragma once
// What the simulation engines share: counter-based random numbers, the
// member flags, the per-round recorder and the result layout. Private to
// src/simulate.

#include <engage_right/community.hpp>
#include <engage_right/error.hpp>
#include <engage_right/simulate.hpp>

#include "util/parallel.hpp"
#include "util/random.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

namespace engage_right::detail::sim {

/// A hazard or rate: finite and >= 0.
inline bool is_rate(double v) noexcept { return std::isfinite(v) && v >= 0; }

// Peer rules of DESIGN.md section 3 that depend on the member alone.
inline bool may_be_peer(const community& c, member_index i) {
    if (c.opted_out(i) || c.capacity(i) <= 0) return false;
    const int sat = c.satisfaction_raw(i);
    return sat < 0 || sat >= c.journey().min_peer_satisfaction();
}

// Counter-based random numbers (util/random.hpp): every draw is a pure
// function of (seed, round, sub-step or step, purpose, index), so members can
// be updated in any order and on any number of threads with the same result.

enum class purpose : std::uint64_t { move = 1, contact = 2, seekers = 3, peers = 4, arrivals = 5, referrals = 6 };

inline std::uint64_t stream_key(std::uint64_t seed, std::uint64_t round, std::uint64_t sub, purpose what) noexcept {
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
inline std::uint64_t poisson(double lambda, stream& g) {
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
inline void shuffle(std::vector<std::uint32_t>& v, std::uint64_t key) {
    for (std::size_t i = v.size(); i > 1; --i) {
        const auto j = static_cast<std::size_t>(uniform(key, i) * static_cast<double>(i));
        std::swap(v[i - 1], v[std::min(j, i - 1)]);
    }
}

// Split [0, n) into contiguous chunks, one per thread, and run fn(begin, end,
// chunk). Results must only depend on the member index, never on the chunk.
template <class Fn>
void parallel_chunks(std::size_t n, unsigned threads, Fn&& fn) {
    parallel_ranges(n, std::min<std::size_t>(threads, n / 16384), std::forward<Fn>(fn));
}

constexpr std::uint8_t gone = 0xFF;      // stage of a member who left
constexpr std::uint8_t flag_seeker = 1;  // may seek peers (not opted out)
constexpr std::uint8_t flag_peer = 2;    // passes the member-level peer rules

inline void check_options(const simulation_options& o) {
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

inline void prepare(simulation_result& r, std::size_t S, std::size_t rounds) {
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

/// Expected counts of every round (mean-field engine).
void run_mean_field(const community& c, const simulation_options& o, simulation_result& r,
                    std::span<const double> kappa);

/// One Monte Carlo run.
void run_monte_carlo(const community& c, const simulation_options& o, simulation_result& r,
                     std::span<const double> kappa);

}  // namespace engage_right::detail::sim
