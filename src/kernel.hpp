#pragma once
// Canonical arithmetic shared by the pairwise scoring functions and the batch
// kernel. Private to the library: every translation unit that includes it is
// compiled with -ffp-contract=off, so the same inputs give the same bits in
// scalar and vector code.

#include <engage_right/types.hpp>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace engage_right::detail {

/// dot(a, b) / (|a| |b|) clamped to [-1, 1], 0 when a norm is 0; the dot
/// product is accumulated with fma in index order. Dividing by the product of
/// the norms (rather than multiplying inverse norms) gives exactly 1 for
/// parallel 1-d vectors, so such ties stay ties.
inline double cosine_from_dot(double dot, double na, double nb) noexcept {
    const double denom = na * nb;
    double c = denom > 0 ? dot / denom : 0.0;
    c = c > -1.0 ? c : -1.0;
    c = c < 1.0 ? c : 1.0;
    return c;
}

inline double canonical_cosine(const float* a, const float* b, std::size_t d, double na, double nb) noexcept {
    double dot = 0;
    for (std::size_t j = 0; j < d; ++j) dot = std::fma(double(a[j]), double(b[j]), dot);
    return cosine_from_dot(dot, na, nb);
}

inline double canonical_jaccard(std::size_t inter, std::size_t na, std::size_t nb) noexcept {
    const std::size_t uni = na + nb - inter;
    return uni == 0 ? 0.0 : double(inter) / double(uni);
}

inline double canonical_happiness(std::int8_t satisfaction) noexcept {
    return satisfaction < 0 ? 0.5 : double(satisfaction) / 10.0;
}

/// 1 / ln(deg); only used for common neighbours, whose degree is at least 2.
inline double inverse_log_degree(std::size_t degree) noexcept { return 1.0 / std::log(double(degree)); }

inline double canonical_combine(const score_components& c, const score_weights& w) noexcept {
    double s = w.similarity * c.similarity;
    s = s + w.tags * c.tags;
    s = s + w.proximity * c.proximity;
    s = s + w.happiness * c.happiness;
    return s;
}

/// Peers of one stage packed for the batch kernel: groups of `lanes` peers,
/// for each group `dims` rows of `lanes` doubles (the features), then one row
/// of norms and one row of happiness. Padding lanes are zero.
struct peer_panel {
    static constexpr std::size_t lanes = 4;
    std::size_t count = 0;  ///< real peers
    std::size_t dims = 0;
    std::vector<double> data;  ///< groups * (dims + 2) * lanes
    std::size_t groups() const noexcept { return (count + lanes - 1) / lanes; }
    std::size_t group_stride() const noexcept { return (dims + 2) * lanes; }
};

/// One member's query against a panel.
struct kernel_query {
    const double* features = nullptr;  ///< dims doubles
    double norm = 0;  ///< Euclidean norm of the features
    double threshold = -INFINITY;       ///< only scores >= threshold are reported
};

/// Receives candidate scores from the kernel: called for (query r, group g,
/// lane mask, the group's scores) when at least one lane reaches the query's
/// threshold. Returns the updated threshold.
using kernel_sink = void (*)(void* ctx, std::size_t r, std::size_t group, const double* scores, unsigned mask);

/// Scores every peer of `panel` groups [g0, g1) against up to 4 queries:
/// score = w_sim * cosine_from_dot(dot, norm_u, norm_v) + w_happy * happiness_v,
/// bit-identical to canonical_combine with zero tags and proximity. Thresholds
/// are read from `queries[r].threshold` before each group (the sink may raise them).
void score_panel(const peer_panel& panel, std::size_t g0, std::size_t g1, kernel_query* queries, std::size_t nq,
                 double w_sim, double w_happy, kernel_sink sink, void* ctx);

}  // namespace engage_right::detail
