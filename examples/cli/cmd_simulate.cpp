// engage-right simulate: stage counts per round under a contact policy, and
// the viral reproduction number R (docs/simulation.md).

#include "common.hpp"

#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <sstream>

namespace cli {
namespace {

constexpr const char* usage = R"(usage: engage-right simulate --members FILE --rounds N [options]

Can the journey go viral? Simulates members moving along the journey: at
stage s a member advances with hazard base[s] + lift[s] * c (c = contacts
with members at s+1 in the round) and leaves with hazard churn[s]; new
prospects arrive, and last-stage members refer new ones. Prints the members
per stage after every round, the conversions per step, and the viral
reproduction number R (prospects one new prospect brings in by referral;
R > 1: the community grows by itself).

options:
  --snapshot FILE          a snapshot ('engage-right snapshot') in place of
                           --members, --interactions and --journey
  --members FILE           members.csv (stage, satisfaction, capacity, opted_out
                           are used)
  --interactions FILE      interactions.csv (checked, not used by the model)
  --journey PRESET|FILE    engage_right (default), four_phase, loyalty_loop,
                           inbound, success, or a journey JSON file
  --rounds N               rounds to simulate (a round is a week by default)
  --policy NAME            engage_right (default: each round, seats of eligible
                           peers one stage to the right, up to per_member each),
                           random (per_member contacts with random members),
                           none, mass_action (c = contact_rate x share of s+1)
  --engine NAME            monte_carlo (default: every member, seeded) or
                           mean_field (expected counts, deterministic)
  --params FILE            model parameters, JSON: base, lift, churn (a number
                           or one per step/stage), arrivals, referral_rate,
                           contact_rate, per_member, dt, round_days
  --exact-plan             engage_right, Monte Carlo: plan every round with the
                           exact optimal matching of 'match' (scores, hard
                           rules) instead of dealing seats; for communities
                           up to about 20M seeker x peer pairs per step
  --seed S                 Monte Carlo seed (default 0)
  --threads N              worker threads (default: all cores; never changes
                           the result)
  --log-interactions FILE  Monte Carlo: write the contacts as interactions.csv
  --log-stages FILE        Monte Carlo: write the stage entries as stages.csv
                           (both --log-* options go together)
  --origin TIME            start of round 0 in the logs (default
                           2026-01-01T00:00:00Z)
  --format table|csv|json  output format (default table)
  --output FILE            write there instead of standard output

columns: round, members per stage, alive, conversions per step ("a->b"),
         arrivals, referrals, churned, viral_r (R at the state after the round)
)";

// Everything but --params, which needs the journey's stage count.
er::simulation_options options_of(const arguments& a) {
    er::simulation_options o;
    o.rounds = static_cast<int>(*a.get_int("rounds", 0, 1000000));
    o.policy = parsed_option("policy", [&] { return er::parse_sim_policy(a.get("policy").value_or("engage_right")); });
    o.engine = parsed_option("engine", [&] { return er::parse_sim_engine(a.get("engine").value_or("monte_carlo")); });
    o.seed = static_cast<std::uint64_t>(a.get_int("seed", 0, std::numeric_limits<long long>::max()).value_or(0));
    o.threads = static_cast<unsigned>(a.get_int("threads", 0, 1024).value_or(0));
    o.exact_plan = a.has("exact-plan");
    if (auto t = time_option(a, "origin")) o.origin = *t;
    const bool log_inter = a.has("log-interactions"), log_stages = a.has("log-stages");
    if (log_inter != log_stages) throw usage_error("options --log-interactions and --log-stages go together");
    if (log_inter && o.engine != er::sim_engine::monte_carlo)
        throw usage_error("the event log (--log-interactions, --log-stages) needs --engine monte_carlo");
    o.log = log_inter;
    return o;
}

std::string r_text(double r) {
    if (std::isinf(r)) return "infinite";
    return fmt::format("{:.3f}", r);
}

// Counts are whole members in Monte Carlo runs, expected values in mean-field ones.
struct amounts {
    bool whole;
    cell operator()(double v) const { return whole ? cell::num(std::llround(v)) : cell::dec(v); }
};

void write_json(std::ostream& buf, const er::simulation_result& r, const er::simulation_options& o,
                const er::journey& j, const std::vector<std::string>& steps, amounts amount) {
    const std::size_t S = j.stage_count();
    result_table counts, conversions, flows;
    counts.columns = {"round"};
    for (std::size_t s = 0; s < S; ++s) counts.columns.push_back(j.stage_name(static_cast<er::stage_index>(s)));
    conversions.columns = {"round"};
    for (const auto& name : steps) conversions.columns.push_back(name);
    flows.columns = {"round", "arrivals", "referrals", "churned"};
    for (std::size_t k = 0; k <= r.rounds; ++k) {
        std::vector<cell> row = {cell::count(k)};
        for (std::size_t s = 0; s < S; ++s) row.push_back(amount(r.count(k, s)));
        counts.rows.push_back(std::move(row));
        if (k == 0) continue;
        std::vector<cell> conv = {cell::count(k)};
        for (std::size_t s = 0; s + 1 < S; ++s) conv.push_back(amount(r.conversion(k, s)));
        conversions.rows.push_back(std::move(conv));
        flows.rows.push_back({cell::count(k), amount(r.arrivals[k]), amount(r.referrals[k]), amount(r.churned[k])});
    }
    const format f = format::json;
    buf << "{\"policy\": " << json_string(er::to_string(r.policy))
        << ", \"engine\": " << json_string(er::to_string(r.engine)) << ", \"rounds\": " << r.rounds
        << ", \"seed\": " << o.seed << ", \"counts\": ";
    write(buf, counts, f);
    buf << ", \"conversions\": ";
    write(buf, conversions, f);
    buf << ", \"flows\": ";
    write(buf, flows, f);
    buf << ", \"viral_r\": " << json_number(r.viral_r) << ", \"viral_r_final\": " << json_number(r.viral_r_final)
        << ", \"viral_r_by_round\": [";
    for (std::size_t k = 0; k <= r.rounds; ++k) buf << (k ? ", " : "") << json_number(r.viral_r_by_round[k]);
    buf << "]}\n";
}

// One row per round: members per stage, alive, conversions, flows, R.
result_table round_table(const er::simulation_result& r, const er::journey& j, const std::vector<std::string>& steps,
                         amounts amount) {
    const std::size_t S = j.stage_count();
    result_table t;
    t.columns = {"round"};
    for (std::size_t s = 0; s < S; ++s) t.columns.push_back(j.stage_name(static_cast<er::stage_index>(s)));
    t.columns.push_back("alive");
    for (const auto& name : steps) t.columns.push_back(name);
    for (const char* name : {"arrivals", "referrals", "churned", "viral_r"}) t.columns.push_back(name);
    for (std::size_t k = 0; k <= r.rounds; ++k) {
        std::vector<cell> row = {cell::count(k)};
        double alive = 0;
        for (std::size_t s = 0; s < S; ++s) {
            row.push_back(amount(r.count(k, s)));
            alive += r.count(k, s);
        }
        row.push_back(amount(alive));
        for (std::size_t s = 0; s + 1 < S; ++s) row.push_back(k == 0 ? cell::none() : amount(r.conversion(k, s)));
        for (double v : {r.arrivals[k], r.referrals[k], r.churned[k]}) row.push_back(k == 0 ? cell::none() : amount(v));
        row.push_back(cell::dec(r.viral_r_by_round[k]));
        t.rows.push_back(std::move(row));
    }
    return t;
}

void run(const arguments& a) {
    const format f = format_of(a);
    er::simulation_options o = options_of(a);
    const er::community c = load_community(a);
    const er::journey& j = c.journey();
    const std::size_t S = j.stage_count();
    if (auto p = a.get("params")) o.params = er::simulation_params::load(*p, S);
    const er::simulation_result r = er::simulate(c, o);
    if (o.log) er::write_event_log(a.require("log-interactions"), a.require("log-stages"), c, r);

    const amounts amount{o.engine == er::sim_engine::monte_carlo};
    std::vector<std::string> steps;
    for (std::size_t s = 0; s + 1 < S; ++s)
        steps.push_back(j.stage_name(static_cast<er::stage_index>(s)) + "->" +
                        j.stage_name(static_cast<er::stage_index>(s + 1)));

    std::ostringstream buf;
    if (f == format::json) {
        write_json(buf, r, o, j, steps, amount);
    } else {
        if (f == format::table)
            buf << fmt::format("Simulation ({}): policy {}, {}, {} round{} of {} days\n", j.name(),
                               er::to_string(r.policy), er::to_string(r.engine), r.rounds, plural(r.rounds),
                               r.params.round_days);
        write(buf, round_table(r, j, steps, amount), f);
        if (f == format::table)
            buf << fmt::format(
                "\nViral reproduction number R: {} at the start, {} at the end "
                "(R > 1: the community grows by itself)\n",
                r_text(r.viral_r), r_text(r.viral_r_final));
    }
    emit_text(a, buf.str());
}

}  // namespace

const command simulate_command{"simulate", "can the journey go viral? stage counts per round, viral number R", usage,
                               "members! snapshot interactions journey rounds! policy engine params seed threads "
                               "log-interactions log-stages origin format "
                               "output +exact-plan",
                               run};

}  // namespace cli
