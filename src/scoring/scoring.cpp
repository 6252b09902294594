// Compiled with -ffp-contract=off: the canonical arithmetic must not be
// re-associated or fused differently from the batch kernel.
#include <engage_right/scoring.hpp>
#include "scoring/kernel.hpp"

#include <cmath>

namespace engage_right {

score_t cosine_similarity(std::span<const float> a, std::span<const float> b) noexcept {
    if (a.size() != b.size() || a.empty()) return 0;
    double na = 0, nb = 0;
    for (float x : a) na = std::fma(double(x), double(x), na);
    for (float x : b) nb = std::fma(double(x), double(x), nb);
    return detail::canonical_cosine(a.data(), b.data(), a.size(), std::sqrt(na), std::sqrt(nb));
}

score_t cosine_similarity(const community& c, member_index u, member_index v) noexcept {
    if (c.dimensions() == 0) return 0;
    return detail::canonical_cosine(c.features(u).data(), c.features(v).data(), c.dimensions(), c.feature_norm(u),
                                    c.feature_norm(v));
}

score_t jaccard_index(std::span<const std::uint32_t> a, std::span<const std::uint32_t> b) noexcept {
    return detail::canonical_jaccard(detail::common_count(a, b), a.size(), b.size());
}

score_t adamic_adar(const community& c, member_index u, member_index v) noexcept {
    if (u == v) return 0.0;  // a member is not their own contact
    double aa = 0;
    detail::for_each_common(c.neighbors(u), c.neighbors(v),
                            [&](member_index w) { aa += detail::inverse_log_degree(c.degree(w)); });
    return aa;
}

std::size_t common_neighbors(const community& c, member_index u, member_index v) noexcept {
    return detail::common_count(c.neighbors(u), c.neighbors(v));
}

std::vector<std::uint32_t> shared_tags(const community& c, member_index u, member_index v) {
    std::vector<std::uint32_t> out;
    detail::for_each_common(c.tags(u), c.tags(v), [&](std::uint32_t t) { out.push_back(t); });
    return out;
}

score_t happiness(const community& c, member_index v) noexcept {
    return detail::canonical_happiness(c.satisfaction_raw(v));
}

score_components components(const community& c, member_index u, member_index v) noexcept {
    score_components out;
    out.similarity = cosine_similarity(c, u, v);
    out.tags = jaccard_index(c.tags(u), c.tags(v));
    out.proximity = proximity_from_adamic_adar(adamic_adar(c, u, v));
    out.happiness = happiness(c, v);
    return out;
}

score_t combine(const score_components& comp, const score_weights& w) noexcept {
    return detail::canonical_combine(comp, w);
}

score_t score(const community& c, member_index u, member_index v, const score_weights& w) noexcept {
    return combine(components(c, u, v), w);
}

}  // namespace engage_right
