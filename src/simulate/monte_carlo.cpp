#include "simulate/engine.hpp"

#include <engage_right/matching.hpp>
#include <engage_right/scoring.hpp>

#include <numeric>

namespace engage_right::detail::sim {
namespace {

class monte_carlo {
public:
    monte_carlo(const community& c, const simulation_options& o, simulation_result& r, std::span<const double> kappa)
        : c_(c), o_(o), r_(r), p_(r.params), S_(r.stages), kappa_(kappa) {
        threads_ = thread_count(o.threads);
        const std::size_t n = c.size();
        if (n > o.max_members)
            throw config_error(
                fmt::format("simulation: the community has {} members, more than max_members ({})", n, o.max_members));
        stage_.resize(n);
        flags_.resize(n);
        capacity_.resize(n);
        for (member_index i = 0; i < n; ++i) {
            stage_[i] = static_cast<std::uint8_t>(c.stage(i));
            flags_[i] =
                static_cast<std::uint8_t>((c.opted_out(i) ? 0 : flag_seeker) | (may_be_peer(c, i) ? flag_peer : 0));
            capacity_[i] = c.capacity(i);
        }
        if (uses_contacts()) contacts_.assign(n, 0);
        count_.assign(S_, 0);
        for (std::size_t s = 0; s < S_; ++s)
            count_[s] = static_cast<std::int64_t>(c.stage_members(static_cast<stage_index>(s)).size());
        const int d = c.journey().default_capacity();
        arrival_flags_ = static_cast<std::uint8_t>(flag_seeker | (d > 0 ? flag_peer : 0));
        if (o.log) {
            auto& L = r.log;
            L.kept = true;
            L.initial_members = n;
            for (member_index i = 0; i < n; ++i) {
                L.entry_member.push_back(i);
                L.entry_stage.push_back(c.stage(i));
                L.entry_time.push_back(0.0);
            }
        }
    }

    void run() {
        recorder rec{r_, c_.journey(), kappa_};
        rec.state(0, as_double());
        const int m = p_.substeps();
        for (std::size_t round = 0; round < r_.rounds; ++round) {
            if (o_.policy == sim_policy::random) plan_random(round);
            else if (o_.policy == sim_policy::engage_right) plan_engage_right(round);
            for (int sub = 0; sub < m; ++sub) substep(round, sub);
            rec.state(round + 1, as_double());
        }
    }

private:
    bool uses_contacts() const noexcept {
        return o_.policy == sim_policy::random || o_.policy == sim_policy::engage_right;
    }

    std::vector<double> as_double() const {
        std::vector<double> out(S_);
        for (std::size_t s = 0; s < S_; ++s) out[s] = static_cast<double>(count_[s]);
        return out;
    }

    // random: per_member draws from all alive members; draws at s+1 count.
    void plan_random(std::size_t round) {
        std::fill(contacts_.begin(), contacts_.end(), std::uint16_t{0});
        alive_.clear();
        for (std::uint32_t i = 0; i < stage_.size(); ++i)
            if (stage_[i] != gone) alive_.push_back(i);
        if (alive_.empty() || p_.per_member == 0) return;
        const std::uint64_t key = stream_key(o_.seed, round, 0, purpose::contact);
        const auto pm = static_cast<std::uint64_t>(p_.per_member);
        const double na = static_cast<double>(alive_.size());
        const auto last = static_cast<std::uint8_t>(S_ - 1);
        std::vector<std::vector<std::pair<std::uint32_t, std::uint32_t>>> logs(threads_);
        parallel_chunks(stage_.size(), threads_, [&](std::size_t b, std::size_t e, std::size_t chunk) {
            auto& lg = logs[chunk];
            for (std::size_t i = b; i < e; ++i) {
                const std::uint8_t s = stage_[i];
                if (s == gone || s >= last) continue;
                std::uint16_t k = 0;
                for (std::uint64_t t = 0; t < pm; ++t) {
                    const double u = uniform(key, i * pm + t);
                    const std::uint32_t v = alive_[std::min(static_cast<std::size_t>(u * na), alive_.size() - 1)];
                    if (stage_[v] == s + 1) {
                        ++k;
                        if (o_.log) lg.emplace_back(static_cast<std::uint32_t>(i), v);
                    }
                }
                contacts_[i] = k;
            }
        });
        if (o_.log)
            for (const auto& lg : logs) append_contacts(lg, round);
    }

