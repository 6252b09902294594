// evaluate(): options, the replay, every method's rankings, the metrics.
#include "evaluate/evaluate_impl.hpp"
#include "util/names.hpp"

#include <engage_right/detail/csv.hpp>
#include "util/parallel.hpp"

#include <engage_right/error.hpp>
#include <engage_right/io.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

namespace engage_right {
namespace {

constexpr detail::name_table<eval_method, 6> method_names{
    "evaluation method",
    {{{eval_method::engage_right, "engage_right"},
      {eval_method::adamic_adar, "adamic_adar"},
      {eval_method::degree, "degree"},
      {eval_method::random, "random"},
      {eval_method::adamic_adar_unrestricted, "adamic_adar_unrestricted"},
      {eval_method::degree_unrestricted, "degree_unrestricted"}}}};

constexpr double seconds_per_day = 86400.0;

// The comma-separated, trimmed, non-empty items of a list.
std::vector<std::string> list_items(std::string_view list, std::string_view what) {
    std::vector<std::string> out;
    for (std::string_view rest = list;;) {
        const auto cut = rest.find(',');
        std::string item(detail::trim(rest.substr(0, cut)));
        if (item.empty()) throw config_error(fmt::format("empty {} item in '{}'", what, list));
        out.push_back(std::move(item));
        if (cut == std::string_view::npos) break;
        rest.remove_prefix(cut + 1);
    }
    return out;
}

void check_options(const evaluate_options& o) {
    if (!time_problem(o.split_at).empty())
        throw config_error(fmt::format("split_at: expected a time in years 0001-9999, got {}", o.split_at));
    if (!(o.horizon_days > 0)) throw config_error(fmt::format("horizon_days must be > 0, got {}", o.horizon_days));
    if (o.k.empty()) throw config_error("k: give at least one cut-off");
    for (auto k : o.k)
        if (k == 0) throw config_error("k: cut-offs must be >= 1");
    if (o.methods.empty()) throw config_error("methods: give at least one method");
    for (std::size_t i = 0; i < o.methods.size(); ++i)
        for (std::size_t j = 0; j < i; ++j)
            if (o.methods[i] == o.methods[j])
                throw config_error(fmt::format("methods: '{}' is listed twice", to_string(o.methods[i])));
    if (o.mrr_depth == 0) throw config_error("mrr_depth must be >= 1");
}

}  // namespace

std::string_view to_string(eval_method m) noexcept { return method_names.name(m); }

eval_method parse_eval_method(std::string_view name) { return method_names.parse(detail::lower(detail::trim(name))); }

std::vector<eval_method> parse_eval_methods(std::string_view list) {
    std::vector<eval_method> out;
    for (const auto& item : list_items(list, "method")) {
        const eval_method m = parse_eval_method(item);
        if (std::find(out.begin(), out.end(), m) != out.end())
            throw config_error(fmt::format("'{}' is listed twice", to_string(m)));
        out.push_back(m);
    }
    return out;
}

std::vector<std::size_t> parse_cutoffs(std::string_view list) {
    std::vector<std::size_t> out;
    for (const auto& item : list_items(list, "cut-off")) {
        std::size_t k = 0;
        const auto [p, ec] = std::from_chars(item.data(), item.data() + item.size(), k);
        if (ec != std::errc() || p != item.data() + item.size() || k == 0 || k > 1000000)
            throw config_error(fmt::format("expected integers 1..1000000, got '{}'", item));
        out.push_back(k);
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

evaluation_input read_evaluation_input(const std::filesystem::path& members, const std::filesystem::path& interactions,
                                       const std::optional<std::filesystem::path>& stages, const journey& j) {
    evaluation_input in;
    in.members = read_members(members, j);
    interaction_read_options io;
    io.timestamp_required = true;
    io.needed_by = "evaluation replays history: every interaction needs its time";
    in.interactions = read_interactions(interactions, in.members, io);
    if (stages) in.stages = read_stage_table(*stages, in.members, j);
    return in;
}

double split_time(const interaction_table& interactions, double share) {
    if (!(share > 0 && share < 1))
        throw config_error(fmt::format("the share of interactions before the split must be in (0, 1), got {}", share));
    std::vector<double> t;
    t.reserve(interactions.size());
    for (double x : interactions.timestamp)
        if (std::isfinite(x)) t.push_back(x);
    if (t.size() < 2) throw config_error("a split by share needs at least two dated interactions");
    const auto at = static_cast<std::size_t>(std::floor(share * double(t.size())));
    if (at == 0 || at >= t.size())
        throw config_error(fmt::format("a split at {} % of the interactions leaves none on one side", 100 * share));
    std::nth_element(t.begin(), t.begin() + static_cast<std::ptrdiff_t>(at), t.end());
    return t[at];
}

double parse_split_at(std::string_view text, const interaction_table& interactions) {
    const std::string_view t = detail::trim(text);
    if (!t.empty() && t.back() == '%') {
        const std::string_view number = detail::trim(t.substr(0, t.size() - 1));
        double p = 0;
        const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), p);
        if (ec != std::errc() || end != number.data() + number.size() || !(p > 0 && p < 100))
            throw config_error(fmt::format(
                "expected a share of the interactions between 0% and 100% (exclusive), e.g. 80%, got '{}'", text));
        return split_time(interactions, p / 100.0);
    }
    if (const auto v = parse_timestamp(t)) return *v;
    throw config_error(
        fmt::format("expected unix seconds, ISO-8601 (e.g. 2018-08-01T00:00:00Z) or a share of the interactions "
                    "(e.g. 80%), got '{}'",
                    text));
}

evaluation evaluate(const journey& j, const evaluation_input& input, const evaluate_options& o) {
    check_options(o);
    const unsigned threads = detail::thread_count(o.threads);
    std::vector<std::size_t> ks = o.k;
    std::sort(ks.begin(), ks.end());
    ks.erase(std::unique(ks.begin(), ks.end()), ks.end());
    const double end = std::isinf(o.horizon_days) ? o.horizon_days : o.split_at + o.horizon_days * seconds_per_day;

    detail::eval::replay rp = detail::eval::build_replay(j, input, o.split_at, end);
    const community& c = *rp.c;

    evaluation ev;
    ev.split_at = o.split_at;
    ev.horizon_end = end;
    ev.k = ks;
    ev.mrr_depth = o.mrr_depth;
    ev.bootstrap = o.bootstrap;
    for (const char* name : {"hit", "recall", "ndcg"})
        for (auto k : ks) ev.metrics.push_back(fmt::format("{}@{}", name, k));
    ev.metrics.emplace_back("mrr");
    ev.members = input.members.size();
    ev.members_in_replay = c.size();
    ev.members_created_later = rp.created_later;
    ev.members_not_yet_staged = rp.not_yet_staged;
    ev.interactions_before = rp.interactions_before;
    ev.window_pairs_with_new_members = rp.window_pairs_with_new_members;
    ev.target_pairs = rp.pairs.size();
    ev.targets = 2 * rp.pairs.size();
    if (rp.pairs.empty())
        throw config_error(fmt::format(
            "no member has a target: no two members present at {} first interacted in [{}, {}) ({} interaction{} "
            "before the split, {} pair{} in the window involving members who joined later); choose an earlier "
            "split time or a longer horizon",
            format_timestamp(o.split_at), format_timestamp(o.split_at),
            std::isinf(end) ? std::string("the end of the data") : format_timestamp(end), rp.interactions_before,
            rp.interactions_before == 1 ? "" : "s", rp.window_pairs_with_new_members,
            rp.window_pairs_with_new_members == 1 ? "" : "s"));

    // Targets per member, the evaluated members in input order.
    std::vector<std::vector<member_index>> of(c.size());
    for (const auto& [a, b] : rp.pairs) {
        of[a].push_back(b);
        of[b].push_back(a);
    }
    std::vector<member_index> members;
    for (std::uint32_t row = 0; row < c.size(); ++row) {
        const member_index u = c.at_input_position(row);
        if (!of[u].empty()) members.push_back(u);
    }
    detail::eval::target_lists targets;
    targets.offsets.push_back(0);
    for (member_index u : members) {
        auto& t = of[u];
        std::sort(t.begin(), t.end());
        targets.peers.insert(targets.peers.end(), t.begin(), t.end());
        targets.offsets.push_back(targets.peers.size());
    }
    ev.evaluated_members = members.size();

    // The hard rules of every method, the reference score of engage_right.
    recommend_options ro = o.scoring;
    const std::size_t depth = std::max(o.mrr_depth, ks.back());
    ro.k = depth;
    ro.reasons = false;
    ro.threads = threads;
    ro.blocked.clear();
    for (const auto& [a, b] : o.scoring.blocked) {
        if (a >= rp.replay_of_row.size() || b >= rp.replay_of_row.size())
            throw config_error("blocked pair names a member row out of range");
        const member_index x = rp.replay_of_row[a], y = rp.replay_of_row[b];
        if (x != no_member && y != no_member) ro.blocked.emplace_back(x, y);
    }
    if (o.model && !o.scorer) {
        ranking_context ctx;
        ctx.as_of = o.split_at;
        // Items before T only (content_threads counts items at or before its bound).
        const double before = std::nextafter(o.split_at, -std::numeric_limits<double>::infinity());
        if (o.model_content) ctx.threads = std::make_shared<content_threads>(c, *o.model_content, before);
        ro.model = std::make_shared<ranking_scorer>(c, *o.model, std::move(ctx));
    }
    const recommender rec(c, ro);

    // The ceiling: targets the rules allow at all.
    std::size_t reachable = 0;
    double hit_sum = 0, recall_sum = 0;
    std::vector<std::uint8_t> reach(targets.peers.size());
    for (std::size_t i = 0; i < members.size(); ++i) {
        std::size_t mine = 0;
        for (std::uint64_t t = targets.offsets[i]; t < targets.offsets[i + 1]; ++t) {
            reach[t] = rec.is_eligible(members[i], targets.peers[t]) ? 1 : 0;
            mine += reach[t];
        }
        reachable += mine;
        hit_sum += mine > 0 ? 1.0 : 0.0;
        recall_sum += double(mine) / double(targets.of(i).size());
    }
    ev.reachable_targets = reachable;
    ev.ceiling = double(reachable) / double(ev.targets);
    ev.ceiling_hit = hit_sum / double(members.size());
    ev.ceiling_recall = recall_sum / double(members.size());

    // Rankings, then metrics.
    std::vector<detail::eval::rankings> ranked;
    ranked.reserve(o.methods.size());
    for (const eval_method m : o.methods)
        ranked.push_back(detail::eval::rank_members(rec, m, members, depth, o.scorer, o.seed, threads));
    detail::eval::score_rankings(ranked, targets, ks, o.mrr_depth, o.bootstrap, o.seed, threads, ev.methods);

    // Exposure over the peers each method may draw from.
    std::vector<std::uint8_t> one_right(c.size(), 0), any(c.size(), 0);
    {
        std::vector<std::uint8_t> seen(j.stage_count(), 0);
        for (member_index u : members) {
            if (seen[c.stage(u)]) continue;
            seen[c.stage(u)] = 1;
            for (member_index v : rec.peer_pool(c.stage(u))) one_right[v] = 1;
        }
        for (member_index v = 0; v < c.size(); ++v) any[v] = rec.is_peer(v) ? 1 : 0;
    }
    for (std::size_t m = 0; m < o.methods.size(); ++m) {
        ev.methods[m].method = o.methods[m];
        const bool unrestricted =
            o.methods[m] == eval_method::adamic_adar_unrestricted || o.methods[m] == eval_method::degree_unrestricted;
        detail::eval::exposure(ranked[m], ks.back(), unrestricted ? any : one_right, ev.methods[m]);
    }

    if (o.keep_rankings) {
        evaluation_details d;
        d.members = members;
        d.target_offsets = targets.offsets;
        d.targets = targets.peers;
        d.reachable = std::move(reach);
        for (auto& r : ranked) {
            d.ranking_offsets.push_back(std::move(r.offsets));
            d.rankings.push_back(std::move(r.peers));
        }
        ev.details = std::move(d);
    }
    ev.replay = std::move(rp.c);
    return ev;
}

}  // namespace engage_right
