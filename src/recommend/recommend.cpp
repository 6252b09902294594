#include "journey/gap.hpp"
#include "recommend/reason.hpp"
#include "scoring/kernel.hpp"
#include "util/parallel.hpp"

#include <engage_right/error.hpp>
#include <engage_right/ranking.hpp>
#include <engage_right/recommend.hpp>
#include <engage_right/scoring.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cmath>
#include <limits>
#include <mutex>
#include <optional>
#include <thread>

namespace engage_right {
namespace {

using detail::peer_panel;

constexpr std::size_t tile_queries = 4;    // queries sharing one pass of the kernel over the peers
constexpr std::size_t chunk_groups = 256;  // peer groups per chunk: 1,024 peers' dense scores stay in L1/L2

// The k best (score desc, position asc) seen so far, with the components of
// each (so that results need not be scored twice).
struct top_k {
    struct entry {
        double score;
        std::uint32_t pos;
        score_components comp;
    };
    std::size_t k = 0;
    std::vector<entry> items;  // best first

    double threshold() const noexcept {
        return items.size() < k ? -std::numeric_limits<double>::infinity() : items.back().score;
    }
    void offer(double s, std::uint32_t pos, const score_components& comp = {}) {
        if (items.size() == k) {
            const auto& w = items.back();
            if (s < w.score || (s == w.score && pos > w.pos)) return;
            items.pop_back();
        }
        std::size_t i = items.size();
        items.push_back({s, pos, comp});
        while (i > 0 && (items[i - 1].score < s || (items[i - 1].score == s && items[i - 1].pos > pos))) {
            items[i] = items[i - 1];
            --i;
        }
        items[i] = {s, pos, comp};
    }
};

// Eligible peers of stage s+1 (or of the stage window) for members at stage
// s, in id order (so a smaller position means a smaller id: ties need
// nothing more). Within one stage, member order is id order.
struct step_block {
    bool active = false;
    channel medium = channel::private_;
    index_range stage_range;             // members at s+1 (or at the stages of the window)
    std::vector<member_index> peers;     // eligible, ascending
    std::vector<std::int32_t> position;  // index - stage_range.first -> position in peers, -1 if not eligible
    peer_panel panel;
    std::vector<double> happiness;       // by position
    float tag_headroom = 0;              // w_tags rounded up: the most tags can add (J <= 1)
    std::vector<std::uint64_t> tag_sig;  // by position: bit (tag mod 64) of every tag
    // With a model: the panel's last row holds the peer part of the linear
    // predictor (in float) instead of happiness; `bias` is its exact value.
    std::vector<double> bias;
    double model_margin = 0;  // screening error bound of this block under the model
};

// Jaccard quotients inter / union for small tag sets.
constexpr std::size_t jaccard_table_size = 16;
const auto jaccard_table = [] {
    std::array<std::array<double, 2 * jaccard_table_size>, jaccard_table_size> t{};
    for (std::size_t i = 0; i < jaccard_table_size; ++i)
        for (std::size_t un = 0; un < 2 * jaccard_table_size; ++un) t[i][un] = un == 0 ? 0.0 : double(i) / double(un);
    return t;
}();

// The same quotient as canonical_jaccard (the table holds the results of
// the same divisions).
double jaccard(std::span<const std::uint32_t> a, std::span<const std::uint32_t> b) noexcept {
    const std::size_t inter = detail::common_count(a, b);
    if (a.size() < jaccard_table_size && b.size() < jaccard_table_size)
        return jaccard_table[inter][a.size() + b.size() - inter];
    return detail::canonical_jaccard(inter, a.size(), b.size());
}

struct workspace {
    std::vector<double> aa;  // Adamic-Adar sums of the current member
    std::vector<std::uint32_t> touched;
    std::vector<std::uint8_t> marks;  // bit t: skip this position for tile member t
    std::vector<std::uint32_t> marked;
    std::vector<float> qfeat;  // unit-normalised query features
    std::vector<float> dense;  // tile_queries x chunk screening scores
    std::vector<top_k> best;
    top_k approx;                       // dense-only screening top-k of one member
    std::vector<std::uint32_t> shared;  // threads shared with the current member (model path)
    std::vector<std::uint32_t> shared_touched;
    void reserve(std::size_t m, std::size_t d) {
        if (aa.size() < m) {
            aa.assign(m, 0.0);
            marks.assign(m, 0);
        }
        qfeat.resize(tile_queries * std::max<std::size_t>(d, 1));
        dense.resize(tile_queries * (m + peer_panel::lanes));
        best.resize(tile_queries);
    }
    void mark(std::uint32_t pos, std::size_t t) {
        if (marks[pos] == 0) marked.push_back(pos);
        marks[pos] = static_cast<std::uint8_t>(marks[pos] | (1u << t));
    }
    bool marked_for(std::size_t pos, std::size_t t) const noexcept { return (marks[pos] >> t) & 1u; }
    void clear_marks() {
        for (auto pos : marked) marks[pos] = 0;
        marked.clear();
    }
};

}  // namespace

struct recommender::impl {
    const community& c;
    recommend_options opt;
    score_weights w;
    int min_sat = 7;
    // Steps are packed on first use, so that a single query packs one stage.
    mutable std::vector<step_block> steps;  // by member stage s
    std::unique_ptr<std::once_flag[]> step_once;
    std::vector<double> inv_log_deg;
    double params_margin = 0;                    // screening error bound
    std::vector<std::uint64_t> blocked_offsets;  // member -> blocked partners (CSR, sorted)
    std::vector<member_index> blocked;
    // The model's pair part for a peer without mutual contacts or shared
    // threads is a_sim * cosine + m_const + tags_term(J): the screening bounds.
    struct model_bounds {
        double a_sim = 0;     // coefficient / scale of similarity
        double m_const = 0;   // the constant terms (similarity's mean, proximity and co_participation at 0)
        double tags_at0 = 0;  // the tags term at J = 0
        double tags_at1 = 0;  // ... at J = 1
    } mb;

