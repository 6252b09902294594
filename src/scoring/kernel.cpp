// The screening kernel and the exact dense score. Screening runs in single
// precision for speed; every candidate it lets through is re-scored with
// exact_cosine(), whose vector-ISA and portable versions perform the same IEEE
// operations (the file is compiled with -ffp-contract=off), so final scores
// are bit-identical everywhere.
#include "scoring/kernel.hpp"

#include <cmath>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && !defined(ENGAGE_RIGHT_NO_DISPATCH)
#define ENGAGE_RIGHT_X86_DISPATCH 1
#include <immintrin.h>
#endif

namespace engage_right::detail {
namespace {

void screen_generic(const peer_panel& panel, std::size_t g0, std::size_t g1, const float* const* queries,
                    std::size_t nq, float w_sim, float w_happy, float* out, std::size_t stride) {
    constexpr std::size_t L = peer_panel::lanes;
    const std::size_t d = panel.dims;
    for (std::size_t g = g0; g < g1; ++g) {
        const float* base = panel.data.data() + g * panel.group_stride();
        const float* hap = base + d * L;
        for (std::size_t r = 0; r < nq; ++r) {
            float acc[L] = {};
            for (std::size_t j = 0; j < d; ++j)
                for (std::size_t l = 0; l < L; ++l) acc[l] += queries[r][j] * base[j * L + l];
            for (std::size_t l = 0; l < L; ++l) out[r * stride + (g - g0) * L + l] = w_sim * acc[l] + w_happy * hap[l];
        }
    }
}

#ifdef ENGAGE_RIGHT_X86_DISPATCH
// Register-blocked: NQ queries x 2 groups of 8 peers per step, so each
// panel load feeds NQ fmas and each broadcast feeds 2.
template <std::size_t NQ>
__attribute__((target("avx2,fma"))) void screen_avx2(const peer_panel& panel, std::size_t g0, std::size_t g1,
                                                     const float* const* queries, float w_sim, float w_happy,
                                                     float* out, std::size_t stride) {
    constexpr std::size_t L = peer_panel::lanes;
    static_assert(L == 8);
    const std::size_t d = panel.dims;
    const std::size_t gstride = panel.group_stride();
    const __m256 ws = _mm256_set1_ps(w_sim);
    const __m256 wh = _mm256_set1_ps(w_happy);
    std::size_t g = g0;
    for (; g + 2 <= g1; g += 2) {
        const float* b0 = panel.data.data() + g * gstride;
        const float* b1 = b0 + gstride;
        __m256 a0[NQ], a1[NQ];
        for (std::size_t r = 0; r < NQ; ++r) a0[r] = a1[r] = _mm256_setzero_ps();
        for (std::size_t j = 0; j < d; ++j) {
            const __m256 p0 = _mm256_loadu_ps(b0 + j * L);
            const __m256 p1 = _mm256_loadu_ps(b1 + j * L);
            for (std::size_t r = 0; r < NQ; ++r) {
                const __m256 q = _mm256_broadcast_ss(queries[r] + j);
                a0[r] = _mm256_fmadd_ps(q, p0, a0[r]);
                a1[r] = _mm256_fmadd_ps(q, p1, a1[r]);
            }
        }
        const __m256 h0 = _mm256_mul_ps(wh, _mm256_loadu_ps(b0 + d * L));
        const __m256 h1 = _mm256_mul_ps(wh, _mm256_loadu_ps(b1 + d * L));
        for (std::size_t r = 0; r < NQ; ++r) {
            _mm256_storeu_ps(out + r * stride + (g - g0) * L, _mm256_fmadd_ps(ws, a0[r], h0));
            _mm256_storeu_ps(out + r * stride + (g + 1 - g0) * L, _mm256_fmadd_ps(ws, a1[r], h1));
        }
    }
    for (; g < g1; ++g) {
        const float* base = panel.data.data() + g * gstride;
        __m256 acc[NQ];
        for (std::size_t r = 0; r < NQ; ++r) acc[r] = _mm256_setzero_ps();
        for (std::size_t j = 0; j < d; ++j) {
            const __m256 p = _mm256_loadu_ps(base + j * L);
            for (std::size_t r = 0; r < NQ; ++r)
                acc[r] = _mm256_fmadd_ps(_mm256_broadcast_ss(queries[r] + j), p, acc[r]);
        }
        const __m256 hh = _mm256_mul_ps(wh, _mm256_loadu_ps(base + d * L));
        for (std::size_t r = 0; r < NQ; ++r)
            _mm256_storeu_ps(out + r * stride + (g - g0) * L, _mm256_fmadd_ps(ws, acc[r], hh));
    }
}

// Same operations as canonical_cosine; std::fma compiles to the instruction
// here instead of a library call.
__attribute__((target("avx2,fma"))) double exact_cosine_fma(const float* a, const float* b, std::size_t d, double na,
                                                            double nb) noexcept {
    if (!d) return 0.0;
    double dot = 0;
    for (std::size_t j = 0; j < d; ++j) dot = std::fma(double(a[j]), double(b[j]), dot);
    return cosine_from_dot(dot, na, nb);
}

__attribute__((target("avx2,fma"))) std::size_t next_candidate_avx2(const float* s, const std::uint64_t* sigs,
                                                                    std::uint64_t qsig, float headroom, std::size_t i,
                                                                    std::size_t end, float threshold) noexcept {
    const __m256 thr = _mm256_set1_ps(threshold);
    const __m256 thr_h = _mm256_set1_ps(threshold - headroom);  // only a pre-filter, checked exactly below
    const __m256i q = _mm256_set1_epi64x(static_cast<long long>(qsig));
    const __m256i zero = _mm256_setzero_si256();
    while (i + 8 <= end) {
        const __m256 v = _mm256_loadu_ps(s + i);
        const unsigned plain = static_cast<unsigned>(_mm256_movemask_ps(_mm256_cmp_ps(v, thr, _CMP_GE_OQ)));
        unsigned maybe = static_cast<unsigned>(_mm256_movemask_ps(_mm256_cmp_ps(v, thr_h, _CMP_GE_OQ)));
        if (maybe & ~plain) {
            const __m256i a = _mm256_and_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(sigs + i)), q);
            const __m256i b = _mm256_and_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(sigs + i + 4)), q);
            const unsigned none =
                static_cast<unsigned>(_mm256_movemask_pd(_mm256_castsi256_pd(_mm256_cmpeq_epi64(a, zero)))) |
                (static_cast<unsigned>(_mm256_movemask_pd(_mm256_castsi256_pd(_mm256_cmpeq_epi64(b, zero)))) << 4);
            maybe &= ~none;
            // Confirm with the same float sum as the portable path.
            for (unsigned bits = maybe & ~plain; bits; bits &= bits - 1) {
                const unsigned l = static_cast<unsigned>(__builtin_ctz(bits));
                if (!(s[i + l] + headroom >= threshold)) maybe &= ~(1u << l);
            }
        } else {
            maybe = 0;
        }
        const unsigned hit = plain | maybe;
        if (hit) return i + static_cast<std::size_t>(__builtin_ctz(hit));
        i += 8;
    }
    for (; i < end; ++i) {
        const float h = (sigs[i] & qsig) ? headroom : 0.0f;
        if (s[i] + h >= threshold) return i;
    }
    return end;
}

