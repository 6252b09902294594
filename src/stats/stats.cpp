#include <engage_right/error.hpp>
#include <engage_right/stats.hpp>

#include "journey/gap.hpp"

#include <fmt/format.h>

#include <cmath>
#include <limits>

namespace engage_right {

namespace {
constexpr double nan_v = std::numeric_limits<double>::quiet_NaN();
}

double nps_summary::nps() const noexcept {
    const std::size_t n = responses();
    if (n == 0) return nan_v;
    return 100.0 * (static_cast<double>(promoters) - static_cast<double>(detractors)) / static_cast<double>(n);
}

void nps_summary::add(int s) noexcept {
    if (s < 0) ++unknown;
    else if (s >= 9) ++promoters;
    else if (s >= 7) ++passives;
    else ++detractors;
}

nps_summary nps(std::span<const std::int8_t> satisfaction) noexcept {
    nps_summary out;
    for (const auto s : satisfaction) out.add(s);
    return out;
}

std::string group_thousands(std::uint64_t value) {
    std::string digits = std::to_string(value), out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
        out += digits[i];
    }
    return out;
}

std::string funnel_report::bottleneck_text(const journey& j) const {
    if (!bottleneck) return {};
    const step_stats& s = steps[*bottleneck];
    return fmt::format("{} → {}: {} seeker{}, {} seat{} ({:.2f} per seeker)", j.stage_name(s.from),
                       j.stage_name(static_cast<stage_index>(s.from + 1)), group_thousands(s.seekers),
                       s.seekers == 1 ? "" : "s", group_thousands(s.seats), s.seats == 1 ? "" : "s",
                       s.seats_per_seeker);
}

funnel_report funnel(const community& c, const funnel_options& options) {
    const journey& j = c.journey();
    const int min_sat = options.min_satisfaction.value_or(j.min_peer_satisfaction());
    if (min_sat < 0 || min_sat > 11) throw config_error(fmt::format("min_satisfaction must be 0..11, got {}", min_sat));
    validate_stage_gap(options.gap, j);
    const std::size_t stages = j.stage_count();
    funnel_report r;
    r.stages.resize(stages);
    const double total = static_cast<double>(c.size());
    std::size_t later = 0;
    for (std::size_t s = stages; s-- > 0;) {
        stage_stats& st = r.stages[s];
        st.stage = static_cast<stage_index>(s);
        const index_range range = c.stage_members(st.stage);
        st.members = range.size();
        later += st.members;
        st.reached = later;
        st.share = c.size() ? static_cast<double>(st.members) / total : nan_v;
        for (member_index i = range.first; i < range.last; ++i) {
            st.nps.add(c.satisfaction_raw(i));
            r.overall.add(c.satisfaction_raw(i));
        }
    }
    for (std::size_t s = 0; s < stages; ++s)
        r.stages[s].conversion =
            s == 0 || r.stages[s - 1].reached == 0
                ? nan_v
                : static_cast<double>(r.stages[s].reached) / static_cast<double>(r.stages[s - 1].reached);

    // Peer eligibility (rules 2-4) does not depend on the seeker.
    std::vector<std::uint8_t> eligible_peer(c.size(), 0);
    for (member_index v = 0; v < c.size(); ++v) {
        const int sat = c.satisfaction_raw(v);
        eligible_peer[v] = !c.opted_out(v) && (sat < 0 || sat >= min_sat) && c.capacity(v) > 0;
    }
    r.steps.resize(stages - 1);
    for (std::size_t s = 0; s + 1 < stages; ++s) {
        step_stats& st = r.steps[s];
        st.from = static_cast<stage_index>(s);
        st.enabled = j.step(st.from).enabled;
        st.medium = j.step(st.from).medium;
        // The seekers' peer stages: s+1, or the window of the stage gap.
        const detail::stage_window win = detail::peer_window(j, s, options.gap);
        const index_range right = win.empty() ? index_range{}
                                              : index_range{c.stage_members(static_cast<stage_index>(win.first)).first,
                                                            c.stage_members(static_cast<stage_index>(win.last)).last};
        for (member_index v = right.first; v < right.last; ++v)
            if (eligible_peer[v]) {
                ++st.peers;
                st.seats += static_cast<std::uint64_t>(c.capacity(v));
            }
        const index_range left = c.stage_members(st.from);
        for (member_index u = left.first; u < left.last; ++u) {
            if (c.opted_out(u)) continue;
            ++st.seekers;
            std::size_t known = 0;  // eligible peers already met
            if (!options.allow_existing)
                for (const member_index w : c.neighbors(u)) known += right.contains(w) && eligible_peer[w];
            if (known >= st.peers) ++st.seekers_without_peer;
        }
        st.seats_per_seeker = st.seekers ? static_cast<double>(st.seats) / static_cast<double>(st.seekers) : nan_v;
    }
    for (std::size_t s = 0; s < r.steps.size(); ++s) {
        const step_stats& st = r.steps[s];
        if (!st.enabled || st.seekers == 0) continue;
        if (!r.bottleneck || st.seats_per_seeker < r.steps[*r.bottleneck].seats_per_seeker)
            r.bottleneck = static_cast<stage_index>(s);
    }
    return r;
}

}  // namespace engage_right
