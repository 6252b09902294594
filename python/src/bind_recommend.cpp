#include "bindings.hpp"

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <fmt/format.h>

#include <unordered_map>

namespace engage_right::python {

using namespace pybind11::literals;

recommend_options make_options(const community& c, std::size_t k, const py::object& weights,
                               const py::object& min_satisfaction, bool allow_existing, unsigned threads,
                               const gap_pair& gap) {
    recommend_options o;
    o.k = k;
    o.allow_existing = allow_existing;
    o.threads = threads;
    o.gap = stage_gap{gap.first, gap.second};
    o.min_satisfaction = optional_of<int>(min_satisfaction);
    if (!weights.is_none()) {
        score_weights w = c.journey().weights();
        for (auto item : weights.cast<py::dict>())
            set_weight(w, item.first.cast<std::string>(), item.second.cast<double>());
        o.weights = w;
    }
    return o;
}

namespace {

// Results as columns; the facade makes the DataFrame.
py::dict to_columns(const community& c, const std::vector<recommendation>& recs) {
    const auto n = static_cast<py::ssize_t>(recs.size());
    py::list member(n), member_stage(n), peer(n), peer_stage(n), chan(n), reason(n);
    py::array_t<std::int64_t> rank(n);
    py::array_t<double> score(n), sim(n), tags(n), prox(n), hap(n);
    auto r = rank.mutable_unchecked<1>();
    auto s = score.mutable_unchecked<1>();
    auto s1 = sim.mutable_unchecked<1>();
    auto s2 = tags.mutable_unchecked<1>();
    auto s3 = prox.mutable_unchecked<1>();
    auto s4 = hap.mutable_unchecked<1>();
    const auto& j = c.journey();
    std::vector<py::str> stage_names;
    for (const auto& name : j.stages()) stage_names.emplace_back(name);
    const py::str priv("private"), pub("public");
    // Ids repeat (k rows per member, popular peers): one Python string each.
    std::unordered_map<member_index, py::str> ids;
    auto id_of = [&](member_index v) -> const py::str& {
        auto it = ids.find(v);
        if (it == ids.end()) it = ids.emplace(v, py::str(c.id(v))).first;
        return it->second;
    };
    for (py::ssize_t i = 0; i < n; ++i) {
        const auto& x = recs[static_cast<std::size_t>(i)];
        member[i] = id_of(x.member);
        member_stage[i] = stage_names[c.stage(x.member)];
        peer[i] = id_of(x.peer);
        peer_stage[i] = stage_names[c.stage(x.peer)];
        r(i) = x.rank;
        s(i) = x.score;
        s1(i) = x.components.similarity;
        s2(i) = x.components.tags;
        s3(i) = x.components.proximity;
        s4(i) = x.components.happiness;
        chan[i] = x.medium == channel::private_ ? priv : pub;
        reason[i] = py::str(x.reason);
    }
    return named_columns(columns::recommend,
                         {member, member_stage, peer, peer_stage, rank, score, sim, tags, prox, hap, chan, reason});
}

}  // namespace

void bind_recommend(py::module_& m) {
    m.def(
        "parse_timestamp",
        [](const std::string& text) -> py::object {
            auto v = engage_right::parse_timestamp(text);
            if (!v) return py::none();
            return py::float_(*v);
        },
        py::arg("text"), "Unix seconds from unix seconds or ISO-8601 text (the CSV reader's rules), or None.");

    m.def(
        "parse_stage_gap",
        [](const std::string& text, const journey& j) {
            const stage_gap g = engage_right::parse_stage_gap(text);
            validate_stage_gap(g, j);
            return gap_pair{g.min, g.max};
        },
        py::arg("text"), py::arg("journey"), "A stage gap MIN:MAX as (MIN, MAX), checked against the journey.");

    m.def(
        "recommend",
        [](const community_ptr& c, const py::object& members, std::size_t k, const py::object& weights,
           const py::object& min_satisfaction, bool allow_existing, unsigned threads, const gap_pair& gap,
           const py::object& model) {
            recommend_options o = make_options(*c, k, weights, min_satisfaction, allow_existing, threads, gap);
            o.model = scorer_of(model);
            std::vector<member_index> ids;
            const bool all = members.is_none();
            if (!all)
                for (const auto& id : members.cast<std::vector<std::string>>()) ids.push_back(c->index_of(id));
            std::vector<recommendation> recs;
            {
                py::gil_scoped_release release;
                const recommender rec(*c, o);
                recs = all ? rec.for_all() : rec.for_members(ids);
            }
            return to_columns(*c, recs);
        },
        py::arg("community"), py::arg("members"), py::arg("k"), py::arg("weights"), py::arg("min_satisfaction"),
        py::arg("allow_existing"), py::arg("threads"), py::arg("stage_gap") = gap_pair{1, 1},
        py::arg("model") = py::none());

    m.def(
        "explain",
        [](const community_ptr& c, const std::string& member, const std::string& peer, const py::object& weights,
           const py::object& min_satisfaction, bool allow_existing, const gap_pair& gap, const py::object& model) {
            recommend_options o = make_options(*c, 1, weights, min_satisfaction, allow_existing, 1, gap);
            o.model = scorer_of(model);
            const explanation e = engage_right::explain(*c, member, peer, o);
            const py::object chan = e.medium ? py::object(py::str(to_string(*e.medium))) : py::object(py::none());
            return py::dict("member"_a = member, "peer"_a = peer, "eligible"_a = e.verdict.eligible,
                            "failed_rule"_a = static_cast<int>(e.verdict.failed), "why"_a = e.verdict.why,
                            "score"_a = e.score, "similarity"_a = e.components.similarity, "tags"_a = e.components.tags,
                            "proximity"_a = e.components.proximity, "happiness"_a = e.components.happiness,
                            "channel"_a = chan, "shared_tags"_a = e.shared_tags,
                            "mutual_contacts"_a = e.mutual_contacts, "existing_contact"_a = e.existing_contact,
                            "reason"_a = e.sentence);
        },
        py::arg("community"), py::arg("member"), py::arg("peer"), py::arg("weights"), py::arg("min_satisfaction"),
        py::arg("allow_existing"), py::arg("stage_gap") = gap_pair{1, 1}, py::arg("model") = py::none());
}

}  // namespace engage_right::python
