// engage-right learn: uplift of a contact one stage to the right, learned
// from a community's history (docs/uplift.md).

#include "options.hpp"
#include "output.hpp"

#include <engage_right/engage_right.hpp>

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

namespace er = engage_right;

namespace {

constexpr const char* learn_usage = R"(usage: engage-right learn --interactions FILE --stages FILE [options]

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

double positive_option(const cli::arguments& a, const std::string& name, double fallback) {
    const auto text = a.get(name);
    if (!text) return fallback;
    double v = 0;
    auto [p, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
    if (ec != std::errc() || p != text->data() + text->size() || !std::isfinite(v) || v <= 0)
        throw cli::usage_error(fmt::format("option --{}: expected a number > 0, got '{}'", name, *text));
    return v;
}

std::vector<std::string> covariate_list(const std::string& text) {
    try {
        return er::parse_covariates(text);
    } catch (const er::config_error& e) {
        throw cli::usage_error(std::string("option --covariates: ") + e.what());
    }
}

cli::cell real(double v) { return std::isnan(v) ? cli::cell::none() : cli::cell::dec(v); }
cli::cell count(std::size_t v) { return cli::cell::num(static_cast<long long>(v)); }

std::string json_number(double v) { return std::isfinite(v) ? fmt::format("{}", v) : "null"; }

void write_params(const std::string& path, const er::uplift_result& r, const er::journey& j, double round_days) {
    const er::uplift_rates rates = er::simulation_rates(r, j, round_days);
    for (const auto& w : rates.warnings) std::cerr << "engage-right: warning: " << w << '\n';
    std::ofstream out(path, std::ios::binary);
    if (!out) throw cli::usage_error(fmt::format("cannot write params file '{}'", path));
    out << rates.to_json();
    out.flush();
    if (!out) throw std::runtime_error(fmt::format("writing '{}' failed", path));
}

}  // namespace

int cmd_learn(const std::vector<std::string>& args) {
    const cli::arguments a(args,
                           {"interactions", "stages", "journey", "members", "window-days", "origin", "covariates",
                            "round-days", "params-out", "format", "output"},
                           {});
    if (a.help()) {
        std::cout << learn_usage;
        return 0;
    }
    const cli::format f = cli::parse_format(a.get("format").value_or("table"));
    const std::string interactions = a.require("interactions");
    const std::string stages = a.require("stages");
    er::uplift_options o;
    o.window_days = positive_option(a, "window-days", 30);
    if (auto t = a.get("origin")) {
        const auto v = er::parse_timestamp(*t);
        if (!v) throw cli::usage_error(fmt::format("option --origin: expected unix seconds or ISO-8601, got '{}'", *t));
        o.origin = *v;
    }
    if (auto c = a.get("covariates")) o.covariates = covariate_list(*c);
    if (a.has("round-days")) o.round_days = positive_option(a, "round-days", 7);
    const er::journey j = er::journey::from_preset_or_file(a.get("journey").value_or("engage_right"));
    std::optional<std::filesystem::path> members;
    if (auto m = a.get("members")) members = *m;
    bool wants_activity = false;
    for (const auto& c : o.covariates) wants_activity = wants_activity || c == "activity";
    if (wants_activity && !members) throw cli::usage_error("covariate 'activity' needs --members");

    const er::uplift_result r = er::estimate_uplift(interactions, stages, j, o, members);
    if (r.self_contacts > 0)
        std::cerr << fmt::format("engage-right: warning: {}: {} self-contact{} ignored\n", interactions,
                                 r.self_contacts, r.self_contacts == 1 ? "" : "s");

    cli::result_table t;
    t.columns = {"from",          "to",         "windows",        "members",         "treated",  "advanced",
                 "treated_advanced", "base_rate", "treated_rate", "mean_contacts", "odds_ratio", "odds_ratio_low",
                 "odds_ratio_high", "p_value",  "base",           "base_round",      "lift",     "lift_low",
                 "lift_high",     "converged",  "status"};
    for (const auto& s : r.steps)
        t.rows.push_back({cli::cell::str(j.stage_name(s.from)), cli::cell::str(j.stage_name(s.to)), count(s.windows),
                          count(s.members), count(s.treated), count(s.advanced), count(s.treated_advanced),
                          real(s.base_rate), real(s.treated_rate), real(s.mean_contacts), real(s.odds_ratio),
                          real(s.odds_ratio_low), real(s.odds_ratio_high), real(s.p_value), real(s.base),
                          real(s.base_round), real(s.lift), real(s.lift_low), real(s.lift_high),
                          cli::cell::str(s.converged ? "yes" : "no"), cli::cell::str(s.status)});

    std::ostringstream buf;
    if (f == cli::format::json) {
        buf << "{\"origin\": " << cli::json_string(er::format_timestamp(r.origin))
            << ", \"data_end\": " << cli::json_string(er::format_timestamp(r.data_end))
            << ", \"window_days\": " << json_number(r.window_days) << ", \"steps\": ";
        cli::write(buf, t, f);
        buf << "}\n";
    } else {
        cli::write(buf, t, f);
        if (f == cli::format::table)
            buf << fmt::format("\nWindows of {} days from {} to {}. Observational estimates: members who talk more "
                               "may also advance more for other reasons (docs/uplift.md).\n",
                               r.window_days, er::format_timestamp(r.origin), er::format_timestamp(r.data_end));
    }
    if (auto p = a.get("params-out"))
        write_params(*p, r, j, o.round_days.value_or(o.window_days));
    cli::emit_text(a, buf.str());
    return 0;
}
