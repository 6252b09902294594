#include "bindings.hpp"

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <fmt/format.h>

#include <cmath>

namespace engage_right::python {

using namespace pybind11::literals;
namespace {

template <class T>
std::vector<T> vector_of(const py::object& o, const char* name) {
    auto a = py::array_t<T, py::array::c_style | py::array::forcecast>::ensure(o);
    if (!a || a.ndim() != 1) throw config_error(fmt::format("{} must be a one-dimensional array", name));
    return std::vector<T>(a.data(), a.data() + a.shape(0));
}

std::vector<std::pair<member_index, member_index>> id_pairs(const community& c, const py::object& members,
                                                            const py::object& peers, const char* what) {
    const auto a = members.cast<std::vector<std::string>>();
    const auto b = peers.cast<std::vector<std::string>>();
    if (a.size() != b.size()) throw config_error(fmt::format("{}: member and peer columns differ in length", what));
    std::vector<std::pair<member_index, member_index>> out;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const auto u = c.find(a[i]), v = c.find(b[i]);
        if (!u || !v) throw config_error(fmt::format("{} row {}: unknown member id '{}'", what, i, !u ? a[i] : b[i]));
        out.emplace_back(*u, *v);
    }
    return out;
}

}  // namespace

void bind_match(py::module_& m) {
    m.def(
        "solve_matching",
        [](std::size_t rows, const py::object& capacity, const py::object& arc_row, const py::object& arc_col,
           const py::object& arc_value, std::uint32_t row_demand, const std::string& method, double spread) {
            bipartite_problem p;
            p.rows = rows;
            p.capacity = vector_of<std::uint32_t>(capacity, "capacity");
            p.row_demand = row_demand;
            p.spread = spread;
            const auto r = vector_of<std::uint32_t>(arc_row, "arc rows");
            const auto c = vector_of<std::uint32_t>(arc_col, "arc columns");
            const auto v = vector_of<double>(arc_value, "arc values");
            if (r.size() != c.size() || r.size() != v.size()) throw config_error("arc arrays differ in length");
            p.arcs.reserve(r.size());
            for (std::size_t i = 0; i < r.size(); ++i) p.arcs.push_back({r[i], c[i], v[i]});
            const match_method how = parse_match_method(method);
            std::vector<std::size_t> chosen;
            {
                py::gil_scoped_release release;
                chosen = how == match_method::optimal  ? solve_optimal(p)
                         : how == match_method::stable ? solve_stable(p)
                                                       : solve_greedy(p);
            }
            py::array_t<std::int64_t> out(static_cast<py::ssize_t>(chosen.size()));
            auto o = out.mutable_unchecked<1>();
            for (std::size_t i = 0; i < chosen.size(); ++i)
                o(static_cast<py::ssize_t>(i)) = static_cast<std::int64_t>(chosen[i]);
            return out;
        },
        py::arg("rows"), py::arg("capacity"), py::arg("arc_row"), py::arg("arc_col"), py::arg("arc_value"),
        py::arg("row_demand"), py::arg("method"), py::arg("spread"));

    m.def(
        "solve_matching_dense",
        [](const py::object& values, const py::object& capacity, std::uint32_t row_demand, double spread) {
            auto a = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(values);
            if (!a || a.ndim() != 2) throw config_error("values must be a two-dimensional array");
            const auto rows = static_cast<std::size_t>(a.shape(0)), cols = static_cast<std::size_t>(a.shape(1));
            const auto cap = vector_of<std::uint32_t>(capacity, "capacity");
            if (cap.size() != cols)
                throw config_error(fmt::format("capacity: expected {} entries, got {}", cols, cap.size()));
            std::vector<std::pair<std::uint32_t, std::uint32_t>> chosen;
            {
                py::gil_scoped_release release;
                chosen =
                    solve_optimal_dense(std::span<const double>(a.data(), rows * cols), rows, cap, row_demand, spread);
            }
            py::array_t<std::int64_t> r(static_cast<py::ssize_t>(chosen.size())),
                c(static_cast<py::ssize_t>(chosen.size()));
            auto ro = r.mutable_unchecked<1>();
            auto co = c.mutable_unchecked<1>();
            for (std::size_t i = 0; i < chosen.size(); ++i) {
                ro(static_cast<py::ssize_t>(i)) = chosen[i].first;
                co(static_cast<py::ssize_t>(i)) = chosen[i].second;
            }
            return py::make_tuple(r, c);
        },
        py::arg("values"), py::arg("capacity"), py::arg("row_demand"), py::arg("spread"));

    m.def(
        "match",
        [](const community_ptr& c, std::size_t per_member, const std::string& method, std::size_t candidates,
           const py::object& weights, const py::object& min_satisfaction, bool allow_existing, unsigned threads,
           const py::object& history_member, const py::object& history_peer, const py::object& history_time,
           double cooldown_days, double continuity_bonus, const py::object& as_of, const py::object& blocked_member,
           const py::object& blocked_peer, double spread, bool reasons, const py::object& history_file,
           const py::object& blocked_file, const gap_pair& gap, const py::object& model) {
            match_options o;
            o.scoring = make_options(*c, 1, weights, min_satisfaction, allow_existing, threads, gap);
            o.scoring.model = scorer_of(model);
            o.method = parse_match_method(method);
            o.per_member = per_member;
            o.candidates = candidates;
            o.cooldown_days = cooldown_days;
            o.continuity_bonus = continuity_bonus;
            o.as_of = optional_of<double>(as_of);
            o.spread = spread;
            o.reasons = reasons;
            if (!history_member.is_none()) {
                const auto pairs = id_pairs(*c, history_member, history_peer, "history");
                const auto times = vector_of<double>(history_time, "history timestamps");
                if (times.size() != pairs.size()) throw config_error("history: timestamp column has the wrong length");
                for (std::size_t i = 0; i < pairs.size(); ++i) {
                    if (!std::isfinite(times[i]))
                        throw config_error(fmt::format("history row {}: timestamp is missing or not finite", i));
                    o.history.member.push_back(pairs[i].first);
                    o.history.peer.push_back(pairs[i].second);
                    o.history.timestamp.push_back(times[i]);
                }
            }
            if (!blocked_member.is_none()) {
                const auto pairs = id_pairs(*c, blocked_member, blocked_peer, "blocked");
                o.scoring.blocked.insert(o.scoring.blocked.end(), pairs.begin(), pairs.end());
            }
            // Files go through the library's readers, as in the CLI, so errors
            // name file, line and column.
            if (!history_file.is_none()) {
                const auto path = history_file.cast<std::string>();
                py::gil_scoped_release release;
                o.history = read_pairs(path, *c);
            }
            if (!blocked_file.is_none()) {
                const auto path = blocked_file.cast<std::string>();
                py::gil_scoped_release release;
                const auto pairs = read_blocked(path, *c);
                o.scoring.blocked.insert(o.scoring.blocked.end(), pairs.begin(), pairs.end());
            }
            match_result r;
            {
                py::gil_scoped_release release;
                r = engage_right::match(*c, o);
            }
            const auto& j = c->journey();
            py::list member, member_stage, peer, peer_stage, chan, reason;
            py::list score, seat, value;
            for (const auto& p : r.pairs) {
                member.append(c->id(p.member));
                member_stage.append(j.stage_name(c->stage(p.member)));
                peer.append(c->id(p.peer));
                peer_stage.append(j.stage_name(c->stage(p.peer)));
                score.append(p.score);
                chan.append(to_string(p.medium));
                reason.append(p.reason);
                value.append(p.value);
                seat.append(p.seat);
            }
            py::list u_member, u_stage, u_matched, u_reason;
            for (const auto& u : r.unmatched) {
                u_member.append(c->id(u.member));
                u_stage.append(j.stage_name(c->stage(u.member)));
                u_matched.append(u.matched);
                u_reason.append(to_string(u.reason));
            }
            py::dict pairs =
                named_columns(columns::match, {member, member_stage, peer, peer_stage, score, chan, reason});
            pairs["value"] = value;
            pairs["seat"] = seat;
            return py::dict("pairs"_a = pairs,
                            "unmatched"_a = named_columns(columns::unmatched, {u_member, u_stage, u_matched, u_reason}),
                            "total_score"_a = r.total_score, "total_value"_a = r.total_value,
                            "candidate_pairs"_a = r.candidate_pairs, "excluded_by_cooldown"_a = r.excluded_by_cooldown);
        },
        py::arg("community"), py::arg("per_member"), py::arg("method"), py::arg("candidates"), py::arg("weights"),
        py::arg("min_satisfaction"), py::arg("allow_existing"), py::arg("threads"), py::arg("history_member"),
        py::arg("history_peer"), py::arg("history_time"), py::arg("cooldown_days"), py::arg("continuity_bonus"),
        py::arg("as_of"), py::arg("blocked_member"), py::arg("blocked_peer"), py::arg("spread"), py::arg("reasons"),
        py::arg("history_file") = py::none(), py::arg("blocked_file") = py::none(),
        py::arg("stage_gap") = gap_pair{1, 1}, py::arg("model") = py::none());
}

}  // namespace engage_right::python
