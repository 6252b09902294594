// Offline evaluation. The facade (engage_right/_evaluate.py) turns DataFrames
// into columns and the result into DataFrames.
#include "bindings.hpp"

#include <engage_right/evaluate.hpp>

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <fmt/format.h>

#include <cmath>
#include <memory>

namespace engage_right::python {

using namespace pybind11::literals;
namespace {

py::list ids_of(const community& c, std::span<const member_index> members) {
    py::list out(members.size());
    for (std::size_t i = 0; i < members.size(); ++i) out[i] = py::str(c.id(members[i]));
    return out;
}

// Per-member detail as flat columns.
py::dict details_of(const evaluation& ev) {
    const community& c = *ev.replay;
    const evaluation_details& d = *ev.details;
    std::vector<member_index> member, peer;
    for (std::size_t i = 0; i < d.members.size(); ++i)
        for (auto t = d.target_offsets[i]; t < d.target_offsets[i + 1]; ++t) {
            member.push_back(d.members[i]);
            peer.push_back(d.targets[t]);
        }
    py::dict out;
    out["target_member"] = ids_of(c, member);
    out["target_peer"] = ids_of(c, peer);
    out["target_reachable"] = array_of(d.reachable);
    py::list rankings;
    for (std::size_t m = 0; m < d.rankings.size(); ++m) {
        std::vector<member_index> who;
        std::vector<std::int64_t> rank;
        const auto& off = d.ranking_offsets[m];
        for (std::size_t i = 0; i < d.members.size(); ++i)
            for (auto r = off[i]; r < off[i + 1]; ++r) {
                who.push_back(d.members[i]);
                rank.push_back(static_cast<std::int64_t>(r - off[i] + 1));
            }
        py::dict one;
        one["member"] = ids_of(c, who);
        one["rank"] = array_of(rank);
        one["peer"] = ids_of(c, d.rankings[m]);
        rankings.append(one);
    }
    out["rankings"] = rankings;
    out["members"] = ids_of(c, d.members);
    return out;
}

py::dict result_of(const evaluation& ev) {
    py::dict out("split_at"_a = ev.split_at, "horizon_end"_a = ev.horizon_end, "k"_a = ev.k,
                 "mrr_depth"_a = ev.mrr_depth, "bootstrap"_a = ev.bootstrap, "metrics"_a = ev.metrics);
    for (const auto& [name, value] :
         {std::pair{"members", ev.members}, std::pair{"members_in_replay", ev.members_in_replay},
          std::pair{"members_created_later", ev.members_created_later},
          std::pair{"members_not_yet_staged", ev.members_not_yet_staged},
          std::pair{"interactions_before", ev.interactions_before}, std::pair{"target_pairs", ev.target_pairs},
          std::pair{"targets", ev.targets}, std::pair{"reachable_targets", ev.reachable_targets},
          std::pair{"window_pairs_with_new_members", ev.window_pairs_with_new_members},
          std::pair{"evaluated_members", ev.evaluated_members}})
        out[name] = value;
    out["ceiling"] = ev.ceiling;
    out["ceiling_hit"] = ev.ceiling_hit;
    out["ceiling_recall"] = ev.ceiling_recall;
    const std::size_t nm = ev.methods.size(), nx = ev.metrics.size();
    std::vector<std::string> names;
    std::vector<double> value(nm * nx), low(nm * nx), high(nm * nx), diff(nm * nx), diff_low(nm * nx),
        diff_high(nm * nx), coverage, gini;
    std::vector<std::int64_t> eligible;
    for (std::size_t m = 0; m < nm; ++m) {
        const auto& me = ev.methods[m];
        names.emplace_back(to_string(me.method));
        for (std::size_t x = 0; x < nx; ++x) {
            value[m * nx + x] = me.metrics[x].value;
            low[m * nx + x] = me.metrics[x].low;
            high[m * nx + x] = me.metrics[x].high;
            diff[m * nx + x] = me.difference[x].value;
            diff_low[m * nx + x] = me.difference[x].low;
            diff_high[m * nx + x] = me.difference[x].high;
        }
        coverage.push_back(me.coverage);
        gini.push_back(me.gini);
        eligible.push_back(static_cast<std::int64_t>(me.eligible_peers));
    }
    auto matrix = [&](const std::vector<double>& v) {
        py::array_t<double> a({static_cast<py::ssize_t>(nm), static_cast<py::ssize_t>(nx)});
        std::copy(v.begin(), v.end(), a.mutable_data());
        return a;
    };
    out["methods"] = names;
    out["value"] = matrix(value);
    out["low"] = matrix(low);
    out["high"] = matrix(high);
    out["diff"] = matrix(diff);
    out["diff_low"] = matrix(diff_low);
    out["diff_high"] = matrix(diff_high);
    out["coverage"] = array_of(coverage);
    out["gini"] = array_of(gini);
    out["eligible_peers"] = array_of(eligible);
    if (ev.details) out["details"] = details_of(ev);
    return out;
}

}  // namespace

void bind_evaluate(py::module_& m) {
    py::class_<evaluation_input, std::shared_ptr<evaluation_input>>(m, "EvaluationInput")
        .def(py::init<>())
        .def(
            "read_members",
            [](evaluation_input& in, const std::string& path, const journey& j) {
                py::gil_scoped_release release;
                evaluation_input fresh;
                fresh.members = read_members(path, j);
                in = std::move(fresh);
            },
            py::arg("path"), py::arg("journey"))
        .def(
            "set_members",
            [](evaluation_input& in, const journey& j, const py::tuple& members, const py::object& created) {
                evaluation_input fresh;
                fresh.members = members_from_cells(j, members, {}, py::none(), created);
                in = std::move(fresh);
            },
            py::arg("journey"), py::arg("members"), py::arg("created"))
        .def(
            "read_interactions",
            [](evaluation_input& in, const std::string& path) {
                py::gil_scoped_release release;
                interaction_read_options o;
                o.timestamp_required = true;
                o.needed_by = "evaluation replays history: every interaction needs its time";
                in.interactions = read_interactions(path, in.members, o);
            },
            py::arg("path"))
        .def(
            "set_interactions",
            [](evaluation_input& in, std::vector<std::string> sources, std::vector<std::string> targets,
               const py::object& weight, const py::object& times) {
                interaction_columns c;
                c.source = std::move(sources);
                c.target = std::move(targets);
                c.weight = to_data_column(weight, "weight");
                c.timestamp = doubles_of(times, "timestamps");
                in.interactions = build_interactions(c, in.members);
            },
            py::arg("sources"), py::arg("targets"), py::arg("weight"), py::arg("timestamps"))
        .def(
            "read_stages",
            [](evaluation_input& in, const std::string& path, const journey& j) {
                py::gil_scoped_release release;
                in.stages = read_stage_table(path, in.members, j);
            },
            py::arg("path"), py::arg("journey"))
        .def(
            "set_stages",
            [](evaluation_input& in, const std::vector<std::string>& members, const std::vector<std::string>& stages,
               const py::object& times, const journey& j) {
                in.stages = build_stage_table(members, stages, doubles_of(times, "timestamps"), in.members, j);
            },
            py::arg("members"), py::arg("stages"), py::arg("timestamps"), py::arg("journey"))
        .def("__len__", [](const evaluation_input& in) { return in.members.size(); })
        .def(
            "split_at",
            [](const evaluation_input& in, const std::string& text) { return parse_split_at(text, in.interactions); },
            py::arg("text"), "A split time from unix seconds, ISO-8601 or a share such as '80%'.");

    m.def(
        "evaluate",
        [](const evaluation_input& in, const journey& j, double split_at, double horizon_days,
           const std::vector<std::size_t>& k, const std::vector<std::string>& methods, const py::object& weights,
           const py::object& min_satisfaction, bool allow_existing, std::size_t mrr_depth, std::size_t bootstrap,
           std::uint64_t seed, unsigned threads, bool keep_rankings, const py::object& scorer,
           std::pair<std::size_t, std::size_t> gap, const py::object& model, const py::object& content) {
            evaluate_options o;
            o.split_at = split_at;
            o.horizon_days = horizon_days;
            o.k = k;
            o.methods.clear();
            for (const auto& name : methods) o.methods.push_back(parse_eval_method(name));
            if (!weights.is_none()) {
                score_weights w = j.weights();
                for (auto item : weights.cast<py::dict>())
                    set_weight(w, item.first.cast<std::string>(), item.second.cast<double>());
                o.scoring.weights = w;
            }
            o.scoring.min_satisfaction = optional_of<int>(min_satisfaction);
            o.scoring.allow_existing = allow_existing;
            o.scoring.gap = stage_gap{gap.first, gap.second};
            if (!model.is_none()) o.model = std::make_shared<ranking_model>(model.cast<ranking_model>());
            if (!content.is_none()) o.model_content = content.cast<std::shared_ptr<content_table>>();
            o.mrr_depth = mrr_depth;
            o.bootstrap = bootstrap;
            o.seed = seed;
            o.threads = threads;
            o.keep_rankings = keep_rankings;
            if (!scorer.is_none()) {
                // A Python callable scorer(member_id, peer_id) -> float; the
                // GIL is taken for each call, so it runs on one thread at a time.
                auto fn = std::make_shared<py::object>(scorer);
                o.scorer = [fn](const community& c, member_index u, member_index v) {
                    py::gil_scoped_acquire gil;
                    return (*fn)(c.id(u), c.id(v)).cast<double>();
                };
            }
            evaluation ev;
            {
                py::gil_scoped_release release;
                ev = evaluate(j, in, o);
            }
            return result_of(ev);
        },
        py::arg("input"), py::arg("journey"), py::arg("split_at"), py::arg("horizon_days"), py::arg("k"),
        py::arg("methods"), py::arg("weights"), py::arg("min_satisfaction"), py::arg("allow_existing"),
        py::arg("mrr_depth"), py::arg("bootstrap"), py::arg("seed"), py::arg("threads"), py::arg("keep_rankings"),
        py::arg("scorer"), py::arg("stage_gap") = std::pair<std::size_t, std::size_t>{1, 1},
        py::arg("model") = py::none(), py::arg("content") = py::none());
}

}  // namespace engage_right::python
