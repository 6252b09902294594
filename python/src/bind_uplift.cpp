// Uplift from history and the logistic regression behind it. The facade
// (engage_right/uplift.py) turns DataFrames into columns and results into
// DataFrames.
#include "bindings.hpp"

#include <engage_right/uplift.hpp>

#include <pybind11/eigen.h>
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <fmt/format.h>

#include <cmath>

namespace engage_right::python {

using namespace pybind11::literals;
namespace {

// The window grid of the options (window length in days, optional origin).
uplift_options window_options(double window_days, const py::object& origin) {
    uplift_options o;
    o.window_days = window_days;
    o.origin = optional_of<double>(origin);
    return o;
}

}  // namespace

void bind_uplift(py::module_& m) {
    py::class_<uplift_history>(m, "UpliftHistory")
        .def(py::init<>())
        .def_property_readonly("ids", [](const uplift_history& h) { return h.ids; })
        .def_property_readonly("entries", [](const uplift_history& h) { return h.entry_member.size(); })
        .def_property_readonly("contacts", [](const uplift_history& h) { return h.contact_source.size(); })
        .def(
            "read_stages",
            [](uplift_history& h, const std::string& path, const journey& j) {
                const std::string text = read_file(path);
                py::gil_scoped_release release;
                parse_stage_entries(h, text, j, path);
            },
            py::arg("path"), py::arg("journey"))
        .def(
            "read_interactions",
            [](uplift_history& h, const std::string& path) {
                const std::string text = read_file(path);
                py::gil_scoped_release release;
                parse_contacts(h, text, path);
            },
            py::arg("path"))
        .def(
            "read_activity",
            [](uplift_history& h, const std::string& path, const journey& j) {
                py::gil_scoped_release release;
                read_activity(h, path, j);
            },
            py::arg("path"), py::arg("journey"))
        .def(
            "add_stages",
            [](uplift_history& h, const std::vector<std::string>& members, const std::vector<std::string>& stages,
               const py::object& times, const journey& j, const std::string& what) {
                add_stage_entries(h, members, stages, doubles_of(times, "timestamps"), j, what);
            },
            py::arg("members"), py::arg("stages"), py::arg("timestamps"), py::arg("journey"), py::arg("what"))
        .def(
            "add_contacts",
            [](uplift_history& h, std::vector<std::string> sources, std::vector<std::string> targets,
               const py::object& weight, const py::object& times, const std::string& what) {
                interaction_columns c;
                c.source = std::move(sources);
                c.target = std::move(targets);
                c.weight = to_data_column(weight, "weight");
                c.timestamp = doubles_of(times, "timestamps");
                add_contacts(h, c, what);
            },
            py::arg("sources"), py::arg("targets"), py::arg("weight"), py::arg("timestamps"), py::arg("what"))
        .def(
            "set_activity",
            [](uplift_history& h, std::vector<std::string> ids, const py::object& activity, const journey& j) {
                member_columns c;
                c.id = std::move(ids);
                c.activity = to_data_column(activity, "activity");
                set_activity(h, c, j);
            },
            py::arg("ids"), py::arg("activity"), py::arg("journey"));

    m.def("parse_covariates", &parse_covariates, py::arg("list"),
          "Comma-separated covariate names (contacts, activity) as a list; unknown or repeated names raise.");

    m.def(
        "estimate_uplift",
        [](const uplift_history& h, const journey& j, double window_days, const py::object& origin,
           const std::vector<std::string>& covariates, const py::object& round_days) {
            uplift_options o = window_options(window_days, origin);
            o.covariates = covariates;
            o.round_days = optional_of<double>(round_days);
            uplift_result r;
            {
                py::gil_scoped_release release;
                r = estimate_uplift(h, j, o);
            }
            const std::size_t n = r.steps.size();
            std::vector<std::int64_t> from(n), to(n), windows(n), members(n), treated(n), advanced(n), tadv(n);
            std::vector<double> base_rate(n), treated_rate(n), mean_contacts(n), odds(n), odds_lo(n), odds_hi(n), pv(n),
                base(n), base_round(n), lift(n), lift_lo(n), lift_hi(n);
            std::vector<bool> converged(n);
            std::vector<std::string> status(n);
            py::list params;
            for (std::size_t i = 0; i < n; ++i) {
                const uplift_step& s = r.steps[i];
                from[i] = s.from;
                to[i] = s.to;
                windows[i] = static_cast<std::int64_t>(s.windows);
                members[i] = static_cast<std::int64_t>(s.members);
                treated[i] = static_cast<std::int64_t>(s.treated);
                advanced[i] = static_cast<std::int64_t>(s.advanced);
                tadv[i] = static_cast<std::int64_t>(s.treated_advanced);
                base_rate[i] = s.base_rate;
                treated_rate[i] = s.treated_rate;
                mean_contacts[i] = s.mean_contacts;
                odds[i] = s.odds_ratio;
                odds_lo[i] = s.odds_ratio_low;
                odds_hi[i] = s.odds_ratio_high;
                pv[i] = s.p_value;
                base[i] = s.base;
                base_round[i] = s.base_round;
                lift[i] = s.lift;
                lift_lo[i] = s.lift_low;
                lift_hi[i] = s.lift_high;
                converged[i] = s.converged;
                status[i] = s.status;
                py::dict fit;
                fit["terms"] = s.terms;
                fit["params"] = s.fit.params;
                fit["bse"] = s.fit.bse;
                fit["cov"] = s.fit.cov;
                fit["llf"] = s.fit.log_likelihood;
                params.append(fit);
            }
            py::dict d;
            d["from"] = array_of(from);
            d["to"] = array_of(to);
            d["windows"] = array_of(windows);
            d["members"] = array_of(members);
            d["treated"] = array_of(treated);
            d["advanced"] = array_of(advanced);
            d["treated_advanced"] = array_of(tadv);
            d["base_rate"] = array_of(base_rate);
            d["treated_rate"] = array_of(treated_rate);
            d["mean_contacts"] = array_of(mean_contacts);
            d["odds_ratio"] = array_of(odds);
            d["odds_ratio_low"] = array_of(odds_lo);
            d["odds_ratio_high"] = array_of(odds_hi);
            d["p_value"] = array_of(pv);
            d["base"] = array_of(base);
            d["base_round"] = array_of(base_round);
            d["lift"] = array_of(lift);
            d["lift_low"] = array_of(lift_lo);
            d["lift_high"] = array_of(lift_hi);
            d["converged"] = py::cast(converged);
            d["status"] = py::cast(status);
            d["fits"] = params;
            d["origin"] = r.origin;
            d["data_end"] = r.data_end;
            d["window_days"] = r.window_days;
            d["self_contacts"] = r.self_contacts;
            // The simulator's rates, as `learn --params-out` writes them: per
            // round of round_days, or of one window without it.
            const uplift_rates rates = simulation_rates(r, j, o.round_days.value_or(o.window_days));
            py::dict sim;
            sim["base"] = rates.base;
            sim["lift"] = rates.lift;
            d["params"] = sim;
            d["params_warnings"] = rates.warnings;
            return d;
        },
        py::arg("history"), py::arg("journey"), py::arg("window_days"), py::arg("origin"), py::arg("covariates"),
        py::arg("round_days"));

    m.def(
        "uplift_windows",
        [](const uplift_history& h, const journey& j, double window_days, const py::object& origin) {
            const uplift_options o = window_options(window_days, origin);
            uplift_windows w;
            {
                py::gil_scoped_release release;
                w = build_uplift_windows(h, j, o);
            }
            const std::size_t n = w.windows.size();
            std::vector<std::int64_t> member(n), from(n), k(n), contacts(n);
            std::vector<bool> advanced(n);
            for (std::size_t i = 0; i < n; ++i) {
                member[i] = w.windows[i].member;
                from[i] = w.windows[i].from;
                k[i] = w.windows[i].k;
                contacts[i] = w.windows[i].contacts;
                advanced[i] = w.windows[i].advanced;
            }
            return py::dict("member"_a = array_of(member), "from"_a = array_of(from), "k"_a = array_of(k),
                            "contacts"_a = array_of(contacts), "advanced"_a = py::cast(advanced), "origin"_a = w.origin,
                            "window_seconds"_a = w.window_seconds, "data_end"_a = w.data_end);
        },
        py::arg("history"), py::arg("journey"), py::arg("window_days"), py::arg("origin"));

    m.def(
        "logistic_regression",
        [](const Eigen::MatrixXd& X, const Eigen::VectorXd& y, int max_iterations, double tolerance) {
            logistic_options o;
            o.max_iterations = max_iterations;
            o.tolerance = tolerance;
            logistic_fit f;
            {
                py::gil_scoped_release release;
                f = logistic_regression(X, y, o);
            }
            return py::dict("params"_a = f.params, "bse"_a = f.bse, "cov"_a = f.cov, "llf"_a = f.log_likelihood,
                            "iterations"_a = f.iterations, "converged"_a = f.converged, "separation"_a = f.separation);
        },
        py::arg("X"), py::arg("y"), py::arg("max_iterations") = 100, py::arg("tolerance") = 1e-10);
}

}  // namespace engage_right::python
