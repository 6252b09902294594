#include <engage_right/error.hpp>
#include <engage_right/io.hpp>
#include <engage_right/simulate.hpp>

#include "simulate/engine.hpp"
#include "util/json.hpp"
#include "util/names.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <sstream>

namespace engage_right {

using detail::sim::is_rate;

namespace {

constexpr detail::name_table<sim_policy, 4> policy_names{"policy",
                                                         {{{sim_policy::engage_right, "engage_right"},
                                                           {sim_policy::random, "random"},
                                                           {sim_policy::none, "none"},
                                                           {sim_policy::mass_action, "mass_action"}}}};

constexpr detail::name_table<sim_engine, 2> engine_names{
    "engine", {{{sim_engine::monte_carlo, "monte_carlo"}, {sim_engine::mean_field, "mean_field"}}}};

}  // namespace

const char* to_string(sim_policy p) noexcept { return policy_names.name(p); }

sim_policy parse_sim_policy(std::string_view name) { return policy_names.parse(name); }

const char* to_string(sim_engine e) noexcept { return engine_names.name(e); }

sim_engine parse_sim_engine(std::string_view name) { return engine_names.parse(name); }

// ------------------------------------------------------------ params ---

namespace {

constexpr int max_per_member = 10000;
constexpr double max_substeps = 1e6;

// 1/dt as an integer, or 0 when dt does not divide a round.
long long substeps_of(double dt) noexcept {
    if (!std::isfinite(dt) || !(dt > 0) || dt > 1) return 0;
    const double inv = 1.0 / dt;
    const double k = std::round(inv);
    if (k < 1 || k > max_substeps || std::abs(inv - k) > 1e-9 * k) return 0;
    return static_cast<long long>(k);
}

std::string dt_problem(double dt) {
    return fmt::format("expected 0 < dt <= 1 with 1/dt an integer (1, 0.5, 0.25, 0.1, ...), got {}", dt);
}

std::vector<double> expand(const std::vector<double>& v, std::size_t n, double fallback, const char* name,
                           const char* per) {
    if (v.empty()) return std::vector<double>(n, fallback);
    if (v.size() != 1 && v.size() != n)
        throw config_error(
            fmt::format("simulation params: {}: expected 1 or {} values (one per {}), got {}", name, n, per, v.size()));
    std::vector<double> out = v.size() == 1 ? std::vector<double>(n, v[0]) : v;
    for (std::size_t i = 0; i < n; ++i)
        if (!is_rate(out[i]))
            throw config_error(
                fmt::format("simulation params: {}[{}]: expected a finite number >= 0, got {}", name, i, out[i]));
    return out;
}

}  // namespace

int simulation_params::substeps() const {
    const long long k = substeps_of(dt);
    if (k == 0) throw config_error("simulation params: dt: " + dt_problem(dt));
    return static_cast<int>(k);
}

simulation_params simulation_params::resolve(std::size_t stages) const {
    if (stages < 2 || stages > max_stages)
        throw config_error(
            fmt::format("simulation params: a journey needs 2 to {} stages, got {}", max_stages, stages));
    simulation_params p = *this;
    p.base = expand(base, stages - 1, default_base, "base", "step");
    p.lift = expand(lift, stages - 1, default_lift, "lift", "step");
    p.churn = expand(churn, stages, default_churn, "churn", "stage");
    auto check = [](double v, const char* name) {
        if (!is_rate(v))
            throw config_error(fmt::format("simulation params: {}: expected a finite number >= 0, got {}", name, v));
    };
    check(arrivals, "arrivals");
    check(referral_rate, "referral_rate");
    check(contact_rate, "contact_rate");
    if (per_member < 0 || per_member > max_per_member)
        throw config_error(fmt::format("simulation params: per_member: expected an integer 0..{}, got {}",
                                       max_per_member, per_member));
    p.dt = 1.0 / substeps();
    if (!std::isfinite(round_days) || !(round_days > 0))
        throw config_error(fmt::format("simulation params: round_days: expected a number > 0, got {}", round_days));
    return p;
}

namespace {

using json = nlohmann::ordered_json;
using detail::bad;
using detail::type_name;

double json_rate(std::string_view source, const std::string& path, const json& v) {
    if (!v.is_number()) bad(source, path, fmt::format("expected a number, got {}", type_name(v)));
    const double d = v.get<double>();
    if (!is_rate(d)) bad(source, path, fmt::format("expected a finite number >= 0, got {}", d));
    return d;
}

std::vector<double> json_rates(std::string_view source, const std::string& path, const json& v, std::size_t n,
                               const char* per) {
    if (v.is_number()) return {json_rate(source, path, v)};
    if (!v.is_array())
        bad(source, path,
            fmt::format("expected a number or an array of {} numbers (one per {}), got {}", n, per, type_name(v)));
    if (v.size() != n) bad(source, path, fmt::format("expected {} values (one per {}), got {}", n, per, v.size()));
    std::vector<double> out;
    for (std::size_t i = 0; i < v.size(); ++i) out.push_back(json_rate(source, fmt::format("{}[{}]", path, i), v[i]));
    return out;
}

}  // namespace

simulation_params simulation_params::from_json(std::string_view text, std::size_t stages, std::string_view source) {
    if (stages < 2 || stages > max_stages)
        throw config_error(fmt::format("{}: a journey needs 2 to {} stages, got {}", source, max_stages, stages));
    json doc = detail::parse_json_object(text, source);
    static constexpr const char* keys[] = {"base",          "lift",         "churn",      "arrivals",
                                           "referral_rate", "contact_rate", "per_member", "dt",
                                           "round_days",    "$schema",      "description"};
    for (const auto& item : doc.items()) {
        if (std::find(std::begin(keys), std::end(keys), item.key()) == std::end(keys)) {
            std::string list;
            for (const char* k : keys) list += (list.empty() ? "" : ", ") + std::string(k);
            bad(source, "$." + item.key(), "unknown key (allowed: " + list + ")");
        }
    }
    simulation_params p;
    if (doc.contains("base")) p.base = json_rates(source, "$.base", doc["base"], stages - 1, "step");
    if (doc.contains("lift")) p.lift = json_rates(source, "$.lift", doc["lift"], stages - 1, "step");
    if (doc.contains("churn")) p.churn = json_rates(source, "$.churn", doc["churn"], stages, "stage");
    if (doc.contains("arrivals")) p.arrivals = json_rate(source, "$.arrivals", doc["arrivals"]);
    if (doc.contains("referral_rate")) p.referral_rate = json_rate(source, "$.referral_rate", doc["referral_rate"]);
    if (doc.contains("contact_rate")) p.contact_rate = json_rate(source, "$.contact_rate", doc["contact_rate"]);
    if (doc.contains("per_member")) {
        const json& v = doc["per_member"];
        if (!v.is_number_integer())
            bad(source, "$.per_member", fmt::format("expected an integer, got {}", type_name(v)));
        const auto i = v.get<long long>();
        if (i < 0 || i > max_per_member)
            bad(source, "$.per_member", fmt::format("expected an integer 0..{}, got {}", max_per_member, i));
        p.per_member = static_cast<int>(i);
    }
    if (doc.contains("dt")) {
        const json& v = doc["dt"];
        if (!v.is_number()) bad(source, "$.dt", fmt::format("expected a number, got {}", type_name(v)));
        p.dt = v.get<double>();
        if (substeps_of(p.dt) == 0) bad(source, "$.dt", dt_problem(p.dt));
    }
    if (doc.contains("round_days")) {
        const json& v = doc["round_days"];
        if (!v.is_number()) bad(source, "$.round_days", fmt::format("expected a number, got {}", type_name(v)));
        p.round_days = v.get<double>();
        if (!std::isfinite(p.round_days) || !(p.round_days > 0))
            bad(source, "$.round_days", fmt::format("expected a number > 0, got {}", p.round_days));
    }
    try {
        return p.resolve(stages);
    } catch (const config_error& e) {
        throw config_error(fmt::format("{}: {}", source, e.what()));
    }
}

simulation_params simulation_params::load(const std::filesystem::path& path, std::size_t stages) {
    return from_json(read_file(path), stages, path.string());
}

std::string simulation_params::to_json() const {
    json doc = json::object();
    doc["base"] = base;
    doc["lift"] = lift;
    doc["churn"] = churn;
    doc["arrivals"] = arrivals;
    doc["referral_rate"] = referral_rate;
    doc["contact_rate"] = contact_rate;
    doc["per_member"] = per_member;
    doc["dt"] = dt;
    doc["round_days"] = round_days;
    return doc.dump(2);
}

}  // namespace engage_right