    // engage_right: per step, the seats of eligible peers at s+1 are dealt
    // round-robin over the seekers at s in a seeded random order.
    void plan_engage_right(std::size_t round) {
        std::fill(contacts_.begin(), contacts_.end(), std::uint16_t{0});
        if (p_.per_member == 0) return;
        std::vector<std::vector<std::uint32_t>> seekers(S_), peers(S_);
        for (std::uint32_t i = 0; i < stage_.size(); ++i) {
            const std::uint8_t s = stage_[i];
            if (s == gone) continue;
            if (s + 1u < S_ && (flags_[i] & flag_seeker)) seekers[s].push_back(i);
            if (s > 0 && (flags_[i] & flag_peer) && capacity_[i] > 0) peers[s].push_back(i);
        }
        std::vector<std::pair<std::uint32_t, std::uint32_t>> lg;
        for (std::size_t s = 0; s + 1 < S_; ++s) {
            if (!c_.journey().step(static_cast<stage_index>(s)).enabled) continue;
            auto& sk = seekers[s];
            auto& pr = peers[s + 1];
            if (sk.empty() || pr.empty()) continue;
            shuffle(sk, stream_key(o_.seed, round, s, purpose::seekers));
            // The order of the peers only decides who serves whom (the log).
            if (o_.log) shuffle(pr, stream_key(o_.seed, round, s, purpose::peers));
            if (o_.exact_plan) {
                plan_exact(sk, pr, lg);
                continue;
            }
            std::uint64_t seats = 0;
            for (std::uint32_t v : pr) seats += static_cast<std::uint64_t>(capacity_[v]);
            const std::uint64_t n = sk.size();
            const std::uint64_t dealt = std::min<std::uint64_t>(seats, n * static_cast<std::uint64_t>(p_.per_member));
            const std::uint64_t each = dealt / n, extra = dealt % n;
            for (std::uint64_t q = 0; q < n; ++q) contacts_[sk[q]] = static_cast<std::uint16_t>(each + (q < extra));
            if (o_.log) {
                std::uint64_t k = 0;
                for (std::uint32_t v : pr) {
                    for (int seat = 0; seat < capacity_[v] && k < dealt; ++seat, ++k) lg.emplace_back(sk[k % n], v);
                    if (k >= dealt) break;
                }
            }
        }
        if (o_.log) append_contacts(lg, round);
    }

