// Ranking metrics per evaluated member, their means with bootstrap
// percentile intervals, paired differences, and exposure (coverage, Gini).
#include "evaluate/evaluate_impl.hpp"
#include "util/parallel.hpp"
#include "util/random.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace engage_right::detail::eval {
namespace {

constexpr double nan_v = std::numeric_limits<double>::quiet_NaN();

// The q-quantile of sorted values, linear between order statistics (the
// default of numpy.percentile).
double quantile(const std::vector<double>& sorted, double q) {
    if (sorted.empty()) return nan_v;
    const double pos = q * double(sorted.size() - 1);
    const auto lo = static_cast<std::size_t>(std::floor(pos));
    const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
    return sorted[lo] + (pos - double(lo)) * (sorted[hi] - sorted[lo]);
}

// Metrics of one ranking against one member's targets, in the order of
// evaluation::metrics: hit@k..., recall@k..., ndcg@k..., mrr.
void member_metrics(std::span<const member_index> ranked, std::span<const member_index> targets,
                    const std::vector<std::size_t>& ks, std::size_t mrr_depth, const std::vector<double>& discount,
                    double* out) {
    const std::size_t nk = ks.size();
    const std::size_t kmax = ks.back();
    // Hits by rank (targets are sorted).
    std::size_t first_hit = 0;  // 1-based rank of the first target, 0 when none
    std::size_t hits = 0, at = 0;
    double dcg = 0;
    for (std::size_t r = 0; r < ranked.size(); ++r) {
        const bool hit = std::binary_search(targets.begin(), targets.end(), ranked[r]);
        if (hit && first_hit == 0) first_hit = r + 1;
        if (r >= kmax) {
            if (first_hit) break;
            continue;
        }
        if (hit) {
            ++hits;
            dcg += discount[r];
        }
        // Close every cut-off that ends at this rank.
        while (at < nk && ks[at] == r + 1) {
            double idcg = 0;
            for (std::size_t i = 0; i < std::min(ks[at], targets.size()); ++i) idcg += discount[i];
            out[at] = hits > 0 ? 1.0 : 0.0;
            out[nk + at] = double(hits) / double(targets.size());
            out[2 * nk + at] = dcg / idcg;
            ++at;
        }
    }
    // Cut-offs beyond the end of a short ranking.
    for (; at < nk; ++at) {
        double idcg = 0;
        for (std::size_t i = 0; i < std::min(ks[at], targets.size()); ++i) idcg += discount[i];
        out[at] = hits > 0 ? 1.0 : 0.0;
        out[nk + at] = double(hits) / double(targets.size());
        out[2 * nk + at] = dcg / idcg;
    }
    out[3 * nk] = first_hit > 0 && first_hit <= mrr_depth ? 1.0 / double(first_hit) : 0.0;
}

}  // namespace

