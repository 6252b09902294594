// The community as it was at the split time T, and the contacts it went on
// to make: members who existed at T at their stage of T, the interactions
// before T, and the pairs whose first interaction falls in [T, end).
#include "evaluate/evaluate_impl.hpp"

#include <engage_right/error.hpp>
#include <engage_right/io.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace engage_right::detail::eval {
namespace {

// Copy the rows of `keep` (input order) into a new member table.
member_table subset(const member_table& m, const std::vector<std::uint8_t>& keep,
                    const std::vector<stage_index>& stage_at) {
    const std::size_t n = m.size();
    member_table out;
    const bool sat = m.satisfaction.size() == n, cap = m.capacity.size() == n, opt = m.opted_out.size() == n,
               act = m.activity.size() == n, tags = m.tag_offsets.size() == n + 1;
    const std::size_t d = m.features.dims;
    std::vector<float> feats;
    if (tags) {
        out.tag_names = m.tag_names;
        out.tag_offsets.push_back(0);
    }
    std::size_t rows = 0;
    for (std::size_t r = 0; r < n; ++r) {
        if (!keep[r]) continue;
        ++rows;
        out.id.push_back(m.id[r]);
        out.stage.push_back(stage_at[r]);
        if (sat) out.satisfaction.push_back(m.satisfaction[r]);
        if (cap) out.capacity.push_back(m.capacity[r]);
        if (opt) out.opted_out.push_back(m.opted_out[r]);
        if (act) out.activity.push_back(m.activity[r]);
        if (tags) {
            out.tag_ids.insert(out.tag_ids.end(), m.tag_ids.begin() + m.tag_offsets[r],
                               m.tag_ids.begin() + m.tag_offsets[r + 1]);
            out.tag_offsets.push_back(static_cast<std::uint32_t>(out.tag_ids.size()));
        }
        if (d > 0) feats.insert(feats.end(), m.features.data + r * d, m.features.data + (r + 1) * d);
    }
    out.features = feature_block::own(std::move(feats), d > 0 ? rows : 0, d);
    return out;
}

}  // namespace

replay build_replay(const journey& j, const evaluation_input& in, double split_at, double end) {
    const member_table& m = in.members;
    const interaction_table& it = in.interactions;
    const std::size_t n = m.size();
    const std::size_t e = it.size();
    if (it.source.size() != e || it.target.size() != e)
        throw config_error("interactions: source and target columns differ in length");
    if (e > 0 && it.timestamp.size() != e)
        throw config_error("interactions: evaluation replays history: every interaction needs a timestamp");
    for (std::size_t k = 0; k < e; ++k) {
        if (it.source[k] >= n || it.target[k] >= n)
            throw config_error(fmt::format("interactions row {}: member row out of range", k));
        if (!std::isfinite(it.timestamp[k]))
            throw config_error(fmt::format(
                "interactions row {}: timestamp: expected a time (evaluation replays history), got an empty value", k));
    }
    if (!m.created.empty() && m.created.size() != n)
        throw config_error("members: the created column has a different length");
    if (m.stage.size() != n) throw config_error("members: the stage column has a different length");

    replay out;
    std::vector<std::uint8_t> keep(n, 1);
    std::vector<stage_index> stage_at(m.stage.begin(), m.stage.end());
    if (!m.created.empty())
        for (std::size_t r = 0; r < n; ++r)
            if (!std::isnan(m.created[r]) && m.created[r] >= split_at) {
                keep[r] = 0;
                ++out.created_later;
            }
    if (in.stages) {
        const stage_table& st = *in.stages;
        if (st.stage.size() != st.size() || st.timestamp.size() != st.size())
            throw config_error("stages: member, stage and timestamp columns differ in length");
        // The latest entry at or before T (a later row wins a tie in time);
        // -inf: entries, none by T; NaN: no entry.
        constexpr double none = std::numeric_limits<double>::quiet_NaN();
        constexpr double later_only = -std::numeric_limits<double>::infinity();
        std::vector<double> when(n, none);
        for (std::size_t k = 0; k < st.size(); ++k) {
            const std::uint32_t r = st.member[k];
            if (r >= n) throw config_error(fmt::format("stages row {}: member row out of range", k));
            if (st.stage[k] >= j.stage_count())
                throw config_error(fmt::format("stages row {}: stage index out of range", k));
            if (!std::isfinite(st.timestamp[k]))
                throw config_error(fmt::format("stages row {}: timestamp: expected a finite time", k));
            if (std::isnan(when[r])) when[r] = later_only;
            if (st.timestamp[k] <= split_at && st.timestamp[k] >= when[r]) {
                when[r] = st.timestamp[k];
                stage_at[r] = st.stage[k];
            }
        }
        for (std::size_t r = 0; r < n; ++r)
            if (keep[r] && when[r] == later_only) {
                keep[r] = 0;
                ++out.not_yet_staged;
            }
    }

    // New rows of the kept members (input order is kept).
    std::vector<std::uint32_t> new_row(n, std::numeric_limits<std::uint32_t>::max());
    std::uint32_t rows = 0;
    for (std::size_t r = 0; r < n; ++r)
        if (keep[r]) new_row[r] = rows++;

    interaction_table before;
    const bool weighted = it.weight.size() == e;
    std::vector<std::pair<std::uint32_t, std::uint32_t>> window;      // new rows
    std::vector<std::pair<std::uint32_t, std::uint32_t>> window_new;  // input rows, a member left out
    for (std::size_t k = 0; k < e; ++k) {
        const double t = it.timestamp[k];
        const std::uint32_t a = it.source[k], b = it.target[k];
        const bool both = keep[a] && keep[b];
        if (t < split_at) {
            if (!both) continue;
            before.source.push_back(new_row[a]);
            before.target.push_back(new_row[b]);
            if (weighted) before.weight.push_back(it.weight[k]);
            before.timestamp.push_back(t);
        } else if (t < end && a != b) {
            if (both) window.emplace_back(std::min(new_row[a], new_row[b]), std::max(new_row[a], new_row[b]));
            else window_new.emplace_back(std::min(a, b), std::max(a, b));
        }
    }
    out.interactions_before = before.size();
    std::sort(window_new.begin(), window_new.end());
    out.window_pairs_with_new_members =
        static_cast<std::size_t>(std::unique(window_new.begin(), window_new.end()) - window_new.begin());

    auto c = std::make_shared<community>(j, subset(m, keep, stage_at), before);
    out.replay_of_row.assign(n, no_member);
    for (std::size_t r = 0; r < n; ++r)
        if (keep[r]) out.replay_of_row[r] = c->at_input_position(new_row[r]);
    // Target pairs: distinct, and not in contact before T.
    for (auto& [a, b] : window) {
        member_index x = c->at_input_position(a), y = c->at_input_position(b);
        a = std::min(x, y);
        b = std::max(x, y);
    }
    std::sort(window.begin(), window.end());
    window.erase(std::unique(window.begin(), window.end()), window.end());
    for (const auto& [a, b] : window)
        if (!c->has_interaction(a, b)) out.pairs.emplace_back(a, b);
    out.c = std::move(c);
    return out;
}

}  // namespace engage_right::detail::eval