    // engage_right with exact_plan: the optimal plan of match() on the
    // current seekers and peers of one step. Seekers are taken in index
    // order so that the plan does not depend on the shuffle.
    void plan_exact(std::vector<std::uint32_t> sk, const std::vector<std::uint32_t>& pr,
                    std::vector<std::pair<std::uint32_t, std::uint32_t>>& lg) {
        std::sort(sk.begin(), sk.end());
        std::vector<std::uint32_t> peers(pr.begin(), pr.end());
        std::sort(peers.begin(), peers.end());
        if (static_cast<double>(sk.size()) * static_cast<double>(peers.size()) > static_cast<double>(o_.max_plan_pairs))
            throw config_error(
                fmt::format("simulation: exact_plan would score {} x {} pairs in one step, more than "
                            "max_plan_pairs ({}); use the default seat dealing for communities this large",
                            sk.size(), peers.size(), o_.max_plan_pairs));
        const std::size_t n0 = c_.size();  // indices below are the community's own members
        const score_weights& w = c_.journey().weights();
        const auto p_row_demand = static_cast<std::uint32_t>(p_.per_member);
        std::vector<std::uint32_t> capacity;
        capacity.reserve(peers.size());
        for (const std::uint32_t v : peers) capacity.push_back(static_cast<std::uint32_t>(std::max(0, capacity_[v])));
        // The step is one dense problem (seekers x peers, NaN = not a
        // pair); rows are scored in parallel blocks, each block its own rows.
        const std::size_t cols = peers.size();
        std::vector<double> values(sk.size() * cols, std::numeric_limits<double>::quiet_NaN());
        const std::size_t parts =
            sk.size() * cols >= 65536 ? std::max<std::size_t>(1, std::min<std::size_t>(threads_, sk.size())) : 1;
        auto score_rows = [&](std::size_t part) {
            for (std::size_t i = sk.size() * part / parts; i < sk.size() * (part + 1) / parts; ++i) {
                const std::uint32_t u = sk[i];
                double* row = values.data() + i * cols;
                for (std::size_t k = 0; k < cols; ++k) {
                    const std::uint32_t v = peers[k];
                    if (u < n0 && v < n0) {
                        if (!c_.has_interaction(u, v)) row[k] = score(c_, u, v, w);  // else hard rule 5
                    } else {
                        row[k] = w.happiness * (v < n0 ? happiness(c_, v) : 0.5);
                    }
                }
            }
        };
        {
            std::vector<std::jthread> pool;
            for (std::size_t part = 1; part < parts; ++part) pool.emplace_back(score_rows, part);
            score_rows(0);
        }
        for (const auto& [row, col] : solve_optimal_dense(values, sk.size(), capacity, p_row_demand, 0.0)) {
            const std::uint32_t u = sk[row], v = peers[col];
            ++contacts_[u];
            if (o_.log) lg.emplace_back(u, v);
        }
    }

    void append_contacts(const std::vector<std::pair<std::uint32_t, std::uint32_t>>& lg, std::size_t round) {
        auto& L = r_.log;
        for (const auto& [u, v] : lg) {
            L.contact_source.push_back(u);
            L.contact_target.push_back(v);
            L.contact_round.push_back(static_cast<std::uint32_t>(round));
        }
    }