    impl(const community& com, recommend_options o) : c(com), opt(std::move(o)) {
        const journey& j = c.journey();
        if (opt.k == 0) throw config_error("k must be at least 1");
        w = opt.weights.value_or(j.weights());
        validate_weights(w);
        min_sat = opt.min_satisfaction.value_or(j.min_peer_satisfaction());
        params_margin = detail::screening_margin(c.dimensions(), w);
        if (min_sat < 0 || min_sat > 11)
            throw config_error(fmt::format("min_satisfaction must be 0..11, got {}", min_sat));
        validate_stage_gap(opt.gap, j);
        const std::size_t n = c.size();
        for (const auto& [a, b] : opt.blocked)
            if (a >= n || b >= n) throw config_error("blocked pair names a member index out of range");
        build_blocked();
        if (opt.model && &opt.model->source() != &c)
            throw config_error("the ranking model was applied to another community (build its scorer on this one)");
        if (opt.model) {
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
        inv_log_deg.resize(n);
        for (std::size_t i = 0; i < n; ++i) {
            const std::size_t deg = c.degree(static_cast<member_index>(i));
            inv_log_deg[i] = deg >= 2 ? detail::inverse_log_degree(deg) : 0.0;
        }
        const std::size_t S = j.stage_count();
        steps.resize(S);
        step_once = std::make_unique<std::once_flag[]>(S);
    }

    const step_block& step(stage_index s) const {
        std::call_once(step_once[s], [&] { build_step(s); });
        return steps[s];
    }

    void build_blocked() {
        const std::size_t n = c.size();
        blocked_offsets.assign(n + 1, 0);
        if (opt.blocked.empty()) return;
        for (const auto& [a, b] : opt.blocked) {
            ++blocked_offsets[a + 1];
            ++blocked_offsets[b + 1];
        }
        for (std::size_t i = 0; i < n; ++i) blocked_offsets[i + 1] += blocked_offsets[i];
        blocked.resize(blocked_offsets[n]);
        std::vector<std::uint64_t> fill(blocked_offsets.begin(), blocked_offsets.end() - 1);
        for (const auto& [a, b] : opt.blocked) {
            blocked[fill[a]++] = b;
            blocked[fill[b]++] = a;
        }
        for (std::size_t i = 0; i < n; ++i)
            std::sort(blocked.begin() + static_cast<std::ptrdiff_t>(blocked_offsets[i]),
                      blocked.begin() + static_cast<std::ptrdiff_t>(blocked_offsets[i + 1]));
    }

    std::span<const member_index> blocked_of(member_index u) const {
        return {blocked.data() + blocked_offsets[u], blocked.data() + blocked_offsets[u + 1]};
    }

    bool peer_ok(member_index v) const noexcept {
        if (c.opted_out(v)) return false;
        const auto sat = c.satisfaction_raw(v);
        if (sat >= 0 && sat < min_sat) return false;
        return c.capacity(v) > 0;
    }

