// The features of a pair for the learned ranking, and the model applied to a
// community (scores and reasons).
#include <engage_right/error.hpp>
#include <engage_right/ranking.hpp>
#include <engage_right/scoring.hpp>

#include "scoring/kernel.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>

namespace engage_right {

namespace {

constexpr double seconds_per_day = 86400.0;

}  // namespace

// ------------------------------------------------------------ threads ---

content_threads::content_threads(const community& c, const content_table& content, double until) {
    const std::size_t n = c.size(), items = content.size();
    if (content.author.size() != items || content.thread.size() != items || content.created.size() != items)
        throw config_error("content: author, thread and created columns differ in length");
    // (member, thread) pairs of the counted items, deduplicated.
    std::vector<std::pair<member_index, std::uint32_t>> pairs;
    pairs.reserve(items);
    for (std::size_t i = 0; i < items; ++i) {
        if (!(content.created[i] <= until) || content.author[i].empty()) continue;
        const auto who = c.find(content.author[i]);
        if (!who) continue;
        if (content.thread[i] >= items) throw config_error(fmt::format("content row {}: thread out of range", i));
        pairs.emplace_back(*who, content.thread[i]);
        latest_ = std::max(latest_, content.created[i]);
    }
    std::sort(pairs.begin(), pairs.end());
    pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());
    member_offsets_.assign(n + 1, 0);
    for (const auto& [m, t] : pairs) ++member_offsets_[m + 1];
    for (std::size_t i = 0; i < n; ++i) member_offsets_[i + 1] += member_offsets_[i];
    threads_.reserve(pairs.size());
    for (const auto& [m, t] : pairs) threads_.push_back(t);  // sorted by (member, thread)
    // Thread -> members: slots are the sorted distinct root rows.
    thread_rows_ = threads_;
    std::sort(thread_rows_.begin(), thread_rows_.end());
    thread_rows_.erase(std::unique(thread_rows_.begin(), thread_rows_.end()), thread_rows_.end());
    thread_offsets_.assign(thread_rows_.size() + 1, 0);
    auto slot = [&](std::uint32_t root) {
        return static_cast<std::size_t>(std::lower_bound(thread_rows_.begin(), thread_rows_.end(), root) -
                                        thread_rows_.begin());
    };
    for (const auto& [m, t] : pairs) ++thread_offsets_[slot(t) + 1];
    for (std::size_t s = 0; s < thread_rows_.size(); ++s) thread_offsets_[s + 1] += thread_offsets_[s];
    thread_members_.resize(pairs.size());
    std::vector<std::uint64_t> fill(thread_offsets_.begin(), thread_offsets_.end() - 1);
    for (const auto& [m, t] : pairs) thread_members_[fill[slot(t)]++] = m;  // members ascending per thread
    // Members' lists hold thread slots from here on (same order as root rows).
    for (auto& t : threads_) t = static_cast<std::uint32_t>(slot(t));
}

std::span<const member_index> content_threads::members_of(std::uint32_t thread) const {
    return {thread_members_.data() + thread_offsets_[thread], thread_members_.data() + thread_offsets_[thread + 1]};
}

std::size_t content_threads::shared(member_index u, member_index v) const noexcept {
    if (u >= size() || v >= size()) return 0;
    return detail::common_count(of(u), of(v));
}

// ------------------------------------------------------------ activity ---

void member_activity(const community& c, double as_of, double half_life_days, std::vector<double>& decayed,
                     std::vector<double>& idle_days) {
    if (!std::isfinite(as_of)) throw config_error("ranking: as_of must be a finite time");
    if (!(std::isfinite(half_life_days) && half_life_days > 0))
        throw config_error(fmt::format("ranking: half_life_days must be a finite number > 0, got {}", half_life_days));
    const std::size_t n = c.size();
    decayed.assign(n, 0.0);
    idle_days.assign(n, ranking_idle_cap_days);
    const double half_life = half_life_days * seconds_per_day;
    for (member_index i = 0; i < n; ++i) {
        const auto times = c.action_times(i);  // ascending
        const auto end = std::upper_bound(times.begin(), times.end(), as_of);
        double sum = 0;
        for (auto it = times.begin(); it != end; ++it) sum += std::exp2(-(as_of - *it) / half_life);
        decayed[i] = sum;
        if (end != times.begin())
            idle_days[i] = std::min(ranking_idle_cap_days, (as_of - *(end - 1)) / seconds_per_day);
    }
}

// ------------------------------------------------------------ scorer ---

