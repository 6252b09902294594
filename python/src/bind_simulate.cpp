#include "bindings.hpp"

#include <engage_right/simulate.hpp>

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <cmath>

namespace engage_right::python {

using namespace pybind11::literals;
namespace {

py::array_t<double> table(const std::vector<double>& v, std::size_t rows, std::size_t cols) {
    py::array_t<double> out({static_cast<py::ssize_t>(rows), static_cast<py::ssize_t>(cols)});
    std::copy(v.begin(), v.end(), out.mutable_data());
    return out;
}

py::array_t<double> column(const std::vector<double>& v) {
    py::array_t<double> out(static_cast<py::ssize_t>(v.size()));
    std::copy(v.begin(), v.end(), out.mutable_data());
    return out;
}

std::string stamp(const simulation_result& r, double round_time) {
    return format_timestamp(std::round(r.unix_time(round_time)));
}

}  // namespace

void bind_simulate(py::module_& m) {
    m.def(
        "simulate",
        [](const community_ptr& c, int rounds, const std::string& policy, const std::string& engine,
           const py::object& params_json, const std::string& params_source, std::uint64_t seed, unsigned threads,
           bool log, const py::object& origin, bool exact_plan) {
            simulation_options o;
            o.rounds = rounds;
            o.policy = parse_sim_policy(policy);
            o.engine = parse_sim_engine(engine);
            const std::size_t S = c->journey().stage_count();
            if (!params_json.is_none())
                o.params = simulation_params::from_json(params_json.cast<std::string>(), S, params_source);
            o.seed = seed;
            o.threads = threads;
            o.log = log;
            o.exact_plan = exact_plan;
            if (!origin.is_none()) o.origin = origin.cast<double>();
            simulation_result r;
            {
                py::gil_scoped_release release;
                r = engage_right::simulate(*c, o);
            }
            const journey& j = c->journey();
            py::list stages, steps;
            for (std::size_t s = 0; s < S; ++s) stages.append(j.stage_name(static_cast<stage_index>(s)));
            for (std::size_t s = 0; s + 1 < S; ++s)
                steps.append(j.stage_name(static_cast<stage_index>(s)) + "->" +
                             j.stage_name(static_cast<stage_index>(s + 1)));
            py::dict out;
            out["stages"] = stages;
            out["steps"] = steps;
            out["counts"] = table(r.counts, r.rounds + 1, S);
            out["conversions"] = table(r.conversions, r.rounds + 1, S - 1);
            out["contacts"] = table(r.contacts, r.rounds + 1, S - 1);
            out["arrivals"] = column(r.arrivals);
            out["referrals"] = column(r.referrals);
            out["churned"] = column(r.churned);
            out["viral_r_by_round"] = column(r.viral_r_by_round);
            out["viral_r"] = r.viral_r;
            out["viral_r_final"] = r.viral_r_final;
            out["params"] = r.params.to_json();
            out["origin"] = r.origin;
            if (r.log.kept) {
                const auto& L = r.log;
                // Ids of members as they appear; arrivals are named once.
                std::vector<std::string> names;
                auto name = [&](std::uint32_t i) -> const std::string& {
                    if (names.empty()) {
                        std::size_t top = L.initial_members;
                        for (auto v : L.entry_member) top = std::max<std::size_t>(top, std::size_t{v} + 1);
                        names.resize(top);
                    }
                    if (names[i].empty()) names[i] = simulated_member_id(*c, r, i);
                    return names[i];
                };
                py::list src, dst, when, member, stage, at;
                std::vector<std::string> round_stamps(r.rounds + 1);
                for (std::size_t k = 0; k <= r.rounds; ++k) round_stamps[k] = stamp(r, static_cast<double>(k));
                for (std::size_t k = 0; k < L.contact_source.size(); ++k) {
                    src.append(name(L.contact_source[k]));
                    dst.append(name(L.contact_target[k]));
                    when.append(round_stamps[L.contact_round[k]]);
                }
                for (std::size_t k = 0; k < L.entry_member.size(); ++k) {
                    member.append(name(L.entry_member[k]));
                    stage.append(j.stage_name(L.entry_stage[k]));
                    at.append(stamp(r, L.entry_time[k]));
                }
                out["interactions"] = py::dict("source"_a = src, "target"_a = dst, "timestamp"_a = when);
                out["stage_entries"] = py::dict("member"_a = member, "stage"_a = stage, "timestamp"_a = at);
            }
            return out;
        },
        py::arg("community"), py::arg("rounds"), py::arg("policy"), py::arg("engine"), py::arg("params_json"),
        py::arg("params_source"), py::arg("seed"), py::arg("threads"), py::arg("log"), py::arg("origin"),
        py::arg("exact_plan") = false);

    m.def(
        "viral_reproduction_number",
        [](const std::string& params_json, const std::vector<double>& contacts, const std::string& source) {
            const auto p = simulation_params::from_json(params_json, contacts.size() + 1, source);
            return engage_right::viral_reproduction_number(p, contacts);
        },
        py::arg("params_json"), py::arg("contacts"), py::arg("source"));
}

}  // namespace engage_right::python
