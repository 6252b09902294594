#pragma once
// Canonical arithmetic shared by the pairwise scoring functions and the batch
// kernel. Private to the library: every translation unit that includes it is
// compiled with -ffp-contract=off, so the same inputs give the same bits in
// scalar and vector code.

#include <engage_right/types.hpp>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
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

/// Call f(x) for every value in both sorted, distinct lists, in ascending
/// order (the order in which canonical sums over common elements are taken).
template <class T, class F>
void for_each_common(std::span<const T> a, std::span<const T> b, F&& f) {
    std::size_t i = 0, j = 0;
    while (i < a.size() && j < b.size()) {
        if (a[i] < b[j]) ++i;
        else if (b[j] < a[i]) ++j;
        else {
            f(a[i]);
            ++i;
            ++j;
        }
    }
}

/// Number of values in both sorted, distinct lists.
template <class T>
std::size_t common_count(std::span<const T> a, std::span<const T> b) {
    std::size_t n = 0;
    for_each_common(a, b, [&](const T&) { ++n; });
    return n;
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

/// The weighted score. The dense part (similarity, happiness) is summed
/// first and the sparse part (tags, proximity) added last, so that the batch
/// kernel can add a precomputed sparse bonus to its dense score and get the
/// same bits. For a pair without shared tags or contacts the bonus is +0.
inline double canonical_dense(double similarity, double happiness, const score_weights& w) noexcept {
    double s = w.similarity * similarity;
    s = s + w.happiness * happiness;
    return s;
}

inline double canonical_bonus(double tags, double proximity, const score_weights& w) noexcept {
    double b = w.tags * tags;
    b = b + w.proximity * proximity;
    return b;
}

inline double canonical_combine(const score_components& c, const score_weights& w) noexcept {
    return canonical_dense(c.similarity, c.happiness, w) + canonical_bonus(c.tags, c.proximity, w);
}

/// Peers of one stage packed for the screening kernel: groups of `lanes`
/// peers; per group `dims` rows of `lanes` floats (the unit-normalised
/// features), then one row of happiness. Padding lanes are zero.
struct peer_panel {
    static constexpr std::size_t lanes = 8;
    std::size_t count = 0;  ///< real peers
    std::size_t dims = 0;
    std::vector<float> data;  ///< groups * (dims + 1) * lanes
    std::size_t groups() const noexcept { return (count + lanes - 1) / lanes; }
    std::size_t group_stride() const noexcept { return (dims + 1) * lanes; }
};

/// Approximate dense scores w_sim * <u_hat, v_hat> + w_happy * happiness_v in
/// single precision for the peers of panel groups [g0, g1) and up to 4
/// queries (unit-normalised features, `dims` floats each):
/// out[r * stride + i] for peer g0 * lanes + i. Screening only: the caller
/// re-scores candidates exactly. |out - canonical_dense| <= screening_margin().
void screen_panel(const peer_panel& panel, std::size_t g0, std::size_t g1, const float* const* queries, std::size_t nq,
                  float w_sim, float w_happy, float* out, std::size_t stride);

/// An upper bound of the screening error (screened dense score plus the
/// float copy of the bonus, against the exact score) for `dims` features.
inline double screening_margin(std::size_t dims, const score_weights& w) noexcept {
    constexpr double u = 1.0 / 16777216.0;  // 2^-24, unit roundoff of float
    return 4.0 * u * (double(dims + 8) * w.similarity + 4.0 * w.happiness + 4.0 * w.tags + 4.0 * w.proximity) + 1e-300;
}

/// First i in [begin, end) with screened[i] + h >= threshold (float
/// arithmetic), where h = headroom when (sigs[i] & query_sig) != 0 and 0
/// otherwise; or end. Signatures have bit (tag mod 64) per tag, so a zero
/// intersection proves that no tag is shared.
std::size_t next_candidate(const float* screened, const std::uint64_t* sigs, std::uint64_t query_sig, float headroom,
                           std::size_t begin, std::size_t end, float threshold) noexcept;

/// First i in [begin, end) with screened[i] >= threshold, or end.
std::size_t next_at_least(const float* screened, std::size_t begin, std::size_t end, float threshold) noexcept;

/// canonical_cosine(a, b, d, na, nb) (0 when d = 0), with the fma instruction
/// when the CPU has one (same bits either way).
double exact_cosine(const float* a, const float* b, std::size_t d, double na, double nb) noexcept;

}  // namespace engage_right::detail
