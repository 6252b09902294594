#include "simulate/engine.hpp"

#include <engage_right/error.hpp>

#include <fmt/format.h>

namespace engage_right::detail::sim {

// Expected counts. Under engage_right and random the contacts are planned at
// the start of a round, so members who reach a stage during the round have
// no contacts until the next one: every stage is split into `planned` (x)
// and `unplanned` (y) members, which makes this the exact expectation of the
// Monte Carlo model given the contacts (with dt = 1, y is always empty).
void run_mean_field(const community& c, const simulation_options& o, simulation_result& r,
                    std::span<const double> kappa) {
    const std::size_t S = r.stages;
    const simulation_params& p = r.params;
    const int m = p.substeps();
    const double dt = p.dt;
    const journey& j = c.journey();
    recorder rec{r, j, kappa};
    std::vector<double> x(S, 0.0), y(S, 0.0), n(S, 0.0), cx(S - 1, 0.0);
    const auto init = c.stage_counts();
    for (std::size_t s = 0; s < S; ++s) x[s] = static_cast<double>(init[s]);
    rec.state(0, x);
    const bool per_round = o.policy == sim_policy::engage_right || o.policy == sim_policy::random;
    std::vector<double> adv_x(S, 0.0), adv_y(S, 0.0);
    for (std::size_t round = 0; round < r.rounds; ++round) {
        for (std::size_t s = 0; s < S; ++s) {
            x[s] += y[s];
            y[s] = 0;
        }
        if (per_round) cx = expected_contacts(o.policy, p, kappa, x, j);
        double conv_churn = 0, arr = 0, refs = 0;
        for (int sub = 0; sub < m; ++sub) {
            for (std::size_t s = 0; s < S; ++s) n[s] = x[s] + y[s];
            if (!per_round) cx = expected_contacts(o.policy, p, kappa, n, j);
            const double n_last = n[S - 1];
            for (std::size_t s = 0; s < S; ++s) {
                const double mu = p.churn[s];
                auto flows = [&](double count, double h, double& advanced, double& left) {
                    const double total = h + mu;
                    if (!(total > 0) || count == 0) {
                        advanced = left = 0;
                        return;
                    }
                    const double event = -std::expm1(-dt * total);
                    advanced = count * event * (h / total);
                    left = count * event * (mu / total);
                };
                const double hx = s + 1 < S ? p.base[s] + p.lift[s] * cx[s] : 0.0;
                const double hy = s + 1 < S ? (per_round ? p.base[s] : hx) : 0.0;
                double ax = 0, lx = 0, ay = 0, ly = 0;
                flows(x[s], hx, ax, lx);
                flows(y[s], hy, ay, ly);
                x[s] -= ax + lx;
                y[s] -= ay + ly;
                adv_x[s] = ax;
                adv_y[s] = ay;
                conv_churn += lx + ly;
            }
            for (std::size_t s = 0; s + 1 < S; ++s) {
                y[s + 1] += adv_x[s] + adv_y[s];
                r.conversions[(round + 1) * (S - 1) + s] += adv_x[s] + adv_y[s];
            }
            const double a = p.arrivals * dt, b = p.referral_rate * dt * n_last;
            y[0] += a + b;
            arr += a;
            refs += b;
        }
        r.arrivals[round + 1] = arr;
        r.referrals[round + 1] = refs;
        r.churned[round + 1] = conv_churn;
        double total = 0;
        for (std::size_t s = 0; s < S; ++s) total += n[s] = x[s] + y[s];
        if (!(total <= static_cast<double>(o.max_members)))
            throw config_error(
                fmt::format("simulation: the expected community grew beyond max_members ({}) in round "
                            "{}; lower the rates or simulate fewer rounds",
                            o.max_members, round + 1));
        rec.state(round + 1, n);
    }
}

}  // namespace engage_right::detail::sim
