// Learned ranking: content, dated history, fit, model, scorer. Translation only.
#include "bindings.hpp"

#include <engage_right/ranking.hpp>

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <fmt/format.h>

namespace engage_right::python {

using namespace pybind11::literals;

namespace {

using content_ptr = std::shared_ptr<const content_table>;
using history_ptr = std::shared_ptr<ranking_history>;

// A scorer keeps the community it reads alive.
struct scorer_handle {
    community_ptr c;
    std::shared_ptr<const ranking_scorer> s;
};

std::optional<std::vector<std::string>> strings_or_none(const py::object& o) {
    if (o.is_none()) return std::nullopt;
    return o.cast<std::vector<std::string>>();
}

feature_block feature_copy(const py::object& features, std::size_t n) {
    if (features.is_none()) return {};
    auto arr = py::array_t<float, py::array::c_style | py::array::forcecast>::ensure(features);
    if (!arr || arr.ndim() != 2 || static_cast<std::size_t>(arr.shape(0)) != n)
        throw config_error(fmt::format("content features must have shape (n, d) with n = {}", n));
    const auto d = static_cast<std::size_t>(arr.shape(1));
    return feature_block::own(std::vector<float>(arr.data(), arr.data() + n * d), n, d);
}

py::dict design_columns(const ranking_design& d) {
    const std::size_t n = d.rows(), p = d.features.size();
    py::array_t<double> values({n, p});
    std::copy(d.values.begin(), d.values.end(), values.mutable_data());
    py::array_t<std::int64_t> label(static_cast<py::ssize_t>(n));
    for (std::size_t i = 0; i < n; ++i) label.mutable_data()[i] = d.label[i];
    std::vector<std::string> names;
    for (auto f : d.features) names.emplace_back(to_string(f));
    return py::dict("member"_a = d.member, "peer"_a = d.peer, "label"_a = label, "values"_a = values,
                    "features"_a = names);
}

fit_options options_of(double split_at, double horizon_days, double half_life_days, std::size_t negatives, double l2,
                       std::uint64_t seed, const py::object& min_satisfaction, unsigned threads, int max_iterations,
                       double tolerance) {
    return {.split_at = split_at,
            .horizon_days = horizon_days,
            .half_life_days = half_life_days,
            .negatives = negatives,
            .l2 = l2,
            .seed = seed,
            .min_satisfaction = optional_of<int>(min_satisfaction),
            .threads = threads,
            .max_iterations = max_iterations,
            .tolerance = tolerance};
}

}  // namespace

void bind_ranking(py::module_& m) {
    py::class_<content_table, std::shared_ptr<content_table>>(m, "Content")
        .def_static(
            "from_csv",
            [](const std::string& path) {
                py::gil_scoped_release release;
                return std::make_shared<content_table>(read_content(path));
            },
            py::arg("path"))
        .def_static(
            "_from_columns",
            [](const std::vector<std::string>& id, const std::vector<std::string>& author,
               const std::vector<std::string>& kind, const std::vector<std::string>& parent,
               const std::vector<double>& created, const py::object& tags, const py::object& score,
               const py::object& accepted, const py::object& title, const py::object& url, const py::object& features) {
                content_columns cols;
                cols.id = id;
                cols.author = author;
                cols.kind = kind;
                cols.parent = parent;
                cols.created = created;
                cols.tags = strings_or_none(tags);
                cols.score = to_data_column(score, "score");
                cols.accepted = to_data_column(accepted, "accepted");
                cols.title = strings_or_none(title);
                cols.url = strings_or_none(url);
                cols.features = feature_copy(features, id.size());
                return std::make_shared<content_table>(build_content(cols));
            })
        .def("__len__", &content_table::size)
        .def("_columns", [](const content_table& t) {
            const std::size_t n = t.size();
            py::list tags(n), thread(n), parent(n);
            for (std::size_t i = 0; i < n; ++i) {
                std::string joined;
                for (auto k = t.tag_offsets[i]; k < t.tag_offsets[i + 1]; ++k)
                    joined += (k == t.tag_offsets[i] ? "" : ";") + t.tag_names[t.tag_ids[k]];
                tags[i] = py::str(joined);
                thread[i] = py::str(t.id[t.thread[i]]);
                parent[i] = t.parent[i] == content_table::no_parent ? py::object(py::none())
                                                                    : py::object(py::str(t.id[t.parent[i]]));
            }
            py::dict d("id"_a = t.id, "author"_a = t.author, "kind"_a = t.kind, "parent"_a = parent,
                       "created"_a = t.created, "tags"_a = tags, "thread"_a = thread);
            if (!t.score.empty()) d["score"] = t.score;
            if (!t.accepted.empty()) d["accepted"] = std::vector<bool>(t.accepted.begin(), t.accepted.end());
            if (!t.title.empty()) d["title"] = t.title;
            if (!t.url.empty()) d["url"] = t.url;
            return d;
        });

    py::class_<ranking_history, history_ptr>(m, "RankingHistory")
        .def_static(
            "from_csv",
            [](const std::string& members, const std::string& interactions, const py::object& content,
               const journey& j) {
                std::optional<std::string> content_path;
                if (!content.is_none()) content_path = content.cast<std::string>();
                py::gil_scoped_release release;
                auto h = std::make_shared<ranking_history>();
                h->j = j;
                h->members = read_members(members, j);
                h->interactions = read_interactions(interactions, h->members);
                if (content_path) h->content = read_content(*content_path);
                return h;
            },
            py::arg("members"), py::arg("interactions"), py::arg("content"), py::arg("journey"))
        .def_static("_from_columns",
                    [](const journey& j, const py::tuple& members, const py::object& created,
                       const std::vector<std::string>& sources, const std::vector<std::string>& targets,
                       const py::object& weights, const py::object& timestamps, const py::object& content) {
                        auto h = std::make_shared<ranking_history>();
                        h->j = j;
                        h->members = members_from_cells(j, members, {}, py::none(), created);
                        h->interactions = interactions_from_columns(sources, targets, weights, timestamps, h->members);
                        if (!content.is_none()) h->content = *content.cast<content_ptr>();
                        return h;
                    });

    py::class_<ranking_model>(m, "RankingModel")
        .def_static(
            "from_json",
            [](const std::string& text, const std::string& source) { return parse_model_json(text, source); },
            py::arg("text"), py::arg("source"))
        .def_static(
            "load", [](const std::string& path) { return read_model(path); }, py::arg("path"))
        .def("to_json", &model_json)
        .def(
            "save", [](const ranking_model& mo, const std::string& path) { write_model(mo, path); }, py::arg("path"))
        .def_property_readonly("features",
                               [](const ranking_model& mo) {
                                   std::vector<std::string> out;
                                   for (auto f : mo.features) out.emplace_back(to_string(f));
                                   return out;
                               })
        .def_property_readonly("coefficients", [](const ranking_model& mo) { return mo.coefficients; })
        .def_property_readonly("intercept", [](const ranking_model& mo) { return mo.intercept; })
        .def_property_readonly("mean", [](const ranking_model& mo) { return mo.mean; })
        .def_property_readonly("scale", [](const ranking_model& mo) { return mo.scale; })
        .def_property_readonly("half_life_days", [](const ranking_model& mo) { return mo.half_life_days; })
        .def_property_readonly("training", [](const ranking_model& mo) {
            const auto& t = mo.training;
            return py::dict("split_at"_a = t.split_at, "window_start"_a = t.window_start,
                            "horizon_days"_a = t.horizon_days, "l2"_a = t.l2, "negatives"_a = t.negatives,
                            "seed"_a = t.seed, "members"_a = t.members, "active_members"_a = t.active_members,
                            "samples"_a = t.samples, "positives"_a = t.positives, "iterations"_a = t.iterations,
                            "converged"_a = t.converged, "log_likelihood"_a = t.log_likelihood);
        });

    py::class_<scorer_handle>(m, "RankingScorer")
        .def(py::init([](const community_ptr& c, const ranking_model& model, const py::object& as_of,
                         const py::object& content) {
                 ranking_context ctx;
                 if (!as_of.is_none()) ctx.as_of = as_of.cast<double>();
                 if (!content.is_none())
                     ctx.threads = std::make_shared<content_threads>(*c, *content.cast<content_ptr>());
                 return scorer_handle{c, std::make_shared<ranking_scorer>(*c, model, ctx)};
             }),
             py::arg("community"), py::arg("model"), py::arg("as_of"), py::arg("content"))
        .def_property_readonly("as_of", [](const scorer_handle& h) { return h.s->as_of(); })
        .def("features", [](const scorer_handle& h, const std::string& member, const std::string& peer) {
            const ranking_features x = h.s->features(h.c->index_of(member), h.c->index_of(peer));
            py::dict d;
            for (std::size_t k = 0; k < ranking_feature_count; ++k)
                d[py::str(to_string(static_cast<ranking_feature>(k)))] = x[k];
            return d;
        });

    m.def(
        "fit_ranking",
        [](const history_ptr& h, double split_at, double horizon_days, double half_life_days, std::size_t negatives,
           double l2, std::uint64_t seed, const py::object& min_satisfaction, unsigned threads, int max_iterations,
           double tolerance, bool design_only) -> py::tuple {
            const fit_options o = options_of(split_at, horizon_days, half_life_days, negatives, l2, seed,
                                             min_satisfaction, threads, max_iterations, tolerance);
            if (design_only) {
                ranking_design d;
                {
                    py::gil_scoped_release release;
                    d = build_ranking_design(*h, o);
                }
                return py::make_tuple(py::none(), design_columns(d));
            }
            ranking_fit f;
            {
                py::gil_scoped_release release;
                f = fit_ranking(*h, o);
            }
            return py::make_tuple(py::cast(f.model), design_columns(f.design));
        },
        py::arg("history"), py::arg("split_at"), py::arg("horizon_days"), py::arg("half_life_days"),
        py::arg("negatives"), py::arg("l2"), py::arg("seed"), py::arg("min_satisfaction"), py::arg("threads"),
        py::arg("max_iterations"), py::arg("tolerance"), py::arg("design_only"));
}

/// The scorer of a RankingScorer object, or null for None.
std::shared_ptr<const ranking_scorer> scorer_of(const py::object& o) {
    if (o.is_none()) return nullptr;
    return o.cast<const scorer_handle&>().s;
}

}  // namespace engage_right::python
