// Learning the ranking from dated history: the community as of T0, the
// training pairs (labels in [T0, T)), the regularised logistic regression.
#include <engage_right/error.hpp>
#include <engage_right/ranking.hpp>
#include <engage_right/recommend.hpp>
#include <engage_right/uplift.hpp>

#include "util/parallel.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <span>

namespace engage_right {

namespace {

constexpr double seconds_per_day = 86400.0;

// A member table restricted to some rows (in their order).
member_table subset(const member_table& m, const std::vector<std::uint32_t>& rows) {
    member_table out;
    const std::size_t d = m.features.dims;
    std::vector<float> feats;
    feats.reserve(rows.size() * d);
    const bool tags = !m.tag_offsets.empty();
    if (tags) out.tag_offsets.push_back(0);
    out.tag_names = m.tag_names;
    for (const auto& col : m.extra) out.extra.push_back({col.name, {}});
    for (auto r : rows) {
        out.id.push_back(m.id[r]);
        out.stage.push_back(m.stage[r]);
        if (!m.satisfaction.empty()) out.satisfaction.push_back(m.satisfaction[r]);
        if (!m.capacity.empty()) out.capacity.push_back(m.capacity[r]);
        if (!m.opted_out.empty()) out.opted_out.push_back(m.opted_out[r]);
        if (!m.activity.empty()) out.activity.push_back(m.activity[r]);
        if (!m.created.empty()) out.created.push_back(m.created[r]);
        if (!m.stage_known.empty()) out.stage_known.push_back(m.stage_known[r]);
        if (tags) {
            out.tag_ids.insert(out.tag_ids.end(), m.tag_ids.begin() + m.tag_offsets[r],
                               m.tag_ids.begin() + m.tag_offsets[r + 1]);
            out.tag_offsets.push_back(static_cast<std::uint32_t>(out.tag_ids.size()));
        }
        for (std::size_t k = 0; k < m.extra.size(); ++k) out.extra[k].values.push_back(m.extra[k].values[r]);
        for (std::size_t k = 0; k < d; ++k) feats.push_back(m.features.data[std::size_t{r} * d + k]);
    }
    out.features = feature_block::own(std::move(feats), rows.size(), d);
    return out;
}

void check_dated(const ranking_history& h) {
    const interaction_table& t = h.interactions;
    if (t.timestamp.size() != t.size())
        throw config_error("the interactions have no timestamp column: learning a ranking needs dated contacts");
    for (std::size_t k = 0; k < t.size(); ++k)
        if (!std::isfinite(t.timestamp[k]))
            throw config_error(
                fmt::format("interactions row {}: a timestamp is required on every row to learn a ranking", k));
    if (t.target.size() != t.size()) throw config_error("interactions: source and target differ in length");
    for (std::size_t k = 0; k < t.size(); ++k)
        if (t.source[k] >= h.members.size() || t.target[k] >= h.members.size())
            throw config_error(fmt::format("interactions row {}: member row out of range", k));
}

void validate(const fit_options& o) {
    if (!std::isfinite(o.split_at)) throw config_error("split_at: expected a finite time (unix seconds)");
    if (!(std::isfinite(o.horizon_days) && o.horizon_days > 0))
        throw config_error(fmt::format("horizon_days: expected a number > 0, got {}", o.horizon_days));
    if (!(std::isfinite(o.half_life_days) && o.half_life_days > 0))
        throw config_error(fmt::format("half_life_days: expected a number > 0, got {}", o.half_life_days));
    if (!(std::isfinite(o.l2) && o.l2 >= 0))
        throw config_error(fmt::format("l2: expected a number >= 0, got {}", o.l2));
    if (o.max_iterations < 1) throw config_error("max_iterations: expected at least 1");
    if (!(o.tolerance > 0)) throw config_error("tolerance: expected a number > 0");
    if (o.min_satisfaction && (*o.min_satisfaction < 0 || *o.min_satisfaction > 11))
        throw config_error(fmt::format("min_satisfaction must be 0..11, got {}", *o.min_satisfaction));
}

// splitmix64: the per-member random stream of negative sampling.
struct splitmix {
    std::uint64_t state;
    std::uint64_t next() noexcept {
        std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }
    // Uniform in [0, n).
    std::uint64_t below(std::uint64_t n) noexcept {
        __extension__ using wide = unsigned __int128;
        return static_cast<std::uint64_t>((static_cast<wide>(next()) * n) >> 64);
    }
};

// A model with every feature, coefficient 0: a scorer that only computes features.
ranking_model feature_model(const std::vector<ranking_feature>& features, double half_life_days) {
    ranking_model m;
    m.features = features;
    m.coefficients.assign(features.size(), 0.0);
    m.mean.assign(features.size(), 0.0);
    m.scale.assign(features.size(), 1.0);
    m.half_life_days = half_life_days;
    return m;
}

}  // namespace

community community_before(const ranking_history& h, double t) {
    check_dated(h);
    const member_table& m = h.members;
    std::vector<std::uint32_t> rows;
    std::vector<std::uint32_t> new_row(m.size(), std::numeric_limits<std::uint32_t>::max());
    for (std::uint32_t r = 0; r < m.size(); ++r) {
        if (!m.created.empty() && m.created[r] >= t) continue;  // joined at or after t (NaN: unknown, kept)
        new_row[r] = static_cast<std::uint32_t>(rows.size());
        rows.push_back(r);
    }
    interaction_table before;
    const interaction_table& it = h.interactions;
    for (std::size_t k = 0; k < it.size(); ++k) {
        if (!(it.timestamp[k] < t)) continue;
        const auto a = new_row[it.source[k]], b = new_row[it.target[k]];
        if (a == std::numeric_limits<std::uint32_t>::max() || b == std::numeric_limits<std::uint32_t>::max()) continue;
        before.source.push_back(a);
        before.target.push_back(b);
        before.weight.push_back(it.weight.empty() ? 1.0 : it.weight[k]);
        before.timestamp.push_back(it.timestamp[k]);
    }
    return community(h.j, subset(m, rows), std::move(before));
}

ranking_design build_ranking_design(const ranking_history& h, const fit_options& o) {
    validate(o);
    check_dated(h);
    const double T = o.split_at;
    const double T0 = T - o.horizon_days * seconds_per_day;
    const community c = community_before(h, T0);
    recommend_options ro;
    ro.min_satisfaction = o.min_satisfaction;
    ro.reasons = false;
    const recommender rules(c, ro);

    // Positives: eligible pairs at T0 whose first contact is in [T0, T).
    // (Eligible at T0 means no contact before T0, so any contact in the
    // window is the first.)
    std::vector<std::pair<member_index, member_index>> pos;
    const interaction_table& it = h.interactions;
    for (std::size_t k = 0; k < it.size(); ++k) {
        const double t = it.timestamp[k];
        if (!(t >= T0 && t < T)) continue;
        const auto a = c.find(h.members.id[it.source[k]]);
        const auto b = c.find(h.members.id[it.target[k]]);
        if (!a || !b || *a == *b) continue;
        member_index u = *a, v = *b;
        if (c.stage(v) != c.stage(u) + 1u) std::swap(u, v);
        if (c.stage(v) != c.stage(u) + 1u) continue;
        if (rules.is_eligible(u, v)) pos.emplace_back(u, v);
    }
    std::sort(pos.begin(), pos.end());
    pos.erase(std::unique(pos.begin(), pos.end()), pos.end());
    if (pos.empty())
        throw config_error(fmt::format(
            "no eligible pair had its first contact in the label window [{}, {}): nothing to learn from (try an "
            "earlier split or a longer horizon)",
            format_timestamp(T0), format_timestamp(T)));

    // Active members and their positive peers.
    std::vector<member_index> active;
    std::vector<std::size_t> first;  // into pos
    for (std::size_t i = 0; i < pos.size(); ++i)
        if (i == 0 || pos[i].first != pos[i - 1].first) {
            active.push_back(pos[i].first);
            first.push_back(i);
        }
    first.push_back(pos.size());

    ranking_design d;
    d.features = {ranking_feature::similarity,      ranking_feature::tags,
                  ranking_feature::proximity,       ranking_feature::happiness,
                  ranking_feature::peer_log_degree, ranking_feature::peer_activity,
                  ranking_feature::peer_idle_days};
    ranking_context ctx;
    ctx.as_of = T0;
    if (h.content) {
        d.features.push_back(ranking_feature::co_participation);
        ctx.threads = std::make_shared<content_threads>(c, *h.content, std::nextafter(T0, -1e300));
    }
    const ranking_scorer fx(c, feature_model(d.features, o.half_life_days), ctx);
    const std::size_t p = d.features.size();

    // Per active member: its positives and sampled negatives, peers ascending.
    struct rows_of {
        std::vector<member_index> peer;
        std::vector<std::uint8_t> label;
        std::vector<double> values;
    };
    std::vector<rows_of> out(active.size());
    auto work = [&](std::size_t a0, std::size_t a1) {
        std::vector<member_index> chosen;
        for (std::size_t a = a0; a < a1; ++a) {
            const member_index u = active[a];
            const auto positives = std::span(pos).subspan(first[a], first[a + 1] - first[a]);
            auto is_positive = [&](member_index v) {
                return std::binary_search(positives.begin(), positives.end(), std::pair{u, v});
            };
            const index_range right = c.stage_members(static_cast<stage_index>(c.stage(u) + 1));
            chosen.clear();
            auto enumerate = [&] {
                for (member_index v = right.first; v < right.last; ++v)
                    if (!is_positive(v) && rules.is_eligible(u, v)) chosen.push_back(v);
            };
            splitmix rng{o.seed ^ (0x9e3779b97f4a7c15ULL * (std::uint64_t{u} + 1))};
            if (o.negatives == 0) {
                enumerate();
            } else {
                // Rejection sampling; a block with few eligible peers is enumerated instead.
                const std::size_t want = o.negatives;
                std::size_t attempts = 0;
                const std::size_t budget = 20 * want + 100;
                while (chosen.size() < want && attempts < budget && right.size() > 0) {
                    ++attempts;
                    const auto v = static_cast<member_index>(right.first + rng.below(right.size()));
                    if (is_positive(v) || !rules.is_eligible(u, v)) continue;
                    if (std::find(chosen.begin(), chosen.end(), v) != chosen.end()) continue;
                    chosen.push_back(v);
                }
                if (chosen.size() < want) {
                    chosen.clear();
                    enumerate();
                    // Partial Fisher-Yates: `want` of them, uniformly.
                    for (std::size_t i = 0; i < std::min(want, chosen.size()); ++i)
                        std::swap(chosen[i], chosen[i + rng.below(chosen.size() - i)]);
                    if (chosen.size() > want) chosen.resize(want);
                }
            }
            rows_of& r = out[a];
            std::vector<std::pair<member_index, std::uint8_t>> peers;
            for (const auto& pr : positives) peers.emplace_back(pr.second, 1);
            for (auto v : chosen) peers.emplace_back(v, 0);
            std::sort(peers.begin(), peers.end());
            for (const auto& [v, y] : peers) {
                r.peer.push_back(v);
                r.label.push_back(y);
                const ranking_features x = fx.features(u, v);
                for (auto f : d.features) r.values.push_back(x[static_cast<std::size_t>(f)]);
            }
        }
    };
    detail::parallel_dynamic(active.size(), detail::thread_count(o.threads), 64, work);

    std::size_t total = 0;
    for (const auto& r : out) total += r.label.size();
    d.member.reserve(total);
    d.peer.reserve(total);
    d.label.reserve(total);
    d.values.reserve(total * p);
    for (std::size_t a = 0; a < active.size(); ++a) {
        const auto& r = out[a];
        for (std::size_t i = 0; i < r.peer.size(); ++i) {
            d.member.push_back(c.id(active[a]));
            d.peer.push_back(c.id(r.peer[i]));
        }
        d.label.insert(d.label.end(), r.label.begin(), r.label.end());
        d.values.insert(d.values.end(), r.values.begin(), r.values.end());
    }
    return d;
}

ranking_fit fit_ranking(const ranking_history& h, const fit_options& o) {
    ranking_fit f;
    f.design = build_ranking_design(h, o);
    const ranking_design& d = f.design;
    const std::size_t n = d.rows(), p = d.features.size();
    ranking_model& m = f.model;
    m.features = d.features;
    m.half_life_days = o.half_life_days;
    m.mean.assign(p, 0.0);
    m.scale.assign(p, 1.0);
    m.coefficients.assign(p, 0.0);
    // Standardise (population standard deviation); constant columns are left out.
    std::vector<std::size_t> used;
    for (std::size_t j = 0; j < p; ++j) {
        double lo = std::numeric_limits<double>::infinity(), hi = -lo, sum = 0;
        for (std::size_t i = 0; i < n; ++i) {
            const double x = d.values[i * p + j];
            lo = std::min(lo, x);
            hi = std::max(hi, x);
            sum += x;
        }
        const double mean = sum / static_cast<double>(n);
        double ss = 0;
        for (std::size_t i = 0; i < n; ++i) ss += (d.values[i * p + j] - mean) * (d.values[i * p + j] - mean);
        m.mean[j] = mean;
        if (hi > lo) {
            m.scale[j] = std::sqrt(ss / static_cast<double>(n));
            used.push_back(j);
        } else {
            m.mean[j] = lo;  // exactly the constant: its term is 0 for the value it had
        }
    }
    const auto q = static_cast<Eigen::Index>(used.size());
    Eigen::MatrixXd X(static_cast<Eigen::Index>(n), q + 1);
    Eigen::VectorXd y(static_cast<Eigen::Index>(n));
    for (std::size_t i = 0; i < n; ++i) {
        const auto r = static_cast<Eigen::Index>(i);
        X(r, 0) = 1.0;
        for (Eigen::Index k = 0; k < q; ++k) {
            const std::size_t j = used[static_cast<std::size_t>(k)];
            X(r, k + 1) = (d.values[i * p + j] - m.mean[j]) / m.scale[j];
        }
        y[r] = d.label[i];
    }
    std::size_t positives = 0;
    for (auto l : d.label) positives += l;
    if (positives == n)
        throw config_error("every training pair is a positive: no negatives could be drawn (no other eligible peers)");
    logistic_options lo;
    lo.max_iterations = o.max_iterations;
    lo.tolerance = o.tolerance;
    lo.l2.assign(static_cast<std::size_t>(q) + 1, o.l2);
    lo.l2[0] = 0;  // the intercept is not penalised
    const logistic_fit fit = logistic_regression(X, y, lo);
    m.intercept = fit.params[0];
    for (Eigen::Index k = 0; k < q; ++k) m.coefficients[used[static_cast<std::size_t>(k)]] = fit.params[k + 1];

    auto& t = m.training;
    t.split_at = o.split_at;
    t.horizon_days = o.horizon_days;
    t.window_start = o.split_at - o.horizon_days * seconds_per_day;
    t.l2 = o.l2;
    t.negatives = o.negatives;
    t.seed = o.seed;
    std::size_t alive = 0;
    for (std::size_t r = 0; r < h.members.size(); ++r)
        alive += h.members.created.empty() || !(h.members.created[r] >= t.window_start);
    t.members = alive;
    t.samples = n;
    t.positives = positives;
    std::size_t act = 0;
    for (std::size_t i = 0; i < n; ++i) act += i == 0 || d.member[i] != d.member[i - 1];
    t.active_members = act;
    t.iterations = fit.iterations;
    t.converged = fit.converged;
    t.log_likelihood = fit.log_likelihood;
    if (fit.separation)
        throw config_error(
            "the training pairs are separated by the features (coefficients grow without bound): use l2 > 0");
    m.validate();
    return f;
}

}  // namespace engage_right
