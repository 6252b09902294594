#pragma once
// The recommender's state, private to src/recommend and shared by its three
// sources: recommend.cpp (the steps' peer blocks, the hard rules, the tiles
// and the public API), search.cpp (the tile search under the reference
// score) and model_search.cpp (the same search under a learned ranking
// model).

#include "scoring/kernel.hpp"

#include <engage_right/community.hpp>
#include <engage_right/ranking.hpp>
#include <engage_right/recommend.hpp>
#include <engage_right/scoring.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <vector>

namespace engage_right {

namespace detail {

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
    // The exact score of every peer for a member with no features (or a
    // zero vector), no tags and no contacts through hubs: it depends on the
    // peer's happiness alone. `plain_order`: positions by that score
    // descending, then position (reference score only).
    std::vector<double> plain_score;
    std::vector<std::uint32_t> plain_order;
};

// Jaccard quotients inter / union for small tag sets.
constexpr std::size_t jaccard_table_size = 16;
inline const auto jaccard_table = [] {
    std::array<std::array<double, 2 * jaccard_table_size>, jaccard_table_size> t{};
    for (std::size_t i = 0; i < jaccard_table_size; ++i)
        for (std::size_t un = 0; un < 2 * jaccard_table_size; ++un) t[i][un] = un == 0 ? 0.0 : double(i) / double(un);
    return t;
}();

// The same quotient as canonical_jaccard (the table holds the results of
// the same divisions).
inline double jaccard(std::span<const std::uint32_t> a, std::span<const std::uint32_t> b) noexcept {
    const std::size_t inter = detail::common_count(a, b);
    if (a.size() < jaccard_table_size && b.size() < jaccard_table_size)
        return jaccard_table[inter][a.size() + b.size() - inter];
    return detail::canonical_jaccard(inter, a.size(), b.size());
}

// Bit (tag mod 64) of every tag: members whose signatures share no bit
// share no tag.
inline std::uint64_t tag_signature(std::span<const std::uint32_t> tags) noexcept {
    std::uint64_t sig = 0;
    for (auto tag : tags) sig |= std::uint64_t{1} << (tag & 63u);
    return sig;
}

// The member a query of the search is for: what its peers are compared with.
struct member_query {
    const float* features;
    double norm;  // of the features
    std::span<const std::uint32_t> tags;
    std::uint64_t tag_sig;  // tag_signature(tags)
};

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
    // Per tile slot: the member's hub contacts (not walked through, in
    // ascending order) and the sum of their 1 / ln(degree).
    std::array<std::vector<member_index>, tile_queries> hubs;
    std::array<double, tile_queries> hub_aa{};
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

}  // namespace detail

struct recommender::impl {
    using peer_panel = detail::peer_panel;
    using step_block = detail::step_block;
    using member_query = detail::member_query;
    using top_k = detail::top_k;
    using workspace = detail::workspace;

    const community& c;
    recommend_options opt;
    score_weights w;
    int min_sat = 7;
    // Steps are packed on first use, so that a single query packs one stage.
    mutable std::vector<step_block> steps;  // by member stage s
    std::unique_ptr<std::once_flag[]> step_once;
    std::vector<double> inv_log_deg;
    std::size_t hub_degree = 0;                  // contacts with more contacts are hubs (see recommend_options)
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

    impl(const community& com, recommend_options o);

    // --- recommend.cpp: setup, peer blocks, tiles, the hard rules

    const step_block& step(stage_index s) const {
        std::call_once(step_once[s], [&] { build_step(s); });
        return steps[s];
    }
    void build_blocked();
    std::span<const member_index> blocked_of(member_index u) const {
        return {blocked.data() + blocked_offsets[u], blocked.data() + blocked_offsets[u + 1]};
    }
    bool peer_ok(member_index v) const noexcept {
        if (c.opted_out(v)) return false;
        const auto sat = c.satisfaction_raw(v);
        if (sat >= 0 && sat < min_sat) return false;
        return c.capacity(v) > 0;
    }
    void build_step(stage_index s) const;
    bool member_ok(member_index u) const noexcept {
        const stage_index s = c.stage(u);
        return !c.opted_out(u) && s + 1u < c.journey().stage_count() && step(s).active && !step(s).peers.empty();
    }
    recommendation make(member_index u, member_index v, std::uint32_t rank, const score_components& comp,
                        double ranked_by) const;
    // Results for `members`, one vector per member, in the same order.
    std::vector<std::vector<recommendation>> run(std::span<const member_index> members) const;
    // The first hard rule that (u, v) fails, in the order of DESIGN.md
    // section 3 (rule 1 with the stage gap; `any_stage` leaves rule 1 out);
    // check() words it, is_eligible() and the baselines ask it.
    rule failed_rule(member_index u, member_index v, bool any_stage = false) const noexcept;
    eligibility check(member_index u, member_index v) const;