ranking_scorer::ranking_scorer(const community& c, ranking_model model, ranking_context context)
    : c_(&c), model_(std::move(model)), threads_(std::move(context.threads)) {
    model_.validate();
    if (model_.uses(ranking_feature::co_participation) && !threads_)
        throw config_error(
            "the ranking model uses co_participation: give the content (content.csv) it was trained with");
    if (threads_ && threads_->size() != c.size())
        throw config_error("ranking: the content threads were built for another community");
    as_of_ = context.as_of;
    if (std::isnan(as_of_)) {
        double latest = -std::numeric_limits<double>::infinity();
        for (member_index i = 0; i < c.size(); ++i)
            if (!c.action_times(i).empty()) latest = std::max(latest, c.action_times(i).back());
        if (threads_) latest = std::max(latest, threads_->latest());
        if (!std::isfinite(latest))
            throw config_error(
                "the ranking model needs dated contacts (interactions with a timestamp) or an explicit as_of time");
        as_of_ = latest;
    }
    member_activity(c, as_of_, model_.half_life_days, activity_, idle_);
    log_degree_.resize(c.size());
    for (member_index i = 0; i < c.size(); ++i) {
        log_degree_[i] = std::log1p(static_cast<double>(c.degree(i)));
        activity_[i] = std::log1p(activity_[i]);
        idle_[i] = std::log1p(idle_[i]);
    }
}

double ranking_scorer::peer_feature(member_index v, ranking_feature f) const noexcept {
    switch (f) {
        case ranking_feature::peer_log_degree: return log_degree_[v];
        case ranking_feature::peer_activity: return activity_[v];
        case ranking_feature::peer_idle_days: return idle_[v];
        default: return 0;
    }
}

ranking_features ranking_scorer::features(member_index u, member_index v) const {
    const community& c = *c_;
    if (u >= c.size() || v >= c.size()) throw not_found_error("member index out of range");
    const score_components comp = components(c, u, v);
    ranking_features x{};
    x[0] = comp.similarity;
    x[1] = comp.tags;
    x[2] = comp.proximity;
    x[3] = comp.happiness;
    x[4] = log_degree_[v];
    x[5] = activity_[v];
    x[6] = idle_[v];
    x[7] = threads_ ? std::log1p(static_cast<double>(threads_->shared(u, v))) : 0.0;
    return x;
}

std::string ranking_scorer::reason(member_index u, member_index v, const ranking_features& x) const {
    const community& c = *c_;
    const ranking_features contrib = model_.contributions(x);
    std::array<std::size_t, ranking_feature_count> order{};
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return contrib[a] > contrib[b]; });
    std::string out;
    auto add = [&](const std::string& part) {
        if (!out.empty()) out += "; ";
        out += part;
    };
    // Whether the pair's value is above the training mean (a contribution
    // can be positive through a low value and a negative coefficient).
    ranking_features above{};
    for (std::size_t j = 0; j < model_.features.size(); ++j) {
        const auto k = static_cast<std::size_t>(model_.features[j]);
        above[k] = x[k] > model_.mean[j] ? 1.0 : 0.0;
    }
    std::size_t shown = 0;
    for (std::size_t k : order) {
        if (shown == 3 || !(contrib[k] > 0)) break;
        std::string part;
        switch (static_cast<ranking_feature>(k)) {
            case ranking_feature::similarity:
                part = fmt::format("{} profile ({:.2f})", above[k] > 0 ? "similar" : "different", x[k]);
                break;
            case ranking_feature::tags: {
                const auto shared = shared_tags(c, u, v);
                if (shared.empty()) break;
                part = "shares ";
                for (std::size_t i = 0; i < std::min<std::size_t>(3, shared.size()); ++i)
                    part += (i ? ", " : "") + c.tag_name(shared[i]);
                if (shared.size() > 3) part += fmt::format(" and {} more", shared.size() - 3);
                break;
            }
            case ranking_feature::proximity: {
                const std::size_t m = common_neighbors(c, u, v);
                if (m) part = fmt::format("{} mutual contact{}", m, m == 1 ? "" : "s");
                break;
            }
            case ranking_feature::happiness: {
                const auto sat = c.satisfaction(v);
                if (sat)
                    part = fmt::format("{} ({}/10)",
                                       *sat >= 9   ? "promoter"
                                       : *sat >= 7 ? "passive"
                                                   : "detractor",
                                       *sat);
                break;
            }
            case ranking_feature::peer_log_degree:
                part = fmt::format("{} ({} contact{})", above[k] > 0 ? "well connected" : "not in demand yet",
                                   c.degree(v), c.degree(v) == 1 ? "" : "s");
                break;
            case ranking_feature::peer_activity:
                part = fmt::format("{} ({:.1f} decayed contacts)", above[k] > 0 ? "recently active" : "quiet lately",
                                   std::expm1(x[k]));
                break;
            case ranking_feature::peer_idle_days: {
                const double days = std::expm1(x[k]);
                const long long whole = std::llround(days);
                part = days >= ranking_idle_cap_days ? std::string("no dated contact in a year")
                       : whole == 0                  ? std::string("last contact today")
                                    : fmt::format("last contact {} day{} ago", whole, whole == 1 ? "" : "s");
                break;
            }
            case ranking_feature::co_participation: {
                const auto n = static_cast<std::size_t>(std::llround(std::expm1(x[k])));
                part = fmt::format("{} shared thread{}", n, n == 1 ? "" : "s");
                break;
            }
        }
        if (part.empty()) continue;
        add(part);
        ++shown;
    }
    if (out.empty()) add(fmt::format("next-stage peer ({})", c.journey().stage_name(c.stage(v))));
    return out;
}

}  // namespace engage_right
