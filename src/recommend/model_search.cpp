// The recommender's search under a learned ranking model, screened like the
// reference score: peers with mutual contacts or shared threads (the only
// ones whose proximity or co_participation is not 0) are scored exactly
// first, from two-hop sums (Adamic-Adar in ascending order of the common
// contact, the canonical order); the rest go through the single-precision
// kernel with the peer part of the linear predictor in the happiness row,
// and only those whose bound can reach the top k are scored exactly.

#include "recommend/recommender.hpp"
#include "scoring/kernel.hpp"

#include <engage_right/ranking.hpp>
#include <engage_right/recommend.hpp>
#include <engage_right/scoring.hpp>

#include <algorithm>
#include <cmath>
#include <limits>

namespace engage_right {

using detail::jaccard;

void recommender::impl::set_model_bounds() {
    const ranking_model& m = opt.model->model();
    for (std::size_t jf = 0; jf < m.features.size(); ++jf) {
        const double cj = m.coefficients[jf], mj = m.mean[jf], sj = m.scale[jf];
        switch (m.features[jf]) {
            case ranking_feature::similarity:
                mb.a_sim = cj / sj;
                mb.m_const += -cj * mj / sj;
                break;
            case ranking_feature::tags:
                mb.tags_at0 = cj * ((0.0 - mj) / sj);
                mb.tags_at1 = cj * ((1.0 - mj) / sj);
                break;
            case ranking_feature::proximity:
            case ranking_feature::co_participation: mb.m_const += cj * ((0.0 - mj) / sj); break;
            default: break;
        }
    }
}

void recommender::impl::run_model_tile(stage_index s, const member_index* us, std::size_t nt, workspace& ws) const {
    const ranking_scorer& sc = *opt.model;
    const ranking_model& model = sc.model();
    const step_block& b = step(s);
    const std::size_t m = b.peers.size();
    const std::size_t d = c.dimensions();
    ws.reserve(m, d);
    if (ws.shared.size() < m) ws.shared.assign(m, 0);
    for (std::size_t t = 0; t < nt; ++t) {
        const member_index u = us[t];
        top_k& best = start_query(u, b, ws, t, false);
        if (const content_threads* th = sc.threads())
            for (std::uint32_t slot : th->of(u))
                for (member_index x : th->members_of(slot)) {
                    if (!b.stage_range.contains(x)) continue;
                    const auto ipos = b.position[x - b.stage_range.first];
                    if (ipos < 0 || ws.marked_for(static_cast<std::size_t>(ipos), t)) continue;
                    const auto pos = static_cast<std::uint32_t>(ipos);
                    if (ws.shared[pos]++ == 0 && ws.aa[pos] == 0.0) ws.touched.push_back(pos);
                }
        const member_query q = query_of(u);
        for (std::uint32_t pos : ws.touched) {
            const member_index v = b.peers[pos];
            ranking_features x{};
            x[0] = detail::exact_cosine(q.features, c.features(v).data(), d, q.norm, c.feature_norm(v));
            x[1] = jaccard(q.tags, c.tags(v));
            x[2] = proximity_from_adamic_adar(ws.aa[pos]);
            x[3] = b.happiness[pos];
            x[7] = std::log1p(static_cast<double>(ws.shared[pos]));
            const score_components comp{x[0], x[1], x[2], x[3]};
            best.offer(b.bias[pos] + model.pair_part(x), pos, comp);
            ws.mark(pos, t);
            ws.aa[pos] = 0.0;
            ws.shared[pos] = 0;
        }
        set_query(q, ws, t);
    }
    const std::size_t stride = screen_tile(b, nt, ws, float(mb.a_sim), 1.0f);
    for (std::size_t t = 0; t < nt; ++t) scan_model(us[t], b, ws.dense.data() + t * stride, m, ws, t);
    ws.clear_marks();
}

void recommender::impl::scan_model(member_index u, const step_block& b, const float* screened, std::size_t m,
                                   workspace& ws, std::size_t t) const {
    const ranking_model& model = opt.model->model();
    top_k& best = ws.best[t];
    const double margin = b.model_margin;
    const double inf = std::numeric_limits<double>::infinity();
    const double tags_lo = std::min(mb.tags_at0, mb.tags_at1), tags_up = std::max(mb.tags_at0, mb.tags_at1);
    double floor = -inf;
    if (const auto kth = kth_screened(screened, m, ws, t)) floor = *kth + mb.m_const + tags_lo - margin;
    const std::size_t d = c.dimensions();
    const member_query q = query_of(u);
    // Peers that may share a tag can gain up to tags_at1 - tags_at0 (when the coefficient is positive).
    float headroom = static_cast<float>(std::max(0.0, mb.tags_at1 - mb.tags_at0));
    if (double(headroom) < mb.tags_at1 - mb.tags_at0) headroom = std::nextafter(headroom, 2 * headroom + 1);
    auto bar = [&] { return std::max(best.threshold(), floor); };
    auto threshold = [&] { return round_down(bar() - mb.m_const - mb.tags_at0 - margin); };
    float thr = threshold();
    const std::uint64_t* sigs = b.tag_sig.data();
    for (std::size_t p = detail::next_candidate(screened, sigs, q.tag_sig, headroom, 0, m, thr); p < m;
         p = detail::next_candidate(screened, sigs, q.tag_sig, headroom, p + 1, m, thr)) {
        if (ws.marked_for(p, t)) continue;
        const member_index v = b.peers[p];
        const double tags = (b.tag_sig[p] & q.tag_sig) ? jaccard(q.tags, c.tags(v)) : 0.0;
        const double tags_term = tags > 0 ? std::min(tags_up, model_tags_term(tags)) : mb.tags_at0;
        if (double(screened[p]) + mb.m_const + tags_term + margin < bar()) continue;
        ranking_features x{};
        x[0] = detail::exact_cosine(q.features, c.features(v).data(), d, q.norm, c.feature_norm(v));
        x[1] = tags;
        x[2] = 0.0;
        x[3] = b.happiness[p];
        x[7] = 0.0;
        const score_components comp{x[0], x[1], 0.0, x[3]};
        best.offer(b.bias[p] + model.pair_part(x), static_cast<std::uint32_t>(p), comp);
        thr = threshold();
    }
}

}  // namespace engage_right