__attribute__((target("avx2,fma"))) std::size_t next_at_least_avx2(const float* s, std::size_t i, std::size_t end,
                                                                   float threshold) noexcept {
    const __m256 thr = _mm256_set1_ps(threshold);
    while (i + 16 <= end) {
        const int m0 = _mm256_movemask_ps(_mm256_cmp_ps(_mm256_loadu_ps(s + i), thr, _CMP_GE_OQ));
        const int m1 = _mm256_movemask_ps(_mm256_cmp_ps(_mm256_loadu_ps(s + i + 8), thr, _CMP_GE_OQ));
        const unsigned mask = static_cast<unsigned>(m0) | (static_cast<unsigned>(m1) << 8);
        if (mask) return i + static_cast<std::size_t>(__builtin_ctz(mask));
        i += 16;
    }
    for (; i < end; ++i)
        if (s[i] >= threshold) return i;
    return end;
}

bool have_avx2_fma() noexcept {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

const bool use_avx2 = have_avx2_fma();  // a CPU property, the same for the whole process
#endif

std::size_t next_candidate_generic(const float* s, const std::uint64_t* sigs, std::uint64_t qsig, float headroom,
                                   std::size_t i, std::size_t end, float threshold) noexcept {
    for (; i < end; ++i) {
        const float h = (sigs[i] & qsig) ? headroom : 0.0f;
        if (s[i] + h >= threshold) return i;
    }
    return end;
}

}  // namespace

std::size_t next_at_least(const float* screened, std::size_t begin, std::size_t end, float threshold) noexcept {
#ifdef ENGAGE_RIGHT_X86_DISPATCH
    if (use_avx2) return next_at_least_avx2(screened, begin, end, threshold);
#endif
    for (; begin < end; ++begin)
        if (screened[begin] >= threshold) return begin;
    return end;
}

std::size_t next_candidate(const float* screened, const std::uint64_t* sigs, std::uint64_t query_sig, float headroom,
                           std::size_t begin, std::size_t end, float threshold) noexcept {
#ifdef ENGAGE_RIGHT_X86_DISPATCH
    if (use_avx2) return next_candidate_avx2(screened, sigs, query_sig, headroom, begin, end, threshold);
#endif
    return next_candidate_generic(screened, sigs, query_sig, headroom, begin, end, threshold);
}

double exact_cosine(const float* a, const float* b, std::size_t d, double na, double nb) noexcept {
#ifdef ENGAGE_RIGHT_X86_DISPATCH
    if (use_avx2) return exact_cosine_fma(a, b, d, na, nb);
#endif
    return d ? canonical_cosine(a, b, d, na, nb) : 0.0;
}

void screen_panel(const peer_panel& panel, std::size_t g0, std::size_t g1, const float* const* queries, std::size_t nq,
                  float w_sim, float w_happy, float* out, std::size_t stride) {
#ifdef ENGAGE_RIGHT_X86_DISPATCH
    if (use_avx2) {
        switch (nq) {
            case 1: return screen_avx2<1>(panel, g0, g1, queries, w_sim, w_happy, out, stride);
            case 2: return screen_avx2<2>(panel, g0, g1, queries, w_sim, w_happy, out, stride);
            case 3: return screen_avx2<3>(panel, g0, g1, queries, w_sim, w_happy, out, stride);
            case 4: return screen_avx2<4>(panel, g0, g1, queries, w_sim, w_happy, out, stride);
            default: break;
        }
    }
#endif
    screen_generic(panel, g0, g1, queries, nq, w_sim, w_happy, out, stride);
}

}  // namespace engage_right::detail