    void substep(std::size_t round, int sub) {
        const std::size_t S = S_;
        const double dt = p_.dt;
        std::int64_t alive = 0;
        for (auto v : count_) alive += v;
        const std::int64_t n_last = count_[S - 1];

        // Per (stage, contacts) thresholds: u < adv[k] advances, u < ev[k] leaves.
        const std::size_t cmax = uses_contacts() ? static_cast<std::size_t>(p_.per_member) : 0;
        const std::size_t width = cmax + 1;
        std::vector<double> adv(S * width, 0.0), ev(S * width, 0.0);
        for (std::size_t s = 0; s < S; ++s) {
            for (std::size_t k = 0; k <= cmax; ++k) {
                double cval = static_cast<double>(k);
                if (o_.policy == sim_policy::mass_action)
                    cval = alive > 0 && s + 1 < S
                               ? p_.contact_rate * static_cast<double>(count_[s + 1]) / static_cast<double>(alive)
                               : 0.0;
                else if (o_.policy == sim_policy::none) cval = 0;
                const double h = s + 1 < S ? p_.base[s] + p_.lift[s] * cval : 0.0;
                const double mu = p_.churn[s];
                const double total = h + mu;
                const double event = total > 0 ? -std::expm1(-dt * total) : 0.0;
                adv[s * width + k] = total > 0 ? event * (h / total) : 0.0;
                ev[s * width + k] = event;
            }
        }

        const std::uint64_t key = stream_key(o_.seed, round, static_cast<std::uint64_t>(sub), purpose::move);
        struct tally {
            std::vector<std::int64_t> advanced, left;
            std::vector<std::uint32_t> entries;
        };
        std::vector<tally> tallies(threads_);
        const bool with_contacts = uses_contacts();
        parallel_chunks(stage_.size(), threads_, [&](std::size_t b, std::size_t e, std::size_t chunk) {
            tally& t = tallies[chunk];
            t.advanced.assign(S, 0);
            t.left.assign(S, 0);
            for (std::size_t i = b; i < e; ++i) {
                const std::uint8_t s = stage_[i];
                if (s == gone) continue;
                const std::size_t k = with_contacts ? std::min<std::size_t>(contacts_[i], cmax) : 0;
                const std::size_t at = s * width + k;
                const double u = uniform(key, i);
                if (u < adv[at]) {
                    stage_[i] = static_cast<std::uint8_t>(s + 1);
                    if (with_contacts) contacts_[i] = 0;
                    ++t.advanced[s];
                    if (o_.log) t.entries.push_back(static_cast<std::uint32_t>(i));
                } else if (u < ev[at]) {
                    stage_[i] = gone;
                    ++t.left[s];
                }
            }
        });
        std::vector<std::int64_t> advanced(S, 0), left(S, 0);
        const double when = static_cast<double>(round) + (sub + 0.5) * dt;
        for (const tally& t : tallies) {
            if (t.advanced.empty()) continue;
            for (std::size_t s = 0; s < S; ++s) {
                advanced[s] += t.advanced[s];
                left[s] += t.left[s];
            }
            for (std::uint32_t i : t.entries) {
                r_.log.entry_member.push_back(i);
                r_.log.entry_stage.push_back(stage_[i]);
                r_.log.entry_time.push_back(when);
            }
        }
        std::int64_t churned = 0;
        for (std::size_t s = 0; s < S; ++s) {
            count_[s] -= advanced[s] + left[s];
            if (s + 1 < S) {
                count_[s + 1] += advanced[s];
                r_.conversions[(round + 1) * (S - 1) + s] += static_cast<double>(advanced[s]);
            }
            churned += left[s];
        }
        r_.churned[round + 1] += static_cast<double>(churned);

        // New prospects, appended in order: arrivals, then referrals.
        stream ga{stream_key(o_.seed, round, static_cast<std::uint64_t>(sub), purpose::arrivals)};
        stream gr{stream_key(o_.seed, round, static_cast<std::uint64_t>(sub), purpose::referrals)};
        const double mean_a = p_.arrivals * dt, mean_b = p_.referral_rate * dt * static_cast<double>(n_last);
        // A mean beyond max_members would overflow the draw; it is the same
        // error as a population that grew too large.
        const bool too_many = !(mean_a + mean_b <= static_cast<double>(o_.max_members));
        const std::uint64_t a = too_many ? 0 : poisson(mean_a, ga);
        const std::uint64_t b = too_many ? 0 : poisson(mean_b, gr);
        const std::uint64_t fresh = a + b;
        if (too_many || stage_.size() + fresh > o_.max_members ||
            stage_.size() + fresh > std::numeric_limits<std::uint32_t>::max())
            throw config_error(fmt::format(
                "simulation: the population grew beyond max_members ({}) in round {}; lower the rates, simulate "
                "fewer rounds or use the mean_field engine",
                o_.max_members, round + 1));
        for (std::uint64_t k = 0; k < fresh; ++k) {
            const auto i = static_cast<std::uint32_t>(stage_.size());
            stage_.push_back(0);
            flags_.push_back(arrival_flags_);
            capacity_.push_back(c_.journey().default_capacity());
            if (with_contacts) contacts_.push_back(0);
            if (o_.log) {
                r_.log.entry_member.push_back(i);
                r_.log.entry_stage.push_back(0);
                r_.log.entry_time.push_back(when);
            }
        }
        count_[0] += static_cast<std::int64_t>(fresh);
        r_.arrivals[round + 1] += static_cast<double>(a);
        r_.referrals[round + 1] += static_cast<double>(b);
    }

    const community& c_;
    const simulation_options& o_;
    simulation_result& r_;
    const simulation_params& p_;
    std::size_t S_;
    std::span<const double> kappa_;
    unsigned threads_ = 1;
    std::vector<std::uint8_t> stage_;
    std::vector<std::uint8_t> flags_;
    std::vector<std::int32_t> capacity_;
    std::vector<std::uint16_t> contacts_;
    std::vector<std::uint32_t> alive_;
    std::vector<std::int64_t> count_;
    std::uint8_t arrival_flags_ = 0;
};

}  // namespace

void run_monte_carlo(const community& c, const simulation_options& o, simulation_result& r,
                     std::span<const double> kappa) {
    monte_carlo mc(c, o, r, kappa);
    mc.run();
}

}  // namespace engage_right::detail::sim
