// engage-right learn: uplift of a contact one stage to the right, learned
// from a community's history (docs/uplift.md).

#include "common.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <limits>
#include <sstream>

namespace cli {
namespace {

constexpr const char* usage = R"(usage: engage-right learn --interactions FILE --stages FILE [options]

Does a contact one stage to the right move members forward? For every step
s -> s+1, members at s are followed in windows of --window-days on a fixed
grid; a window is treated when the member talked to someone then at s+1
before advancing, and the outcome is advancing within the window. A logistic
regression per step gives the odds ratio, and the implied lift (extra
cumulative hazard of advancing per contact) that `engage-right simulate`
takes. Observational data: read docs/uplift.md before acting on the numbers.

options:
  --interactions FILE      interactions.csv (source, target[, weight], timestamp);
                           every row needs a timestamp
  --stages FILE            stages.csv (member, stage, timestamp): entries into
                           stages, e.g. from infer-stages --history-out
  --journey PRESET|FILE    engage_right (default), four_phase, loyalty_loop,
                           inbound, success, or a journey JSON file
  --members FILE           members.csv, for the activity covariate
  --window-days D          window length in days (default 30)
  --origin TIME            start of the window grid, unix seconds or ISO-8601
                           (default: the earliest stages.csv timestamp)
  --covariates LIST        extra regressors: contacts, activity (comma-separated)
  --round-days D           the simulator's round length, to report base per round
  --params-out FILE        write {"base": [...], "lift": [...]} for simulate --params
  --format table|csv|json  output format (default table)
  --output FILE            write there instead of standard output

columns: from,to,windows,members,treated,advanced,treated_advanced,base_rate,
         treated_rate,mean_contacts,odds_ratio,odds_ratio_low,odds_ratio_high,
         p_value,base,base_round,lift,lift_low,lift_high,converged,status
)";

// A real option > 0 (and finite).
std::optional<double> positive_option(const arguments& a, const std::string& name) {
    return a.get_real(name, std::numeric_limits<double>::denorm_min(), std::numeric_limits<double>::max(),
                      "a number > 0");
}

void write_params(const std::string& path, const er::uplift_result& r, const er::journey& j, double round_days) {
    const er::uplift_rates rates = er::simulation_rates(r, j, round_days);
    for (const auto& w : rates.warnings) warn(w);
    write_file(path, "params", [&](std::ostream& out) { out << rates.to_json(); });
}

result_table step_table(const er::uplift_result& r, const er::journey& j) {
    result_table t(er::columns::uplift);
    for (const auto& s : r.steps)
        t.rows.push_back({cell::str(j.stage_name(s.from)),
                          cell::str(j.stage_name(s.to)),
                          cell::count(s.windows),
                          cell::count(s.members),
                          cell::count(s.treated),
                          cell::count(s.advanced),
                          cell::count(s.treated_advanced),
                          cell::dec_or_none(s.base_rate),
                          cell::dec_or_none(s.treated_rate),
                          cell::dec_or_none(s.mean_contacts),
                          cell::dec_or_none(s.odds_ratio),
                          cell::dec_or_none(s.odds_ratio_low),
                          cell::dec_or_none(s.odds_ratio_high),
                          cell::dec_or_none(s.p_value),
                          cell::dec_or_none(s.base),
                          cell::dec_or_none(s.base_round),
                          cell::dec_or_none(s.lift),
                          cell::dec_or_none(s.lift_low),
                          cell::dec_or_none(s.lift_high),
                          cell::str(s.converged ? "yes" : "no"),
                          cell::str(s.status)});
    return t;
}

void run(const arguments& a) {
    const format f = format_of(a);
    const std::string interactions = a.require("interactions");
    const std::string stages = a.require("stages");
    er::uplift_options o;
    o.window_days = positive_option(a, "window-days").value_or(30);
    o.origin = time_option(a, "origin");
    if (auto c = a.get("covariates"))
        o.covariates = parsed_option("covariates", [&] { return er::parse_covariates(*c); });
    if (auto d = positive_option(a, "round-days")) o.round_days = *d;
    const er::journey j = journey_of(a);
    std::optional<std::filesystem::path> members;
    if (auto m = a.get("members")) members = *m;
    const bool wants_activity = std::find(o.covariates.begin(), o.covariates.end(), "activity") != o.covariates.end();
    if (wants_activity && !members) throw usage_error("covariate 'activity' needs --members");

    const er::uplift_result r = er::estimate_uplift(interactions, stages, j, o, members);
    warn_count(interactions, r.self_contacts, "self-contact", "ignored");

    const result_table t = step_table(r, j);
    std::ostringstream buf;
    if (f == format::json) {
        buf << "{\"origin\": " << json_string(er::format_timestamp(r.origin))
            << ", \"data_end\": " << json_string(er::format_timestamp(r.data_end))
            << ", \"window_days\": " << json_number(r.window_days) << ", \"steps\": ";
        write(buf, t, f);
        buf << "}\n";
    } else {
        write(buf, t, f);
        if (f == format::table)
            buf << fmt::format(
                "\nWindows of {} days from {} to {}. Observational estimates: members who talk more "
                "may also advance more for other reasons (docs/uplift.md).\n",
                r.window_days, er::format_timestamp(r.origin), er::format_timestamp(r.data_end));
    }
    if (auto p = a.get("params-out")) write_params(*p, r, j, o.round_days.value_or(o.window_days));
    emit_text(a, buf.str());
}

}  // namespace

const command learn_command{
    "learn", "uplift from history: odds ratio and lift per contact, per step", usage,
    "interactions! stages! journey members window-days origin covariates round-days params-out format output", run};

}  // namespace cli
