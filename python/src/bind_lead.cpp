// Lead scoring, stage inference, stage history, NPS and the funnel
// (lead_scoring.hpp, stats.hpp). The facade (engage_right/__init__.py) turns
// DataFrames into the column arrays these functions take and their results
// into DataFrames.
#include "bindings.hpp"

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <fmt/format.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace engage_right::python {
namespace {

constexpr double nan_v = std::numeric_limits<double>::quiet_NaN();

/// A member table for lead scoring with an index of its ids. Held through a
/// shared_ptr so that the index (which points into `table.id`) never moves.
struct lead_members {
    member_table table;
    std::unordered_map<std::string_view, std::uint32_t> index;  // into table.id; readers reject duplicates

    void build_index() {
        index.clear();
        index.reserve(table.id.size());
        for (std::size_t i = 0; i < table.id.size(); ++i) index.emplace(table.id[i], static_cast<std::uint32_t>(i));
    }
};
using lead_members_ptr = std::shared_ptr<lead_members>;
using events_ptr = std::shared_ptr<event_table>;

template <class T>
py::array_t<T> to_array(const std::vector<T>& v) {
    py::array_t<T> out(static_cast<py::ssize_t>(v.size()));
    if (!v.empty()) std::copy(v.begin(), v.end(), out.mutable_data());
    return out;
}

template <class T>
using in_array = py::array_t<T, py::array::c_style | py::array::forcecast>;

/// The event table from the facade's columns: member rows (into `members`),
/// action codes (into `names`), unix seconds and values (a float array with
/// NaN = empty, a list of text cells, or None: no value column). `origin` (optional) maps each row to its row in the
/// caller's frame, for error messages.
events_ptr events_from_columns(const lead_members& members, const journey& j, const in_array<std::uint32_t>& rows,
                               const in_array<std::uint32_t>& actions, const std::vector<std::string>& names,
                               const in_array<double>& timestamps, const py::object& values, std::size_t skipped,
                               const py::object& origin) {
    // Values: numbers (NaN = empty), text cells (the events.csv rule), or None.
    std::optional<in_array<double>> vals;
    std::optional<std::vector<std::string>> texts;
    if (py::isinstance<py::list>(values)) texts = values.cast<std::vector<std::string>>();
    else if (!values.is_none()) vals = values.cast<in_array<double>>();
    std::optional<in_array<std::int64_t>> where;
    if (!origin.is_none()) where = origin.cast<in_array<std::int64_t>>();
    auto span_of = [](const auto& a) { return std::span(a.data(), static_cast<std::size_t>(a.size())); };
    event_columns c;
    c.member = span_of(rows);
    c.action = span_of(actions);
    c.action_names = names;
    c.timestamp = span_of(timestamps);
    if (vals) c.value = span_of(*vals);
    if (texts) c.value_text = std::span<const std::string>(*texts);
    if (where) c.origin = span_of(*where);
    c.skipped = skipped;
    py::gil_scoped_release release;
    return std::make_shared<event_table>(build_events(c, members.table.size(), j));
}

lead_options make_lead_options(const std::optional<double>& as_of, unsigned threads) {
    lead_options o;
    o.as_of = as_of;
    o.threads = threads;
    return o;
}

/// Findings as result columns (columns::check); stages by name, None when absent.
py::dict finding_columns(const journey& j, const std::vector<finding>& findings) {
    py::list kind, subject, stage, reachable, count, message;
    auto stage_of = [&](const std::optional<stage_index>& s) {
        return s ? py::object(py::str(j.stage_name(*s))) : py::object(py::none());
    };
    for (const auto& f : findings) {
        kind.append(to_string(f.kind));
        subject.append(f.subject);
        stage.append(stage_of(f.stage));
        reachable.append(stage_of(f.reachable));
        count.append(f.count);
        message.append(f.message);
    }
    py::dict d = named_columns(columns::check, {kind, subject, stage, reachable, count, message});
    d["summary"] = finding_summary(j, findings);
    return d;
}

/// Timestamps of an object array or sequence: (unix seconds, status) with
/// status 0 parsed, 1 missing (None, NaN, blank text), 2 malformed text,
/// 3 not text (the facade handles numbers and datetimes itself).
py::tuple parse_timestamps(const py::array& values) {
    if (values.ndim() != 1 || values.dtype().kind() != 'O')
        throw config_error("parse_timestamps: expected a 1-d object array");
    auto arr = py::array::ensure(values, py::array::c_style);
    const auto n = arr.shape(0);
    py::array_t<double> out(n);
    py::array_t<std::uint8_t> status(n);
    double* o = out.mutable_data();
    std::uint8_t* st = status.mutable_data();
    auto* const* items = static_cast<PyObject* const*>(arr.data());
    for (py::ssize_t i = 0; i < n; ++i) {
        PyObject* x = items[i];
        o[i] = nan_v;
        st[i] = 3;
        if (x == nullptr || x == Py_None) {
            st[i] = 1;
        } else if (PyUnicode_Check(x)) {
            Py_ssize_t size = 0;
            const char* text = PyUnicode_AsUTF8AndSize(x, &size);
            if (!text) throw py::error_already_set();
            const std::string_view sv(text, static_cast<std::size_t>(size));
            if (is_blank(sv)) {
                st[i] = 1;
            } else if (auto t = engage_right::parse_timestamp(sv)) {
                o[i] = *t;
                st[i] = 0;
            } else {
                st[i] = 2;
            }
        } else if (PyFloat_Check(x) && std::isnan(PyFloat_AS_DOUBLE(x))) {
            st[i] = 1;
        }
    }
    return py::make_tuple(out, status);
}

}  // namespace

void bind_lead(py::module_& m) {
    py::class_<lead_members, lead_members_ptr>(m, "MemberTable")
        .def_static(
            "read_csv",
            [](const std::string& path, const journey& j) {
                auto out = std::make_shared<lead_members>();
                {
                    py::gil_scoped_release release;
                    out->table = read_members(path, j, lead_read_options(j));
                    out->build_index();
                }
                return out;
            },
            py::arg("path"), py::arg("journey"), "members.csv read as for lead scoring (lead_read_options).")
        .def_static(
            "_from_columns",
            [](const journey& j, const py::tuple& members, const py::object& extra) {
                auto out = std::make_shared<lead_members>();
                out->table = members_from_cells(j, members, lead_read_options(j), extra);
                out->build_index();
                return out;
            },
            py::arg("journey"), py::arg("members"), py::arg("extra"))
        .def_static(
            "read_event_members",
            [](const std::string& path) {
                auto out = std::make_shared<lead_members>();
                {
                    py::gil_scoped_release release;
                    out->table = engage_right::read_event_members(path);
                    out->build_index();
                }
                return out;
            },
            py::arg("path"), "The members events.csv names (ids only), in order of first appearance.")
        .def_static(
            "_from_ids",
            [](const journey& j, const std::vector<std::string>& ids) {
                // Ids only (no stage, no attributes), through the members rules.
                member_read_options o;
                o.stage_optional = true;
                auto out = std::make_shared<lead_members>();
                out->table = members_from_columns(j, ids, py::none(), o, py::none(), py::none(), py::none(), py::none(),
                                                  py::none(), py::none(), py::none());
                out->build_index();
                return out;
            },
            py::arg("journey"), py::arg("ids"))
        .def("__len__", [](const lead_members& t) { return t.table.size(); })
        .def("_ids",
             [](const lead_members& t) {
                 py::list out(t.table.size());
                 for (std::size_t i = 0; i < t.table.size(); ++i) out[i] = py::str(t.table.id[i]);
                 return out;
             })
        .def(
            "_rows_of",
            [](const lead_members& t, const py::list& ids) {
                // Row of every id (-1 when unknown), through the C++ id index.
                const auto n = static_cast<py::ssize_t>(ids.size());
                py::array_t<std::int64_t> out(n);
                auto* o = out.mutable_data();
                for (py::ssize_t i = 0; i < n; ++i) {
                    PyObject* x = PyList_GET_ITEM(ids.ptr(), i);
                    if (!PyUnicode_Check(x)) throw py::type_error("member ids must be str");
                    Py_ssize_t size = 0;
                    const char* text = PyUnicode_AsUTF8AndSize(x, &size);
                    if (!text) throw py::error_already_set();
                    const auto row = t.index.find(std::string_view(text, static_cast<std::size_t>(size)));
                    o[i] = row != t.index.end() ? static_cast<std::int64_t>(row->second) : -1;
                }
                return out;
            },
            py::arg("ids"))
        .def("_recorded_stage", [](const lead_members& t) {
            // Stage index per row, -1 where the stage was not given.
            const auto& tb = t.table;
            py::array_t<std::int16_t> out(static_cast<py::ssize_t>(tb.size()));
            auto* o = out.mutable_data();
            for (std::size_t i = 0; i < tb.size(); ++i)
                o[i] = (tb.stage_known.empty() || tb.stage_known[i]) ? static_cast<std::int16_t>(tb.stage[i])
                                                                     : std::int16_t{-1};
            return out;
        });

    py::class_<event_table, events_ptr>(m, "EventTable")
        .def_static(
            "read_csv",
            [](const std::string& path, const lead_members_ptr& members, const journey& j, bool skip_unknown) {
                event_read_options o;
                o.skip_unknown_members = skip_unknown;
                auto out = std::make_shared<event_table>();
                {
                    py::gil_scoped_release release;
                    *out = read_events(path, members->table, j, o);
                }
                return out;
            },
            py::arg("path"), py::arg("members"), py::arg("journey"), py::arg("skip_unknown_members"))
        .def_static(
            "_from_columns",
            [](const lead_members_ptr& members, const journey& j, const in_array<std::uint32_t>& rows,
               const in_array<std::uint32_t>& actions, const std::vector<std::string>& names,
               const in_array<double>& timestamps, const py::object& values, std::size_t skipped,
               const py::object& origin) {
                return events_from_columns(*members, j, rows, actions, names, timestamps, values, skipped, origin);
            },
            py::arg("members"), py::arg("journey"), py::arg("rows"), py::arg("actions"), py::arg("names"),
            py::arg("timestamps"), py::arg("values"), py::arg("skipped"), py::arg("origin"))
        .def("__len__", &event_table::size)
        .def_property_readonly("skipped_unknown_members",
                               [](const event_table& t) { return t.skipped_unknown_members; })
        .def_property_readonly("action_names", [](const event_table& t) { return t.action_names; });

    m.def(
        "lead_columns",
        [](const journey& j) {
            const member_read_options o = lead_read_options(j);
            py::list per_value;
            for (const auto& [name, pts] : j.lead_scoring().actions)
                if (pts.per_value) per_value.append(py::str(name));
            py::dict d;
            d["text_columns"] = o.text_columns;
            d["numeric_columns"] = o.numeric_columns;
            d["needed_by"] = o.needed_by;
            d["per_value"] = per_value;
            return d;
        },
        py::arg("journey"),
        "Members columns the journey's fit rules read as text (and those of them that must be numbers), and the "
        "actions scored per value.");

    m.def(
        "check_inference",
        [](const journey& j) {
            // Runs the library's own checks of the stage rules on empty tables.
            member_table none;
            for (const auto& name : lead_read_options(j).text_columns) none.extra.push_back({name, {}});
            (void)infer_stages(none, event_table{}, j);
        },
        py::arg("journey"), "Raise ValueError when the journey cannot infer stages (a stage without a rule).");

    m.def(
        "check_journey",
        [](const journey& j, const std::optional<lead_members_ptr>& members, const std::optional<events_ptr>& events,
           const std::optional<double>& as_of, unsigned threads, bool member_attributes) {
            check_options o;
            o.lead = make_lead_options(as_of, threads);
            o.member_attributes = member_attributes;
            std::vector<finding> findings;
            {
                py::gil_scoped_release release;
                findings = engage_right::check_journey(j, members ? &(*members)->table : nullptr,
                                                       events ? events->get() : nullptr, o);
            }
            return finding_columns(j, findings);
        },
        py::arg("journey"), py::arg("members"), py::arg("events"), py::arg("as_of"), py::arg("threads"),
        py::arg("member_attributes"));

    m.def(
        "lead_scores",
        [](const lead_members_ptr& members, const events_ptr& events, const journey& j,
           const std::optional<double>& as_of, unsigned threads) {
            const lead_options o = make_lead_options(as_of, threads);
            lead_scores_result r;
            {
                py::gil_scoped_release release;
                r = engage_right::lead_scores(members->table, *events, j, o);
            }
            const auto n = static_cast<py::ssize_t>(r.scores.size());
            py::array_t<double> fit(n), eng(n), total(n);
            auto* f = fit.mutable_data();
            auto* e = eng.mutable_data();
            auto* t = total.mutable_data();
            for (py::ssize_t i = 0; i < n; ++i) {
                const auto& s = r.scores[static_cast<std::size_t>(i)];
                f[i] = s.fit;
                e[i] = s.engagement;
                t[i] = s.total;
            }
            py::dict d;
            d["fit"] = fit;
            d["engagement"] = eng;
            d["total"] = total;
            d["as_of"] = r.as_of;
            return d;
        },
        py::arg("members"), py::arg("events"), py::arg("journey"), py::arg("as_of"), py::arg("threads"));

    m.def(
        "infer_stages",
        [](const lead_members_ptr& members, const events_ptr& events, const journey& j,
           const std::optional<double>& as_of, unsigned threads, bool details, bool check) {
            const lead_options o = make_lead_options(as_of, threads);
            stage_inference inf;
            std::vector<stage_entry> history;
            std::vector<std::string> checklists;          // per member, when details
            std::vector<std::vector<std::string>> unmet;  // per member, when details
            std::vector<finding> findings;                // when check
            {
                py::gil_scoped_release release;
                inf = engage_right::infer_stages(members->table, *events, j, o);
                history = engage_right::stage_history(inf);
                if (check) {
                    check_options co;
                    co.lead = o;
                    co.inference = &inf;  // the same tables and options: no second inference
                    findings = engage_right::check_journey(j, &members->table, events.get(), co);
                }
                if (details) {
                    checklists.resize(inf.size());
                    unmet.resize(inf.size());
                    for (std::size_t i = 0; i < inf.size(); ++i) {
                        const auto items = next_milestone(inf, j, i);
                        checklists[i] = checklist_text(items);
                        for (const auto& item : items)
                            if (!item.met) unmet[i].push_back(item.text());
                    }
                }
            }
            py::dict d;
            d["as_of"] = inf.as_of;
            const auto n = static_cast<py::ssize_t>(inf.size());
            py::array_t<double> fit(n), eng(n), total(n);
            py::array_t<std::int16_t> stage(n);
            for (py::ssize_t i = 0; i < n; ++i) {
                const auto row = static_cast<std::size_t>(i);
                fit.mutable_data()[i] = inf.scores[row].fit;
                eng.mutable_data()[i] = inf.scores[row].engagement;
                total.mutable_data()[i] = inf.scores[row].total;
                stage.mutable_data()[i] = static_cast<std::int16_t>(inf.stage[row]);
            }
            d["fit"] = fit;
            d["engagement"] = eng;
            d["total"] = total;
            d["stage"] = stage;
            if (details) {
                py::list next(n), missing(n);
                for (py::ssize_t i = 0; i < n; ++i) {
                    const auto row = static_cast<std::size_t>(i);
                    py::list items(unmet[row].size());
                    for (std::size_t k = 0; k < unmet[row].size(); ++k) items[k] = py::str(unmet[row][k]);
                    next[i] = py::str(checklists[row]);
                    missing[i] = std::move(items);
                }
                d["next_milestone"] = next;
                d["missing"] = missing;
            }
            const auto h = static_cast<py::ssize_t>(history.size());
            py::array_t<std::uint32_t> hm(h);
            py::array_t<std::int16_t> hs(h);
            py::array_t<double> ht(h);
            for (py::ssize_t k = 0; k < h; ++k) {
                const auto& e = history[static_cast<std::size_t>(k)];
                hm.mutable_data()[k] = e.member;
                hs.mutable_data()[k] = static_cast<std::int16_t>(e.stage);
                ht.mutable_data()[k] = e.timestamp;
            }
            d["history_member"] = hm;
            d["history_stage"] = hs;
            d["history_timestamp"] = ht;
            if (check) d["findings"] = finding_columns(j, findings);
            return d;
        },
        py::arg("members"), py::arg("events"), py::arg("journey"), py::arg("as_of"), py::arg("threads"),
        py::arg("details"), py::arg("check") = false);

    m.def(
        "write_stages_csv",
        [](const std::string& path, const std::vector<std::string>& members, const std::vector<std::string>& stages,
           const in_array<double>& seconds) {
            // The same bytes as the CLI's `infer-stages --history-out`.
            const std::span<const double> t(seconds.data(), static_cast<std::size_t>(seconds.size()));
            py::gil_scoped_release release;
            write_stage_history(std::filesystem::path(path), members, stages, t);
        },
        py::arg("path"), py::arg("members"), py::arg("stages"), py::arg("seconds"));

    m.def("format_timestamp", &engage_right::format_timestamp, py::arg("seconds"),
          "ISO-8601 UTC text of unix seconds (milliseconds when not a whole second), as in stages.csv.");

    m.def("parse_timestamps", &parse_timestamps, py::arg("values"),
          "Parse a 1-d object array of timestamps: (unix seconds, status) with status 0 ok, 1 missing, 2 malformed, "
          "3 not text.");

    m.def(
        "_nps_columns",
        [](const journey& j, const py::object& satisfaction, const py::object& stages, std::size_t rows) -> py::tuple {
            // The members rules (build_members) on a satisfaction column and,
            // when given, a stage column: (satisfaction int8 with -1 for
            // empty, stage index int64 or None).
            std::vector<std::string> ids(rows);
            for (std::size_t i = 0; i < rows; ++i) ids[i] = std::to_string(i);
            member_read_options o;
            o.stage_optional = stages.is_none();
            const member_table t = members_from_columns(j, ids, stages, o, satisfaction, py::none(), py::none(),
                                                        py::none(), py::none(), py::none(), py::none());
            py::array_t<std::int8_t> sat(static_cast<py::ssize_t>(rows));
            std::copy(t.satisfaction.begin(), t.satisfaction.end(), sat.mutable_data());
            if (stages.is_none()) return py::make_tuple(sat, py::none());
            py::array_t<std::int64_t> stage(static_cast<py::ssize_t>(rows));
            std::copy(t.stage.begin(), t.stage.end(), stage.mutable_data());
            return py::make_tuple(sat, stage);
        },
        py::arg("journey"), py::arg("satisfaction"), py::arg("stages"), py::arg("rows"));

    m.def(
        "nps_groups",
        [](const in_array<std::int8_t>& satisfaction, const py::object& groups, std::size_t group_count) {
            // NPS counts per group and over all: rows 0..group_count-1, then "all".
            const auto n = static_cast<std::size_t>(satisfaction.size());
            std::optional<in_array<std::int64_t>> g;
            if (!groups.is_none()) {
                g = groups.cast<in_array<std::int64_t>>();
                if (static_cast<std::size_t>(g->size()) != n) throw config_error("nps: groups have the wrong length");
            }
            std::vector<nps_summary> per(group_count);
            const std::int8_t* s = satisfaction.data();
            for (std::size_t i = 0; i < n; ++i)
                if (s[i] < -1 || s[i] > 10)
                    throw config_error(fmt::format("nps row {}: satisfaction {} outside 0..10", i, s[i]));
            const nps_summary all = engage_right::nps(std::span<const std::int8_t>(s, n));
            if (g) {
                const std::int64_t* gi = g->data();
                for (std::size_t i = 0; i < n; ++i) {
                    if (gi[i] < 0 || static_cast<std::size_t>(gi[i]) >= group_count)
                        throw config_error(fmt::format("nps row {}: group {} out of range", i, gi[i]));
                    per[static_cast<std::size_t>(gi[i])].add(s[i]);
                }
            }
            per.push_back(all);
            const auto rows = static_cast<py::ssize_t>(per.size());
            py::array_t<std::int64_t> counts({rows, py::ssize_t{5}});
            py::array_t<double> score(rows);
            auto c = counts.mutable_unchecked<2>();
            for (py::ssize_t r = 0; r < rows; ++r) {
                const auto& x = per[static_cast<std::size_t>(r)];
                c(r, 0) = static_cast<std::int64_t>(x.promoters);
                c(r, 1) = static_cast<std::int64_t>(x.passives);
                c(r, 2) = static_cast<std::int64_t>(x.detractors);
                c(r, 3) = static_cast<std::int64_t>(x.unknown);
                c(r, 4) = static_cast<std::int64_t>(x.responses());
                score.mutable_data()[r] = x.nps();
            }
            return py::make_tuple(counts, score);
        },
        py::arg("satisfaction"), py::arg("groups"), py::arg("group_count"));

    m.def(
        "funnel",
        [](const community_ptr& c, const std::optional<int>& min_satisfaction, bool allow_existing,
           const gap_pair& gap) {
            funnel_options o;
            o.min_satisfaction = min_satisfaction;
            o.allow_existing = allow_existing;
            o.gap = stage_gap{gap.first, gap.second};
            funnel_report r;
            {
                py::gil_scoped_release release;
                r = engage_right::funnel(*c, o);
            }
            const auto& j = c->journey();
            py::dict d;
            std::vector<std::int64_t> members, reached, promoters, passives, detractors, unknown, responses;
            std::vector<double> share, conversion, nps_value;
            for (const auto& s : r.stages) {
                members.push_back(static_cast<std::int64_t>(s.members));
                reached.push_back(static_cast<std::int64_t>(s.reached));
                share.push_back(s.share);
                conversion.push_back(s.conversion);
                promoters.push_back(static_cast<std::int64_t>(s.nps.promoters));
                passives.push_back(static_cast<std::int64_t>(s.nps.passives));
                detractors.push_back(static_cast<std::int64_t>(s.nps.detractors));
                unknown.push_back(static_cast<std::int64_t>(s.nps.unknown));
                responses.push_back(static_cast<std::int64_t>(s.nps.responses()));
                nps_value.push_back(s.nps.nps());
            }
            d["stage"] = j.stages();
            d["members"] = to_array(members);
            d["share"] = to_array(share);
            d["reached"] = to_array(reached);
            d["conversion"] = to_array(conversion);
            d["promoters"] = to_array(promoters);
            d["passives"] = to_array(passives);
            d["detractors"] = to_array(detractors);
            d["unknown"] = to_array(unknown);
            d["responses"] = to_array(responses);
            d["nps"] = to_array(nps_value);
            py::list steps;
            for (const auto& s : r.steps) {
                py::dict x;
                x["from"] = j.stage_name(s.from);
                x["to"] = j.stage_name(static_cast<stage_index>(s.from + 1));
                x["enabled"] = s.enabled;
                x["channel"] = to_string(s.medium);
                x["seekers"] = s.seekers;
                x["seekers_without_peer"] = s.seekers_without_peer;
                x["peers"] = s.peers;
                x["seats"] = s.seats;
                x["seats_per_seeker"] = s.seats_per_seeker;
                steps.append(x);
            }
            d["steps"] = steps;
            d["overall"] = py::make_tuple(r.overall.promoters, r.overall.passives, r.overall.detractors,
                                          r.overall.unknown, r.overall.responses(), r.overall.nps());
            d["bottleneck"] = r.bottleneck ? py::object(py::int_(*r.bottleneck)) : py::object(py::none());
            d["bottleneck_text"] = r.bottleneck_text(j);
            return d;
        },
        py::arg("community"), py::arg("min_satisfaction"), py::arg("allow_existing"),
        py::arg("stage_gap") = gap_pair{1, 1});
}

}  // namespace engage_right::python
