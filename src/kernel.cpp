// The batch scoring kernel. Vector and scalar paths perform the same IEEE
// operations in the same order (fma for the dot product, separate mul/add
// elsewhere; the file is compiled with -ffp-contract=off), so the scores are
// bit-identical to the canonical pairwise functions on every path.
#include "kernel.hpp"

#include <cmath>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && !defined(ENGAGE_RIGHT_NO_DISPATCH)
#define ENGAGE_RIGHT_X86_DISPATCH 1
#include <immintrin.h>
#endif

namespace engage_right::detail {
namespace {

void score_panel_generic(const peer_panel& panel, std::size_t g0, std::size_t g1, kernel_query* queries,
                         std::size_t nq, double w_sim, double w_happy, kernel_sink sink, void* ctx) {
    constexpr std::size_t L = peer_panel::lanes;
    const std::size_t d = panel.dims;
    const std::size_t stride = panel.group_stride();
    double s[L];
    for (std::size_t g = g0; g < g1; ++g) {
        const double* base = panel.data.data() + g * stride;
        const double* norms = base + d * L;
        const double* hap = base + (d + 1) * L;
        for (std::size_t r = 0; r < nq; ++r) {
            const kernel_query& q = queries[r];
            unsigned mask = 0;
            for (std::size_t l = 0; l < L; ++l) {
                double dot = 0;
                for (std::size_t j = 0; j < d; ++j) dot = std::fma(q.features[j], base[j * L + l], dot);
                const double cosine = cosine_from_dot(dot, q.norm, norms[l]);
                double v = w_sim * cosine;
                v = v + w_happy * hap[l];
                s[l] = v;
                if (v >= q.threshold) mask |= 1u << l;
            }
            if (mask) sink(ctx, r, g, s, mask);
        }
    }
}

#ifdef ENGAGE_RIGHT_X86_DISPATCH
template <std::size_t NQ>
__attribute__((target("avx2,fma"))) void score_panel_avx2_n(const peer_panel& panel, std::size_t g0, std::size_t g1,
                                                             kernel_query* queries, double w_sim, double w_happy,
                                                             kernel_sink sink, void* ctx) {
    constexpr std::size_t L = peer_panel::lanes;
    static_assert(L == 4);
    const std::size_t d = panel.dims;
    const std::size_t stride = panel.group_stride();
    const __m256d ws = _mm256_set1_pd(w_sim);
    const __m256d wh = _mm256_set1_pd(w_happy);
    const __m256d zero = _mm256_setzero_pd();
    const __m256d minus_one = _mm256_set1_pd(-1.0);
    const __m256d one = _mm256_set1_pd(1.0);
    __m256d norm_u[NQ];
    for (std::size_t r = 0; r < NQ; ++r) norm_u[r] = _mm256_set1_pd(queries[r].norm);
    alignas(32) double out[L];
    for (std::size_t g = g0; g < g1; ++g) {
        const double* base = panel.data.data() + g * stride;
        __m256d acc[NQ];
        for (std::size_t r = 0; r < NQ; ++r) acc[r] = _mm256_setzero_pd();
        for (std::size_t j = 0; j < d; ++j) {
            const __m256d p = _mm256_loadu_pd(base + j * L);
            for (std::size_t r = 0; r < NQ; ++r)
                acc[r] = _mm256_fmadd_pd(_mm256_broadcast_sd(queries[r].features + j), p, acc[r]);
        }
        const __m256d norms = _mm256_loadu_pd(base + d * L);
        const __m256d hh = _mm256_mul_pd(wh, _mm256_loadu_pd(base + (d + 1) * L));
        for (std::size_t r = 0; r < NQ; ++r) {
            // Same steps as cosine_from_dot: divide, zero where a norm is 0, clamp.
            const __m256d denom = _mm256_mul_pd(norm_u[r], norms);
            __m256d cosine = _mm256_and_pd(_mm256_cmp_pd(denom, zero, _CMP_GT_OQ), _mm256_div_pd(acc[r], denom));
            cosine = _mm256_blendv_pd(minus_one, cosine, _mm256_cmp_pd(cosine, minus_one, _CMP_GT_OQ));
            cosine = _mm256_blendv_pd(one, cosine, _mm256_cmp_pd(cosine, one, _CMP_LT_OQ));
            const __m256d v = _mm256_add_pd(_mm256_mul_pd(ws, cosine), hh);
            const __m256d thr = _mm256_set1_pd(queries[r].threshold);
            const unsigned mask = static_cast<unsigned>(_mm256_movemask_pd(_mm256_cmp_pd(v, thr, _CMP_GE_OQ)));
            if (mask) {
                _mm256_store_pd(out, v);
                sink(ctx, r, g, out, mask);
            }
        }
    }
}

bool have_avx2_fma() noexcept {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}
#endif

}  // namespace

void score_panel(const peer_panel& panel, std::size_t g0, std::size_t g1, kernel_query* queries, std::size_t nq,
                 double w_sim, double w_happy, kernel_sink sink, void* ctx) {
#ifdef ENGAGE_RIGHT_X86_DISPATCH
    static const bool avx2 = have_avx2_fma();  // a CPU property, the same for the whole process
    if (avx2) {
        switch (nq) {
            case 1: return score_panel_avx2_n<1>(panel, g0, g1, queries, w_sim, w_happy, sink, ctx);
            case 2: return score_panel_avx2_n<2>(panel, g0, g1, queries, w_sim, w_happy, sink, ctx);
            case 3: return score_panel_avx2_n<3>(panel, g0, g1, queries, w_sim, w_happy, sink, ctx);
            case 4: return score_panel_avx2_n<4>(panel, g0, g1, queries, w_sim, w_happy, sink, ctx);
            default: break;
        }
    }
#endif
    score_panel_generic(panel, g0, g1, queries, nq, w_sim, w_happy, sink, ctx);
}

}  // namespace engage_right::detail
