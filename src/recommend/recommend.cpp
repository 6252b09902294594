// The recommender: the steps' eligible peer blocks (packed on first use),
// the hard rules of DESIGN.md section 3, the work split into tiles of members
// at one stage, the results, and the public API. The tile search itself is in
// search.cpp (reference score) and model_search.cpp (learned ranking model).

#include "journey/gap.hpp"
#include "recommend/reason.hpp"
#include "recommend/recommender.hpp"
#include "scoring/kernel.hpp"
#include "util/parallel.hpp"

#include <engage_right/error.hpp>
#include <engage_right/ranking.hpp>
#include <engage_right/recommend.hpp>
#include <engage_right/scoring.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <mutex>
#include <numeric>
#include <thread>

namespace engage_right {

using detail::tile_queries;

recommender::impl::impl(const community& com, recommend_options o) : c(com), opt(std::move(o)) {
    const journey& j = c.journey();
    if (opt.k == 0) throw config_error("k must be at least 1");
    w = opt.weights.value_or(j.weights());
    validate_weights(w);
    min_sat = opt.min_satisfaction.value_or(j.min_peer_satisfaction());
    params_margin = detail::screening_margin(c.dimensions(), w);
    if (min_sat < 0 || min_sat > 11) throw config_error(fmt::format("min_satisfaction must be 0..11, got {}", min_sat));
    validate_stage_gap(opt.gap, j);
    const std::size_t n = c.size();
    for (const auto& [a, b] : opt.blocked)
        if (a >= n || b >= n) throw config_error("blocked pair names a member index out of range");
    build_blocked();
    if (opt.model && &opt.model->source() != &c)
        throw config_error("the ranking model was applied to another community (build its scorer on this one)");
    if (opt.model) set_model_bounds();
    hub_degree = opt.hub_degree;
    if (hub_degree == 0)
        hub_degree = std::max<std::size_t>(1024, static_cast<std::size_t>(4 * std::sqrt(2.0 * double(c.edge_count()))));
    inv_log_deg.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
        const std::size_t deg = c.degree(static_cast<member_index>(i));
        inv_log_deg[i] = deg >= 2 ? detail::inverse_log_degree(deg) : 0.0;
    }
    const std::size_t S = j.stage_count();
    steps.resize(S);
    step_once = std::make_unique<std::once_flag[]>(S);
}

void recommender::impl::build_blocked() {
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

void recommender::impl::build_step(stage_index s) const {
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
        std::sort(b.peers.begin(), b.peers.end(), [&](member_index x, member_index y) { return c.id(x) < c.id(y); });
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
            for (auto f2 :
                 {ranking_feature::peer_log_degree, ranking_feature::peer_activity, ranking_feature::peer_idle_days})
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
    if (!opt.model) {
        for (double h : b.happiness) b.plain_score.push_back(detail::canonical_combine({0.0, 0.0, 0.0, h}, w));
        b.plain_order.resize(p.count);
        std::iota(b.plain_order.begin(), b.plain_order.end(), 0u);
        std::stable_sort(b.plain_order.begin(), b.plain_order.end(),
                         [&](std::uint32_t x, std::uint32_t y) { return b.plain_score[x] > b.plain_score[y]; });
    }
    const auto headroom = static_cast<float>(w.tags);
    b.tag_headroom = double(headroom) < w.tags ? std::nextafter(headroom, 2 * headroom + 1) : headroom;
    b.tag_sig.assign(p.count, 0);
    for (std::size_t i = 0; i < p.count; ++i) b.tag_sig[i] = detail::tag_signature(c.tags(b.peers[i]));
}

recommendation recommender::impl::make(member_index u, member_index v, std::uint32_t rank, const score_components& comp,
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

std::vector<std::vector<recommendation>> recommender::impl::run(std::span<const member_index> members) const {
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

rule recommender::impl::failed_rule(member_index u, member_index v, bool any_stage) const noexcept {
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

eligibility recommender::impl::check(member_index u, member_index v) const {
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