void score_rankings(std::span<const rankings> ranked, const target_lists& targets, const std::vector<std::size_t>& ks,
                    std::size_t mrr_depth, std::size_t bootstrap, std::uint64_t seed, unsigned threads,
                    std::vector<method_evaluation>& out) {
    const std::size_t methods = ranked.size();
    const std::size_t members = targets.offsets.size() - 1;
    const std::size_t metrics = 3 * ks.size() + 1;
    const std::size_t width = methods * metrics;
    std::vector<double> discount(std::max(ks.back(), std::size_t{1}));
    for (std::size_t r = 0; r < discount.size(); ++r) discount[r] = 1.0 / std::log2(double(r) + 2.0);

    // One row per member: every metric of every method.
    std::vector<double> values(members * width);
    parallel_dynamic(members, detail::thread_count(threads), 256, [&](std::size_t first, std::size_t last) {
        for (std::size_t i = first; i < last; ++i)
            for (std::size_t m = 0; m < methods; ++m)
                member_metrics(ranked[m].of(i), targets.of(i), ks, mrr_depth, discount,
                               values.data() + i * width + m * metrics);
    });
    // Means in member order.
    std::vector<double> mean(width, 0.0);
    for (std::size_t i = 0; i < members; ++i)
        for (std::size_t w = 0; w < width; ++w) mean[w] += values[i * width + w];
    for (auto& v : mean) v /= double(members);

    out.resize(methods);
    for (std::size_t m = 0; m < methods; ++m) {
        out[m].metrics.assign(metrics, estimate{});
        out[m].difference.assign(metrics, estimate{});
        for (std::size_t x = 0; x < metrics; ++x) {
            out[m].metrics[x].value = mean[m * metrics + x];
            out[m].difference[x].value = mean[m * metrics + x] - mean[x];
        }
    }
    if (bootstrap == 0) return;

    // Resample the members with replacement; resample b draws from its own
    // stream, so the thread count changes nothing. Paired differences use
    // the same resamples. A resample's sum is taken over the members whose
    // row is not all zero (most members hit nothing), weighted by how often
    // each was drawn.
    std::vector<std::uint32_t> nonzero;
    for (std::size_t i = 0; i < members; ++i) {
        const double* row = values.data() + i * width;
        if (std::any_of(row, row + width, [](double v) { return v != 0.0; }))
            nonzero.push_back(static_cast<std::uint32_t>(i));
    }
    std::vector<double> reps(bootstrap * width);
    const std::uint64_t base = mix64(seed ^ 0x626f6f7473747261ULL);
    parallel_dynamic(bootstrap, detail::thread_count(threads), 8, [&](std::size_t first, std::size_t last) {
        std::vector<double> sum(width);
        std::vector<std::uint32_t> drawn(members);
        for (std::size_t b = first; b < last; ++b) {
            std::fill(sum.begin(), sum.end(), 0.0);
            std::fill(drawn.begin(), drawn.end(), 0u);
            const std::uint64_t key = mix64(base ^ b);
            for (std::size_t d = 0; d < members; ++d) ++drawn[below(draw64(key, d), members)];
            for (const std::uint32_t i : nonzero) {
                if (drawn[i] == 0) continue;
                const double times = double(drawn[i]);
                const double* row = values.data() + std::size_t{i} * width;
                for (std::size_t w = 0; w < width; ++w) sum[w] += times * row[w];
            }
            for (std::size_t w = 0; w < width; ++w) reps[b * width + w] = sum[w] / double(members);
        }
    });
    std::vector<double> col(bootstrap);
    for (std::size_t m = 0; m < methods; ++m)
        for (std::size_t x = 0; x < metrics; ++x) {
            for (std::size_t b = 0; b < bootstrap; ++b) col[b] = reps[b * width + m * metrics + x];
            std::sort(col.begin(), col.end());
            out[m].metrics[x].low = quantile(col, 0.025);
            out[m].metrics[x].high = quantile(col, 0.975);
            for (std::size_t b = 0; b < bootstrap; ++b)
                col[b] = reps[b * width + m * metrics + x] - reps[b * width + x];
            std::sort(col.begin(), col.end());
            out[m].difference[x].low = quantile(col, 0.025);
            out[m].difference[x].high = quantile(col, 0.975);
        }
}

void exposure(const rankings& ranked, std::size_t k, const std::vector<std::uint8_t>& eligible,
              method_evaluation& out) {
    std::vector<std::uint64_t> count(eligible.size(), 0);
    const std::size_t members = ranked.offsets.size() - 1;
    for (std::size_t i = 0; i < members; ++i) {
        const auto list = ranked.of(i);
        for (std::size_t r = 0; r < std::min(k, list.size()); ++r) ++count[list[r]];
    }
    std::vector<std::uint64_t> exposed;
    std::size_t shown = 0;
    for (std::size_t v = 0; v < eligible.size(); ++v) {
        if (!eligible[v]) continue;
        exposed.push_back(count[v]);
        if (count[v] > 0) ++shown;
    }
    out.eligible_peers = exposed.size();
    out.coverage = exposed.empty() ? nan_v : double(shown) / double(exposed.size());
    // Gini = sum_i (2i - n - 1) x_(i) / (n sum x), x ascending, i = 1..n.
    std::sort(exposed.begin(), exposed.end());
    const double n = double(exposed.size());
    double total = 0, weighted = 0;
    for (std::size_t i = 0; i < exposed.size(); ++i) {
        total += double(exposed[i]);
        weighted += (2.0 * double(i + 1) - n - 1.0) * double(exposed[i]);
    }
    out.gini = total > 0 ? weighted / (n * total) : nan_v;
}

}  // namespace engage_right::detail::eval