    void build_step(stage_index s) const {
        step_block& b = steps[s];
        const journey_step& js = c.journey().step(s);
        b.medium = js.medium;
        b.active = js.enabled;
        const detail::stage_window win = detail::peer_window(c.journey(), s, opt.gap);
        if (win.empty()) {
            b.active = false;
            return;
        }
        b.stage_range = {c.stage_members(static_cast<stage_index>(win.first)).first,
                         c.stage_members(static_cast<stage_index>(win.last)).last};
        if (!b.active) return;
        for (member_index v = b.stage_range.first; v < b.stage_range.last; ++v)
            if (peer_ok(v)) b.peers.push_back(v);
        // Several stages: member order is (stage, id); positions must follow the id.
        if (win.first != win.last)
            std::sort(b.peers.begin(), b.peers.end(),
                      [&](member_index x, member_index y) { return c.id(x) < c.id(y); });
        b.position.assign(b.stage_range.size(), -1);
        for (std::size_t i = 0; i < b.peers.size(); ++i)
            b.position[b.peers[i] - b.stage_range.first] = static_cast<std::int32_t>(i);
        // Dense panel.
        constexpr std::size_t L = peer_panel::lanes;
        const std::size_t d = c.dimensions();
        peer_panel& p = b.panel;
        p.count = b.peers.size();
        p.dims = d;
        p.data.assign(p.groups() * p.group_stride(), 0.0f);
        for (std::size_t i = 0; i < p.count; ++i) {
            const member_index v = b.peers[i];
            float* base = p.data.data() + (i / L) * p.group_stride();
            const std::size_t l = i % L;
            const auto f = c.features(v);
            const double nv = c.feature_norm(v);
            for (std::size_t jd = 0; jd < d; ++jd) base[jd * L + l] = nv > 0 ? float(double(f[jd]) / nv) : 0.0f;
            base[d * L + l] = float(detail::canonical_happiness(c.satisfaction_raw(v)));
            b.happiness.push_back(detail::canonical_happiness(c.satisfaction_raw(v)));
            if (opt.model) {
                const ranking_scorer& sc = *opt.model;
                ranking_features x{};
                x[static_cast<std::size_t>(ranking_feature::happiness)] = b.happiness.back();
                for (auto f2 : {ranking_feature::peer_log_degree, ranking_feature::peer_activity,
                                ranking_feature::peer_idle_days})
                    x[static_cast<std::size_t>(f2)] = sc.peer_feature(v, f2);
                b.bias.push_back(sc.model().peer_part(x));
                base[d * L + l] = float(b.bias.back());
            }
        }
        if (opt.model) {
            // Float screening of a_sim * <u, v> + bias against the exact
            // double value: a generous bound (unit roundoff 2^-24 of float).
            double max_bias = 0;
            for (double x : b.bias) max_bias = std::max(max_bias, std::abs(x));
            constexpr double uf = 1.0 / 16777216.0;
            b.model_margin = 16.0 * uf * (double(d + 8) * std::abs(mb.a_sim) + 8.0 * max_bias) +
                             1e-9 * (1.0 + std::abs(mb.m_const) + std::abs(mb.tags_at0) + std::abs(mb.tags_at1));
        }
        const auto headroom = static_cast<float>(w.tags);
        b.tag_headroom = double(headroom) < w.tags ? std::nextafter(headroom, 2 * headroom + 1) : headroom;
        b.tag_sig.assign(p.count, 0);
        for (std::size_t i = 0; i < p.count; ++i)
            for (auto t : c.tags(b.peers[i])) b.tag_sig[i] |= std::uint64_t{1} << (t & 63u);
    }

    bool member_ok(member_index u) const noexcept {
        const stage_index s = c.stage(u);
        return !c.opted_out(u) && s + 1u < c.journey().stage_count() && step(s).active && !step(s).peers.empty();
    }

    // Neighbours of x inside an index range (lists are sorted).
    static std::span<const member_index> within(std::span<const member_index> nb, index_range r) {
        auto lo = std::lower_bound(nb.begin(), nb.end(), r.first);
        auto hi = std::lower_bound(lo, nb.end(), r.last);
        return {lo, hi};
    }

    // The learned ranking, screened like the reference score: peers with
    // mutual contacts or shared threads (the only ones whose proximity or
    // co_participation is not 0) are scored exactly first, from two-hop sums
    // (Adamic-Adar in ascending order of the common contact, the canonical
    // order); the rest go through the single-precision kernel with the
    // peer part of the linear predictor in the happiness row, and only
    // those whose bound can reach the top k are scored exactly.
    // The unit feature vector of u as screening query t of the tile.
    void set_query(std::span<const float> fu, double nu, workspace& ws, std::size_t t) const {
        const std::size_t d = c.dimensions();
        float* q = ws.qfeat.data() + t * std::max<std::size_t>(d, 1);
        for (std::size_t jd = 0; jd < d; ++jd) q[jd] = nu > 0 ? float(double(fu[jd]) / nu) : 0.0f;
    }

