// The recommender's tile search under the reference score: up to four
// members of one stage at a time, peers with mutual contacts scored exactly
// from two-hop Adamic-Adar sums, the rest screened in single precision
// against the packed peer panel and re-scored exactly only where the bound
// can reach the top k. The learned model's search (model_search.cpp) shares
// the steps here.

#include "recommend/recommender.hpp"
#include "scoring/kernel.hpp"

#include <engage_right/recommend.hpp>
#include <engage_right/scoring.hpp>

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <optional>

namespace engage_right {

using detail::chunk_groups;
using detail::jaccard;
using detail::tile_queries;

void recommender::impl::set_query(const member_query& q, workspace& ws, std::size_t t) const {
    const std::size_t d = c.dimensions();
    float* unit = ws.qfeat.data() + t * std::max<std::size_t>(d, 1);
    for (std::size_t jd = 0; jd < d; ++jd) unit[jd] = q.norm > 0 ? float(double(q.features[jd]) / q.norm) : 0.0f;
}

std::size_t recommender::impl::screen_tile(const step_block& b, std::size_t nt, workspace& ws, float a_sim,
                                           float a_hap) const {
    const std::size_t d = c.dimensions();
    const float* queries[tile_queries];
    for (std::size_t t = 0; t < nt; ++t) queries[t] = ws.qfeat.data() + t * std::max<std::size_t>(d, 1);
    constexpr std::size_t L = peer_panel::lanes;
    const std::size_t groups = b.panel.groups();
    const std::size_t stride = groups * L;
    for (std::size_t g0 = 0; g0 < groups; g0 += chunk_groups) {
        const std::size_t g1 = std::min(groups, g0 + chunk_groups);
        detail::screen_panel(b.panel, g0, g1, queries, nt, a_sim, a_hap, ws.dense.data() + g0 * L, stride);
    }
    return stride;
}

std::optional<double> recommender::impl::kth_screened(const float* screened, std::size_t m, workspace& ws,
                                                      std::size_t t) const {
    auto& approx = ws.approx;
    approx.k = opt.k;
    approx.items.clear();
    float thr = -std::numeric_limits<float>::infinity();
    for (std::size_t p = detail::next_at_least(screened, 0, m, thr); p < m;
         p = detail::next_at_least(screened, p + 1, m, thr)) {
        if (ws.marked_for(p, t)) continue;
        approx.offer(screened[p], static_cast<std::uint32_t>(p));
        thr = static_cast<float>(approx.threshold());
    }
    if (approx.items.size() != opt.k) return std::nullopt;
    return approx.threshold();
}

detail::top_k& recommender::impl::start_query(member_index u, const step_block& b, workspace& ws, std::size_t t,
                                              bool skip_hubs) const {
    top_k& best = ws.best[t];
    best.k = opt.k;
    best.items.clear();
    mark_excluded(u, b, ws, t);
    ws.touched.clear();
    ws.hubs[t].clear();
    ws.hub_aa[t] = 0.0;
    for (member_index wv : c.neighbors(u)) {
        const double ilw = inv_log_deg[wv];
        if (skip_hubs && c.degree(wv) > hub_degree) {
            ws.hubs[t].push_back(wv);
            ws.hub_aa[t] += ilw;
            continue;
        }
        for (member_index x : within(c.neighbors(wv), b.stage_range)) {
            const auto ipos = b.position[x - b.stage_range.first];
            if (ipos < 0 || ws.marked_for(static_cast<std::size_t>(ipos), t)) continue;
            const auto pos = static_cast<std::uint32_t>(ipos);
            if (ws.aa[pos] == 0.0) ws.touched.push_back(pos);
            ws.aa[pos] += ilw;
        }
    }
    return best;
}

double recommender::impl::exact_adamic_adar(member_index u, member_index v) const noexcept {
    auto a = c.neighbors(u), b = c.neighbors(v);
    if (a.size() > b.size()) std::swap(a, b);
    double aa = 0;
    for (member_index x : a)  // ascending: the canonical order
        if (std::binary_search(b.begin(), b.end(), x)) aa += inv_log_deg[x];
    return aa;
}

double recommender::impl::hub_adamic_adar(member_index v, const workspace& ws, std::size_t t) const noexcept {
    const auto nv = c.neighbors(v);
    double aa = 0;
    for (member_index hub : ws.hubs[t])
        if (std::binary_search(nv.begin(), nv.end(), hub)) aa += inv_log_deg[hub];
    return aa;
}

void recommender::impl::mark_excluded(member_index u, const step_block& b, workspace& ws, std::size_t t) const {
    if (!opt.allow_existing)
        for (member_index x : within(c.neighbors(u), b.stage_range)) {
            const auto pos = b.position[x - b.stage_range.first];
            if (pos >= 0) ws.mark(static_cast<std::uint32_t>(pos), t);
        }
    for (member_index x : blocked_of(u)) {
        if (!b.stage_range.contains(x)) continue;
        const auto pos = b.position[x - b.stage_range.first];
        if (pos >= 0) ws.mark(static_cast<std::uint32_t>(pos), t);
    }
}

void recommender::impl::run_tile(stage_index s, const member_index* us, std::size_t nt, workspace& ws) const {
    if (opt.model) {
        run_model_tile(s, us, nt, ws);
        return;
    }
    const step_block& b = step(s);
    const std::size_t m = b.peers.size();
    const std::size_t d = c.dimensions();
    ws.reserve(m, d);
    for (std::size_t t = 0; t < nt; ++t) {
        const member_index u = us[t];
        // Peers with mutual contacts (the only ones with proximity > 0) are
        // scored exactly first. They are skipped below.
        top_k& best = start_query(u, b, ws, t, true);
        const member_query q = query_of(u);
        const bool hubs = !ws.hubs[t].empty();
        for (std::uint32_t pos : ws.touched) {
            const member_index v = b.peers[pos];
            score_components comp;
            comp.similarity = detail::exact_cosine(q.features, c.features(v).data(), d, q.norm, c.feature_norm(v));
            comp.tags = jaccard(q.tags, c.tags(v));
            // With hub contacts skipped, the sum is redone whole, in order.
            comp.proximity = proximity_from_adamic_adar(hubs ? exact_adamic_adar(u, v) : ws.aa[pos]);
            comp.happiness = b.happiness[pos];
            best.offer(detail::canonical_combine(comp, w), pos, comp);
            ws.mark(pos, t);
            ws.aa[pos] = 0.0;
        }
        set_query(q, ws, t);
    }
    // Dense part of every peer: single-precision screening of the whole
    // block (in chunks that keep the panel in cache for all members of
    // the tile), then exact re-scoring of whatever may reach the top k.
    const std::size_t stride = screen_tile(b, nt, ws, float(w.similarity), float(w.happiness));
    for (std::size_t t = 0; t < nt; ++t) {
        const member_query q = query_of(us[t]);
        if (q.norm == 0 && q.tags.empty() && ws.hubs[t].empty()) scan_plain(b, ws, t);
        else scan(us[t], b, ws.dense.data() + t * stride, m, ws, t);
    }
    ws.clear_marks();
}

void recommender::impl::scan_plain(const step_block& b, workspace& ws, std::size_t t) const {
    top_k& best = ws.best[t];
    for (std::uint32_t p : b.plain_order) {
        if (ws.marked_for(p, t)) continue;
        const double s = b.plain_score[p];
        // Later peers score no more and lose ties (larger position).
        if (best.items.size() == best.k &&
            (s < best.items.back().score || (s == best.items.back().score && p > best.items.back().pos)))
            break;
        score_components comp;
        comp.happiness = b.happiness[p];
        best.offer(s, p, comp);
    }
}

void recommender::impl::scan(member_index u, const step_block& b, const float* screened, std::size_t m, workspace& ws,
                             std::size_t t) const {
    top_k& best = ws.best[t];
    const double margin = params_margin;
    const double inf = std::numeric_limits<double>::infinity();
    // Sweep 1: the k-th largest screened dense score among peers not yet
    // settled. Their exact scores are at least that minus the margin.
    double floor = -inf;
    if (const auto kth = kth_screened(screened, m, ws, t)) floor = *kth - margin;
    const std::size_t d = c.dimensions();
    const member_query q = query_of(u);
    // Peers reached only through hub contacts: proximity at most that of
    // all the hubs' share, added to every bound below.
    const double hub_ub = ws.hubs[t].empty() ? 0.0 : w.proximity * proximity_from_adamic_adar(ws.hub_aa[t]);
    const float headroom = b.tag_headroom;
    auto bar = [&] { return std::max(best.threshold(), floor); };  // the final k-th best is at least this
    float thr = round_down(bar() - margin - hub_ub);
    const std::uint64_t* sigs = b.tag_sig.data();
    for (std::size_t p = detail::next_candidate(screened, sigs, q.tag_sig, headroom, 0, m, thr); p < m;
         p = detail::next_candidate(screened, sigs, q.tag_sig, headroom, p + 1, m, thr)) {
        if (ws.marked_for(p, t)) continue;
        const double approx = double(screened[p]);
        double tags_ub = 0.0;
        if (!q.tags.empty()) {
            // Tags of u that may be among v's: an upper bound of the intersection.
            // The tags of u whose bit is set in v's signature bound the
            // intersection I from above; the signature's popcount bounds
            // v's tag count nv from below (tags can share a bit). J =
            // I / (nu + nv - I) grows with I and shrinks with nv >= max(popcount, I).
            const std::uint64_t sig = b.tag_sig[p];
            std::size_t hits = 0;
            for (auto tag : q.tags) hits += (sig >> (tag & 63u)) & 1u;
            hits = std::min(hits, q.tags.size());
            const auto nv_low = std::max(static_cast<std::size_t>(std::popcount(sig)), hits);
            tags_ub = hits ? double(hits) / double(q.tags.size() + nv_low - hits) : 0.0;
        }
        if (approx + w.tags * tags_ub + margin + hub_ub < bar()) continue;
        const member_index v = b.peers[p];
        const double tags = tags_ub > 0 ? jaccard(q.tags, c.tags(v)) : 0.0;
        if (approx + w.tags * tags + margin + hub_ub < bar()) continue;
        score_components comp;
        comp.similarity = detail::exact_cosine(q.features, c.features(v).data(), d, q.norm, c.feature_norm(v));
        comp.tags = tags;
        if (hub_ub > 0) comp.proximity = proximity_from_adamic_adar(hub_adamic_adar(v, ws, t));
        comp.happiness = b.happiness[p];
        best.offer(detail::canonical_combine(comp, w), static_cast<std::uint32_t>(p), comp);
        thr = round_down(bar() - margin - hub_ub);
    }
}

}  // namespace engage_right
