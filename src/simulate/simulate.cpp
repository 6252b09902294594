#include "simulate/engine.hpp"

#include <engage_right/error.hpp>
#include <engage_right/io.hpp>
#include <engage_right/simulate.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <ostream>
#include <tuple>

namespace engage_right {

using detail::sim::is_rate;

// ------------------------------------------------------------------ R ---

double viral_reproduction_number(const simulation_params& params, std::span<const double> contacts) {
    const std::size_t stages = contacts.size() + 1;
    const simulation_params p = params.resolve(stages);
    for (std::size_t s = 0; s < contacts.size(); ++s)
        if (!is_rate(contacts[s]))
            throw config_error(
                fmt::format("viral_reproduction_number: contacts[{}]: expected a finite number >= 0, "
                            "got {}",
                            s, contacts[s]));
    double reach = 1;
    for (std::size_t s = 0; s + 1 < stages; ++s) {
        const double h = p.base[s] + p.lift[s] * contacts[s];
        const double mu = p.churn[s];
        reach *= h > 0 ? h / (h + mu) : 0.0;  // mu = 0 < h gives 1
    }
    if (reach == 0 || p.referral_rate == 0) return 0;
    const double mu_last = p.churn[stages - 1];
    if (mu_last == 0) return std::numeric_limits<double>::infinity();
    // Expected number of sub-steps started at the last stage: 1 / (1 - e^{-mu dt}).
    const double rounds_at_last = p.dt / -std::expm1(-mu_last * p.dt);
    return reach * p.referral_rate * rounds_at_last;
}

std::vector<double> expected_contacts(sim_policy policy, const simulation_params& params, std::span<const double> kappa,
                                      std::span<const double> counts, const journey& j) {
    const std::size_t stages = counts.size();
    std::vector<double> c(stages > 0 ? stages - 1 : 0, 0.0);
    double total = 0;
    for (double n : counts) total += n;
    for (std::size_t s = 0; s + 1 < stages; ++s) {
        const double next = counts[s + 1];
        switch (policy) {
            case sim_policy::none: break;
            case sim_policy::mass_action: c[s] = total > 0 ? params.contact_rate * next / total : 0; break;
            case sim_policy::random: c[s] = total > 0 ? params.per_member * next / total : 0; break;
            case sim_policy::engage_right: {
                if (!j.step(static_cast<stage_index>(s)).enabled) break;
                const double seats = (s + 1 < kappa.size() ? kappa[s + 1] : 0.0) * next;
                const double pm = params.per_member;
                c[s] = counts[s] > 0 ? std::min(pm, seats / counts[s]) : (seats > 0 ? pm : 0.0);
                break;
            }
        }
    }
    return c;
}

std::vector<double> seats_per_member(const community& c) {
    const std::size_t stages = c.journey().stage_count();
    std::vector<double> kappa(stages, 0.0);
    for (std::size_t s = 0; s < stages; ++s) {
        const index_range r = c.stage_members(static_cast<stage_index>(s));
        if (r.size() == 0) {
            kappa[s] = c.journey().default_capacity();
            continue;
        }
        // may_be_peer() in arithmetic form: with branches, mispredictions on
        // near-random attributes cost several times the memory traffic.
        const int min_sat = c.journey().min_peer_satisfaction();
        std::int64_t seats = 0;
        for (member_index i = r.first; i < r.last; ++i) {
            const int cap = c.capacity(i);
            const int sat = c.satisfaction_raw(i);
            const int ok = (1 - static_cast<int>(c.opted_out(i))) * static_cast<int>(cap > 0) *
                           (static_cast<int>(sat < 0) | static_cast<int>(sat >= min_sat));
            seats += ok * cap;
        }
        kappa[s] = static_cast<double>(seats) / static_cast<double>(r.size());
    }
    return kappa;
}

simulation_result simulate(const community& c, const simulation_options& options) {
    detail::sim::check_options(options);
    const std::size_t S = c.journey().stage_count();
    simulation_result r;
    r.policy = options.policy;
    r.engine = options.engine;
    r.params = options.params.resolve(S);
    r.origin = options.origin;
    if (!std::isfinite(options.origin)) throw config_error("simulation: origin must be a finite unix time");
    const auto rounds = static_cast<std::size_t>(options.rounds);
    if (static_cast<double>(rounds) * r.params.substeps() > 1e8)
        throw config_error(fmt::format("simulation: {} rounds of {} sub-steps are too many (at most 1e8 sub-steps)",
                                       rounds, r.params.substeps()));
    detail::sim::prepare(r, S, rounds);
    // Eligible seats per member: one pass over the community, engage_right only.
    const std::vector<double> kappa =
        options.policy == sim_policy::engage_right ? seats_per_member(c) : std::vector<double>(S, 0.0);
    if (options.engine == sim_engine::mean_field) {
        detail::sim::run_mean_field(c, options, r, kappa);
    } else {
        detail::sim::run_monte_carlo(c, options, r, kappa);
    }
    r.viral_r = r.viral_r_by_round.front();
    r.viral_r_final = r.viral_r_by_round.back();
    return r;
}

// ------------------------------------------------------------- the log ---

std::string simulated_member_id(const community& c, const simulation_result& r, std::uint32_t member) {
    if (member < r.log.initial_members) return c.id(member);
    return fmt::format("sim-{}", member - r.log.initial_members + 1);
}

namespace {

std::string stamp(const simulation_result& r, double round_time) {
    return format_timestamp(std::round(r.unix_time(round_time)));
}

}  // namespace

namespace {

// Write a header and one row per k in [0, n): two quoted fields, a middle
// part and a time, as the readers of interactions.csv and stages.csv expect.
template <class Row>
void write_log(std::ostream& out, const char* header, std::size_t n, Row row_of) {
    out << header;
    std::string row;
    for (std::size_t k = 0; k < n; ++k) {
        const auto [a, b, mid, time] = row_of(k);
        row.clear();
        row += csv_quote(a);
        row += ',';
        row += csv_quote(b);
        row += mid;
        row += time;
        row += '\n';
        out << row;
    }
}

}  // namespace

void write_interactions_log(std::ostream& out, const community& c, const simulation_result& r) {
    const auto& L = r.log;
    write_log(out, "source,target,weight,timestamp\n", L.contact_source.size(), [&](std::size_t k) {
        return std::tuple{simulated_member_id(c, r, L.contact_source[k]),
                          simulated_member_id(c, r, L.contact_target[k]), ",1,",
                          stamp(r, static_cast<double>(L.contact_round[k]))};
    });
}

void write_stages_log(std::ostream& out, const community& c, const simulation_result& r) {
    const auto& L = r.log;
    const journey& j = c.journey();
    write_log(out, "member,stage,timestamp\n", L.entry_member.size(), [&](std::size_t k) {
        return std::tuple{simulated_member_id(c, r, L.entry_member[k]), std::string(j.stage_name(L.entry_stage[k])),
                          ",", stamp(r, L.entry_time[k])};
    });
}

void write_event_log(const std::filesystem::path& interactions, const std::filesystem::path& stages, const community& c,
                     const simulation_result& r) {
    if (!r.log.kept)
        throw config_error("simulation: no event log was kept (run the monte_carlo engine with the log option)");
    auto write = [&](const std::filesystem::path& path, auto&& body) {
        std::ofstream out(path, std::ios::binary);
        if (!out) throw error(fmt::format("cannot write '{}'", path.string()));
        body(out);
        out.flush();
        if (!out) throw error(fmt::format("writing '{}' failed", path.string()));
    };
    write(interactions, [&](std::ostream& out) { write_interactions_log(out, c, r); });
    write(stages, [&](std::ostream& out) { write_stages_log(out, c, r); });
}

}  // namespace engage_right