    // --- search.cpp: one tile of members under the reference score, and
    // the steps the model's search shares

    // Neighbours of x inside an index range (lists are sorted).
    static std::span<const member_index> within(std::span<const member_index> nb, index_range r) {
        auto lo = std::lower_bound(nb.begin(), nb.end(), r.first);
        auto hi = std::lower_bound(lo, nb.end(), r.last);
        return {lo, hi};
    }
    static float round_down(double x) noexcept {
        float f = static_cast<float>(x);
        if (double(f) > x) f = std::nextafter(f, -std::numeric_limits<float>::infinity());
        return f;
    }
    // Run a tile of up to 4 members, all at stage s; ws.best[t] receives their top-k.
    void run_tile(stage_index s, const member_index* us, std::size_t nt, workspace& ws) const;
    // Start tile slot t for member u: an empty top k, the excluded peers
    // marked, and the two-hop Adamic-Adar sums of the unmarked peers with
    // mutual contacts in ws.aa (their positions in ws.touched), summed in
    // ascending order of the common neighbour, the canonical order. With
    // skip_hubs, hub contacts are not walked through but listed in
    // ws.hubs[t]; ws.aa then lacks their share (see exact_adamic_adar).
    top_k& start_query(member_index u, const step_block& b, workspace& ws, std::size_t t, bool skip_hubs) const;
    // adamic_adar(c, u, v) in the canonical order, walking the shorter list
    // and searching the longer: O(min deg * log max deg), whatever the hubs.
    double exact_adamic_adar(member_index u, member_index v) const noexcept;
    // The Adamic-Adar sum of u and v over u's hub contacts only, in the
    // canonical order: for peers that share no other contact with u.
    double hub_adamic_adar(member_index v, const workspace& ws, std::size_t t) const noexcept;
    // scan() for a member whose score against an untouched peer is the
    // peer's plain_score: walk plain_order and stop at the first peer that
    // cannot enter the top k. O(k + marked peers), whatever the ties.
    void scan_plain(const step_block& b, workspace& ws, std::size_t t) const;
    // The hard rules about the pair (5: existing contacts, 2: blocked pairs):
    // mark the peers of block b that u may not be given, for tile slot t.
    void mark_excluded(member_index u, const step_block& b, workspace& ws, std::size_t t) const;
    member_query query_of(member_index u) const noexcept {
        return {c.features(u).data(), c.feature_norm(u), c.tags(u), detail::tag_signature(c.tags(u))};
    }
    // The unit feature vector of q as screening query t of the tile.
    void set_query(const member_query& q, workspace& ws, std::size_t t) const;
    // Single-precision screening of block b for the nt queries of the tile,
    // a_sim * cosine + a_hap * happiness per peer, in chunks that keep the
    // panel in cache for all members of the tile; row t of ws.dense holds
    // query t's values. Returns the row stride.
    std::size_t screen_tile(const step_block& b, std::size_t nt, workspace& ws, float a_sim, float a_hap) const;
    // Sweep 1 of a scan: the k-th largest screened value among the peers
    // of tile slot t not yet settled (marked), or none when fewer than k.
    std::optional<double> kth_screened(const float* screened, std::size_t m, workspace& ws, std::size_t t) const;
    // Offer the peers whose screening score, plus the most their tags could
    // add, plus the screening margin, can reach the k-th best; score those
    // exactly. A first sweep over the dense part alone finds a floor under
    // the final k-th best, so that the second sweep looks at few peers.
    void scan(member_index u, const step_block& b, const float* screened, std::size_t m, workspace& ws,
              std::size_t t) const;

    // --- model_search.cpp: the same search under a learned ranking model

    // The screening bounds `mb` of the model.
    void set_model_bounds();
    void run_model_tile(stage_index s, const member_index* us, std::size_t nt, workspace& ws) const;
    // scan() for the model: a peer not yet settled has proximity and
    // co_participation 0, so its linear predictor is bias + a_sim * cosine
    // + m_const + tags_term(J), within model_margin of the screened value
    // plus m_const + tags_term(J).
    void scan_model(member_index u, const step_block& b, const float* screened, std::size_t m, workspace& ws,
                    std::size_t t) const;
    // The tags term of the linear predictor at J (for the bound only).
    double model_tags_term(double j) const noexcept { return mb.tags_at0 + (mb.tags_at1 - mb.tags_at0) * j; }
};

}  // namespace engage_right