    // Single-precision screening of block b for the nt queries of the tile,
    // a_sim * cosine + a_hap * happiness per peer, in chunks that keep the
    // panel in cache for all members of the tile; row t of ws.dense holds
    // query t's values. Returns the row stride.
    std::size_t screen_tile(const step_block& b, std::size_t nt, workspace& ws, float a_sim, float a_hap) const {
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

    // Sweep 1 of a scan: the k-th largest screened value among the peers
    // of tile slot t not yet settled (marked), or none when fewer than k.
    std::optional<double> kth_screened(const float* screened, std::size_t m, workspace& ws, std::size_t t) const {
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

    // The hard rules about the pair (5: existing contacts, 2: blocked pairs):
    // mark the peers of block b that u may not be given, for tile slot t.
    void mark_excluded(member_index u, const step_block& b, workspace& ws, std::size_t t) const {
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

    void run_model_tile(stage_index s, const member_index* us, std::size_t nt, workspace& ws) const {
        const ranking_scorer& sc = *opt.model;
        const ranking_model& model = sc.model();
        const step_block& b = step(s);
        const std::size_t m = b.peers.size();
        const std::size_t d = c.dimensions();
        ws.reserve(m, d);
        if (ws.shared.size() < m) ws.shared.assign(m, 0);
        for (std::size_t t = 0; t < nt; ++t) {
            const member_index u = us[t];
            top_k& best = ws.best[t];
            best.k = opt.k;
            best.items.clear();
            mark_excluded(u, b, ws, t);
            ws.touched.clear();
            for (member_index wv : c.neighbors(u)) {
                const double ilw = inv_log_deg[wv];
                for (member_index x : within(c.neighbors(wv), b.stage_range)) {
                    const auto ipos = b.position[x - b.stage_range.first];
                    if (ipos < 0 || ws.marked_for(static_cast<std::size_t>(ipos), t)) continue;
                    const auto pos = static_cast<std::uint32_t>(ipos);
                    if (ws.aa[pos] == 0.0) ws.touched.push_back(pos);
                    ws.aa[pos] += ilw;
                }
            }
            if (const content_threads* th = sc.threads())
                for (std::uint32_t slot : th->of(u))
                    for (member_index x : th->members_of(slot)) {
                        if (!b.stage_range.contains(x)) continue;
                        const auto ipos = b.position[x - b.stage_range.first];
                        if (ipos < 0 || ws.marked_for(static_cast<std::size_t>(ipos), t)) continue;
                        const auto pos = static_cast<std::uint32_t>(ipos);
                        if (ws.shared[pos]++ == 0 && ws.aa[pos] == 0.0) ws.touched.push_back(pos);
                    }
            const auto fu = c.features(u);
            const double nu = c.feature_norm(u);
            const auto tu = c.tags(u);
            for (std::uint32_t pos : ws.touched) {
                const member_index v = b.peers[pos];
                ranking_features x{};
                x[0] = detail::exact_cosine(fu.data(), c.features(v).data(), d, nu, c.feature_norm(v));
                x[1] = jaccard(tu, c.tags(v));
                x[2] = proximity_from_adamic_adar(ws.aa[pos]);
                x[3] = b.happiness[pos];
                x[7] = std::log1p(static_cast<double>(ws.shared[pos]));
                const score_components comp{x[0], x[1], x[2], x[3]};
                best.offer(b.bias[pos] + model.pair_part(x), pos, comp);
                ws.mark(pos, t);
                ws.aa[pos] = 0.0;
                ws.shared[pos] = 0;
            }
            set_query(fu, nu, ws, t);
        }
        const std::size_t stride = screen_tile(b, nt, ws, float(mb.a_sim), 1.0f);
        for (std::size_t t = 0; t < nt; ++t) scan_model(us[t], b, ws.dense.data() + t * stride, m, ws, t);
        ws.clear_marks();
    }

    // scan() for the model: a peer not yet settled has proximity and
    // co_participation 0, so its linear predictor is bias + a_sim * cosine
    // + m_const + tags_term(J), within model_margin of the screened value
    // plus m_const + tags_term(J).
    void scan_model(member_index u, const step_block& b, const float* screened, std::size_t m, workspace& ws,
                    std::size_t t) const {
        const ranking_model& model = opt.model->model();
        top_k& best = ws.best[t];
        const double margin = b.model_margin;
        const double inf = std::numeric_limits<double>::infinity();
        const double tags_lo = std::min(mb.tags_at0, mb.tags_at1), tags_up = std::max(mb.tags_at0, mb.tags_at1);
        double floor = -inf;
        if (const auto kth = kth_screened(screened, m, ws, t)) floor = *kth + mb.m_const + tags_lo - margin;
        const std::size_t d = c.dimensions();
        const float* fu = c.features(u).data();
        const double nu = c.feature_norm(u);
        const auto tu = c.tags(u);
        std::uint64_t qsig = 0;
        for (auto tag : tu) qsig |= std::uint64_t{1} << (tag & 63u);
        // Peers that may share a tag can gain up to tags_at1 - tags_at0 (when the coefficient is positive).
        float headroom = static_cast<float>(std::max(0.0, mb.tags_at1 - mb.tags_at0));
        if (double(headroom) < mb.tags_at1 - mb.tags_at0) headroom = std::nextafter(headroom, 2 * headroom + 1);
        auto bar = [&] { return std::max(best.threshold(), floor); };
        auto threshold = [&] { return round_down(bar() - mb.m_const - mb.tags_at0 - margin); };
        float thr = threshold();
        const std::uint64_t* sigs = b.tag_sig.data();
        for (std::size_t p = detail::next_candidate(screened, sigs, qsig, headroom, 0, m, thr); p < m;
             p = detail::next_candidate(screened, sigs, qsig, headroom, p + 1, m, thr)) {
            if (ws.marked_for(p, t)) continue;
            const member_index v = b.peers[p];
            const double tags = (b.tag_sig[p] & qsig) ? jaccard(tu, c.tags(v)) : 0.0;
            const double tags_term = tags > 0 ? std::min(tags_up, model_tags_term(tags)) : mb.tags_at0;
            if (double(screened[p]) + mb.m_const + tags_term + margin < bar()) continue;
            ranking_features x{};
            x[0] = detail::exact_cosine(fu, c.features(v).data(), d, nu, c.feature_norm(v));
            x[1] = tags;
            x[2] = 0.0;
            x[3] = b.happiness[p];
            x[7] = 0.0;
            const score_components comp{x[0], x[1], 0.0, x[3]};
            best.offer(b.bias[p] + model.pair_part(x), static_cast<std::uint32_t>(p), comp);
            thr = threshold();
        }
    }

    // The tags term of the linear predictor at J (for the bound only).
    double model_tags_term(double j) const noexcept { return mb.tags_at0 + (mb.tags_at1 - mb.tags_at0) * j; }

    // Run a tile of up to 4 members, all at stage s; ws.best[t] receives their top-k.
    void run_tile(stage_index s, const member_index* us, std::size_t nt, workspace& ws) const {
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
            top_k& best = ws.best[t];
            best.k = opt.k;
            best.items.clear();
            mark_excluded(u, b, ws, t);
            // Peers with mutual contacts (the only ones with proximity > 0):
            // Adamic-Adar sums in ascending order of the common neighbour, the
            // canonical order, then exact scores. They are skipped below.
            const auto fu = c.features(u);
            const double nu = c.feature_norm(u);
            const auto tu = c.tags(u);
            ws.touched.clear();
            for (member_index wv : c.neighbors(u)) {
                const double ilw = inv_log_deg[wv];
                for (member_index x : within(c.neighbors(wv), b.stage_range)) {
                    const auto ipos = b.position[x - b.stage_range.first];
                    if (ipos < 0) continue;
                    const auto pos = static_cast<std::uint32_t>(ipos);
                    if (ws.marked_for(pos, t)) continue;
                    if (ws.aa[pos] == 0.0) ws.touched.push_back(pos);
                    ws.aa[pos] += ilw;
                }
            }
            for (std::uint32_t pos : ws.touched) {
                const member_index v = b.peers[pos];
                score_components comp;
                comp.similarity = detail::exact_cosine(fu.data(), c.features(v).data(), d, nu, c.feature_norm(v));
                comp.tags = jaccard(tu, c.tags(v));
                comp.proximity = proximity_from_adamic_adar(ws.aa[pos]);
                comp.happiness = b.happiness[pos];
                best.offer(detail::canonical_combine(comp, w), pos, comp);
                ws.mark(pos, t);
                ws.aa[pos] = 0.0;
            }
            set_query(fu, nu, ws, t);
        }
        // Dense part of every peer: single-precision screening of the whole
        // block (in chunks that keep the panel in cache for all members of
        // the tile), then exact re-scoring of whatever may reach the top k.
        const std::size_t stride = screen_tile(b, nt, ws, float(w.similarity), float(w.happiness));
        for (std::size_t t = 0; t < nt; ++t) scan(us[t], b, ws.dense.data() + t * stride, m, ws, t);
        ws.clear_marks();
    }

    static float round_down(double x) noexcept {
        float f = static_cast<float>(x);
        if (double(f) > x) f = std::nextafter(f, -std::numeric_limits<float>::infinity());
        return f;
    }

    // Offer the peers whose screening score, plus the most their tags could
    // add, plus the screening margin, can reach the k-th best; score those
    // exactly. A first sweep over the dense part alone finds a floor under
    // the final k-th best, so that the second sweep looks at few peers.
    void scan(member_index u, const step_block& b, const float* screened, std::size_t m, workspace& ws,
              std::size_t t) const {
        top_k& best = ws.best[t];
        const double margin = params_margin;
        const double inf = std::numeric_limits<double>::infinity();
        // Sweep 1: the k-th largest screened dense score among peers not yet
        // settled. Their exact scores are at least that minus the margin.
        double floor = -inf;
        if (const auto kth = kth_screened(screened, m, ws, t)) floor = *kth - margin;
        const std::size_t d = c.dimensions();
        const float* fu = c.features(u).data();
        const double nu = c.feature_norm(u);
        const auto tu = c.tags(u);
        std::uint64_t qsig = 0;
        for (auto tag : tu) qsig |= std::uint64_t{1} << (tag & 63u);
        const float headroom = b.tag_headroom;
        auto bar = [&] { return std::max(best.threshold(), floor); };  // the final k-th best is at least this
        float thr = round_down(bar() - margin);
        const std::uint64_t* sigs = b.tag_sig.data();
        for (std::size_t p = detail::next_candidate(screened, sigs, qsig, headroom, 0, m, thr); p < m;
             p = detail::next_candidate(screened, sigs, qsig, headroom, p + 1, m, thr)) {
            if (ws.marked_for(p, t)) continue;
            const double approx = double(screened[p]);
            double tags_ub = 0.0;
            if (!tu.empty()) {
                // Tags of u that may be among v's: an upper bound of the intersection.
                // The tags of u whose bit is set in v's signature bound the
                // intersection I from above; the signature's popcount bounds
                // v's tag count nv from below (tags can share a bit). J =
                // I / (nu + nv - I) grows with I and shrinks with nv >= max(popcount, I).
                const std::uint64_t sig = b.tag_sig[p];
                std::size_t hits = 0;
                for (auto tag : tu) hits += (sig >> (tag & 63u)) & 1u;
                hits = std::min(hits, tu.size());
                const auto nv_low = std::max(static_cast<std::size_t>(std::popcount(sig)), hits);
                tags_ub = hits ? double(hits) / double(tu.size() + nv_low - hits) : 0.0;
            }
            if (approx + w.tags * tags_ub + margin < bar()) continue;
            const member_index v = b.peers[p];
            const double tags = tags_ub > 0 ? jaccard(tu, c.tags(v)) : 0.0;
            if (approx + w.tags * tags + margin < bar()) continue;
            score_components comp;
            comp.similarity = detail::exact_cosine(fu, c.features(v).data(), d, nu, c.feature_norm(v));
            comp.tags = tags;
            comp.happiness = b.happiness[p];
            best.offer(detail::canonical_combine(comp, w), static_cast<std::uint32_t>(p), comp);
            thr = round_down(bar() - margin);
        }
    }

    recommendation make(member_index u, member_index v, std::uint32_t rank, const score_components& comp,
                        double ranked_by) const {
        recommendation r;
        r.member = u;
        r.peer = v;
        r.rank = rank;
        r.components = comp;
        r.medium = steps[c.stage(u)].medium;
        if (opt.model) {
            r.score = logistic(ranked_by);
            if (opt.reasons) r.reason = opt.model->reason(u, v, opt.model->features(u, v));
            return r;
        }
        // The same bits the selection compared (see the tests).
        r.score = detail::canonical_combine(comp, w);
        if (opt.reasons) r.reason = detail::reason_text(c, u, v, comp, opt.allow_existing, opt.gap);
        return r;
    }

    // Results for `members`, one vector per member, in the same order.
    std::vector<std::vector<recommendation>> run(std::span<const member_index> members) const {
        std::vector<std::vector<recommendation>> out(members.size());
        // Work items: tiles of members at the same stage.
        std::vector<std::uint32_t> order;
        order.reserve(members.size());
        for (std::uint32_t i = 0; i < members.size(); ++i)
            if (member_ok(members[i])) order.push_back(i);
        std::stable_sort(order.begin(), order.end(),
                         [&](std::uint32_t a, std::uint32_t b) { return c.stage(members[a]) < c.stage(members[b]); });
        struct tile {
            std::size_t begin, end;
        };
        std::vector<tile> tiles;
        for (std::size_t i = 0; i < order.size();) {
            std::size_t e = i + 1;
            const stage_index s = c.stage(members[order[i]]);
            while (e < order.size() && e - i < tile_queries && c.stage(members[order[e]]) == s) ++e;
            tiles.push_back({i, e});
            i = e;
        }
        std::atomic<std::size_t> next{0};
        auto worker = [&] {
            workspace ws;
            member_index us[tile_queries];
            for (;;) {
                const std::size_t ti = next.fetch_add(1, std::memory_order_relaxed);
                if (ti >= tiles.size()) break;
                const tile& tl = tiles[ti];
                const std::size_t nt = tl.end - tl.begin;
                for (std::size_t t = 0; t < nt; ++t) us[t] = members[order[tl.begin + t]];
                const stage_index s = c.stage(us[0]);
                run_tile(s, us, nt, ws);
                for (std::size_t t = 0; t < nt; ++t) {
                    auto& dst = out[order[tl.begin + t]];
                    const auto& items = ws.best[t].items;
                    dst.reserve(items.size());
                    for (std::size_t r = 0; r < items.size(); ++r)
                        dst.push_back(make(us[t], steps[s].peers[items[r].pos], static_cast<std::uint32_t>(r + 1),
                                           items[r].comp, items[r].score));
                }
            }
        };
        unsigned nthreads = detail::thread_count(opt.threads);
        nthreads = static_cast<unsigned>(std::min<std::size_t>(nthreads, tiles.size()));
        if (nthreads <= 1) {
            worker();
        } else {
            std::vector<std::jthread> pool;
            for (unsigned i = 0; i < nthreads; ++i) pool.emplace_back(worker);
        }
        return out;
    }

    // The first hard rule that (u, v) fails, in the order of DESIGN.md
    // section 3 (rule 1 with the stage gap; `any_stage` leaves rule 1 out);
    // check() words it, is_eligible() and the baselines ask it.
    rule failed_rule(member_index u, member_index v, bool any_stage = false) const noexcept {
        if (!any_stage && !detail::peer_stage(c.journey(), c.stage(u), c.stage(v), opt.gap)) return rule::next_stage;
        if (u == v || c.opted_out(u) || c.opted_out(v)) return rule::distinct_active;
        auto bl = blocked_of(u);
        if (std::binary_search(bl.begin(), bl.end(), v)) return rule::distinct_active;
        const auto sat = c.satisfaction_raw(v);
        if (sat >= 0 && sat < min_sat) return rule::satisfaction;
        if (c.capacity(v) <= 0) return rule::capacity;
        if (!opt.allow_existing && c.has_interaction(u, v)) return rule::no_existing_contact;
        return rule::none;
    }

    eligibility check(member_index u, member_index v) const {
        if (failed_rule(u, v) == rule::none) return eligibility{true, rule::none, {}};
        const journey& j = c.journey();
        auto fail = [](rule r, std::string why) { return eligibility{false, r, std::move(why)}; };
        const stage_index su = c.stage(u), sv = c.stage(v);
        const stage_gap& gap = opt.gap;
        // Rules in the order of DESIGN.md section 3: the first that fails is reported.
        if (su + 1u >= j.stage_count())
            return fail(rule::next_stage, fmt::format("{} is at the last stage ({})", c.id(u), j.stage_name(su)));
        const long distance = long{sv} - long{su};
        if (gap.one_stage() && distance != 1)
            return fail(rule::next_stage,
                        fmt::format("{} is at {}, not one stage right of {} ({})", c.id(v), j.stage_name(sv),
                                    j.stage_name(su), j.stage_name(static_cast<stage_index>(su + 1))));
        if (distance < long{gap.min} || distance > long{gap.max})
            return fail(rule::next_stage,
                        fmt::format("{} is at {}, not {} to {} stages right of {} (stage gap {})", c.id(v),
                                    j.stage_name(sv), gap.min, gap.max, j.stage_name(su), to_string(gap)));
        // Every step between the two stages must be enabled (only su -> su + 1 with 1:1).
        for (std::size_t t = su; t < sv; ++t)
            if (!j.step(static_cast<stage_index>(t)).enabled)
                return fail(rule::next_stage,
                            fmt::format("the step {} -> {} is disabled", j.stage_name(static_cast<stage_index>(t)),
                                        j.stage_name(static_cast<stage_index>(t + 1))));
        if (u == v) return fail(rule::distinct_active, "a member cannot be their own peer");
        if (c.opted_out(u)) return fail(rule::distinct_active, fmt::format("{} opted out", c.id(u)));
        if (c.opted_out(v)) return fail(rule::distinct_active, fmt::format("{} opted out", c.id(v)));
        auto bl = blocked_of(u);
        if (std::binary_search(bl.begin(), bl.end(), v))
            return fail(rule::distinct_active, fmt::format("the pair {} / {} is blocked", c.id(u), c.id(v)));
        const auto sat = c.satisfaction(v);
        if (sat && *sat < min_sat)
            return fail(rule::satisfaction, fmt::format("{} has satisfaction {} (minimum {})", c.id(v), *sat, min_sat));
        if (c.capacity(v) <= 0) return fail(rule::capacity, fmt::format("{} has no capacity", c.id(v)));
        if (!opt.allow_existing && c.has_interaction(u, v))
            return fail(rule::no_existing_contact, fmt::format("{} and {} have already interacted", c.id(u), c.id(v)));
        return eligibility{true, rule::none, {}};
    }
};

recommender::recommender(const community& c, recommend_options options)
    : impl_(std::make_unique<impl>(c, std::move(options))) {}
recommender::~recommender() = default;
recommender::recommender(recommender&&) noexcept = default;
recommender& recommender::operator=(recommender&&) noexcept = default;

const community& recommender::source() const noexcept { return impl_->c; }
const score_weights& recommender::weights() const noexcept { return impl_->w; }
const recommend_options& recommender::options() const noexcept { return impl_->opt; }

std::vector<recommendation> recommender::for_member(member_index u) const {
    if (u >= impl_->c.size()) throw not_found_error(fmt::format("member index {} out of range", u));
    auto res = impl_->run(std::span<const member_index>(&u, 1));
    return std::move(res[0]);
}

std::vector<recommendation> recommender::for_member(std::string_view id) const {
    return for_member(impl_->c.index_of(id));
}

std::vector<recommendation> recommender::for_members(std::span<const member_index> members) const {
    for (auto u : members)
        if (u >= impl_->c.size()) throw not_found_error(fmt::format("member index {} out of range", u));
    auto res = impl_->run(members);
    std::vector<recommendation> out;
    std::size_t total = 0;
    for (const auto& r : res) total += r.size();
    out.reserve(total);
    for (auto& r : res)
        for (auto& x : r) out.push_back(std::move(x));
    return out;
}

std::vector<recommendation> recommender::for_all() const {
    const community& c = impl_->c;
    std::vector<member_index> members(c.size());
    for (std::uint32_t row = 0; row < c.size(); ++row) members[row] = c.at_input_position(row);
    return for_members(members);
}

eligibility recommender::check(member_index u, member_index v) const {
    if (u >= impl_->c.size() || v >= impl_->c.size()) throw not_found_error("member index out of range");
    return impl_->check(u, v);
}

explanation recommender::explain(member_index u, member_index v) const {
    const community& c = impl_->c;
    explanation e;
    e.member = u;
    e.peer = v;
    e.verdict = check(u, v);
    e.components = components(c, u, v);
    e.score = impl_->opt.model ? impl_->opt.model->model().probability(impl_->opt.model->features(u, v))
                               : combine(e.components, impl_->w);
    // The channel of u's step when v stands within the gap (enabled or not).
    const long distance = long{c.stage(v)} - long{c.stage(u)};
    if (distance >= long{impl_->opt.gap.min} && distance <= long{impl_->opt.gap.max})
        e.medium = c.journey().step(c.stage(u)).medium;
    for (auto t : shared_tags(c, u, v)) e.shared_tags.push_back(c.tag_name(t));
    e.mutual_contacts = common_neighbors(c, u, v);
    e.existing_contact = c.has_interaction(u, v);
    e.sentence = impl_->opt.model ? impl_->opt.model->reason(u, v, impl_->opt.model->features(u, v))
                                  : reason_sentence(c, u, v, e.components, impl_->opt.gap);
    return e;
}

bool recommender::is_eligible(member_index u, member_index v) const noexcept {
    const std::size_t n = impl_->c.size();
    return u < n && v < n && impl_->failed_rule(u, v) == rule::none;
}

bool recommender::is_eligible_any_stage(member_index u, member_index v) const noexcept {
    const std::size_t n = impl_->c.size();
    return u < n && v < n && impl_->failed_rule(u, v, true) == rule::none;
}

bool recommender::is_peer(member_index v) const noexcept { return v < impl_->c.size() && impl_->peer_ok(v); }

bool recommender::is_seeker(member_index u) const { return u < impl_->c.size() && impl_->member_ok(u); }

bool recommender::is_seeker_any_stage(member_index u) const noexcept {
    return u < impl_->c.size() && !impl_->c.opted_out(u);
}

std::span<const member_index> recommender::peer_pool(stage_index s) const {
    if (std::size_t{s} + 1 >= impl_->c.journey().stage_count()) return {};
    const auto& b = impl_->step(s);
    if (!b.active) return {};
    return b.peers;
}

std::vector<recommendation> recommend(const community& c, std::string_view member_id,
                                      const recommend_options& options) {
    const member_index u = c.index_of(member_id);
    return recommender(c, options).for_member(u);
}

std::vector<recommendation> recommend_all(const community& c, const recommend_options& options) {
    return recommender(c, options).for_all();
}

explanation explain(const community& c, std::string_view member_id, std::string_view peer_id,
                    const recommend_options& options) {
    const member_index u = c.index_of(member_id);
    const member_index v = c.index_of(peer_id);
    return recommender(c, options).explain(u, v);
}

}  // namespace engage_right
