// The importers (adapters.hpp): Stack Exchange dumps and thread exports. The
// facade (engage_right/datasets.py) turns DataFrames into the columns taken
// here and the result's tables into DataFrames.
#include "bindings.hpp"

#include <engage_right/adapters.hpp>

#include <pybind11/functional.h>
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <iostream>
#include <memory>

namespace engage_right::python {
namespace {

using result_ptr = std::shared_ptr<imported_community>;

import_options options_of(const py::object& as_of, const py::object& stages, const py::object& j, std::size_t top_tags,
                          bool progress) {
    import_options o;
    o.as_of = optional_of<double>(as_of);
    if (!j.is_none()) o.base = j.cast<journey>();
    if (!stages.is_none()) o.stages = parse_stage_mapping(stages.cast<std::string>(), o.base);
    o.top_tags = top_tags;
    if (progress)
        o.progress = [](const std::string& line) {
            py::gil_scoped_acquire gil;
            py::module_::import("sys").attr("stderr").attr("write")("engage_right: " + line + "\n");
        };
    return o;
}

/// A table as {column: values}: text -> list of str, integer -> int64 array
/// plus a mask of empty cells, coded text -> the codes, the mask and the
/// labels, real -> float64 (NaN empty), time -> int64 milliseconds plus the
/// mask. Types travel in a second dict.
py::tuple table_columns(const import_table& t) {
    py::dict values, kinds;
    for (const auto& c : t.columns) {
        const py::str name(c.name);
        switch (c.type) {
            case import_column::kind::text:
                values[name] = py::cast(c.text);
                kinds[name] = "text";
                break;
            case import_column::kind::real: {
                py::array_t<double> a(static_cast<py::ssize_t>(c.real.size()));
                std::copy(c.real.begin(), c.real.end(), a.mutable_data());
                values[name] = a;
                kinds[name] = "real";
                break;
            }
            case import_column::kind::coded:
            case import_column::kind::integer:
            case import_column::kind::time: {
                const auto n = static_cast<py::ssize_t>(c.integer.size());
                py::array_t<std::int64_t> a(n);
                py::array_t<bool> missing(n);
                auto* pa = a.mutable_data();
                auto* pm = missing.mutable_data();
                for (py::ssize_t i = 0; i < n; ++i) {
                    pm[i] = c.integer[static_cast<std::size_t>(i)] == import_column::missing_integer;
                    pa[i] = pm[i] ? 0 : c.integer[static_cast<std::size_t>(i)];
                }
                if (c.type == import_column::kind::coded) {
                    values[name] = py::make_tuple(a, missing, py::cast(c.labels));
                    kinds[name] = "coded";
                } else {
                    values[name] = py::make_tuple(a, missing);
                    kinds[name] = c.type == import_column::kind::time ? "time" : "integer";
                }
                break;
            }
        }
    }
    return py::make_tuple(values, kinds);
}

std::vector<std::string> opt_strings(const py::object& o) { return o.cast<std::vector<std::string>>(); }

}  // namespace

void bind_import(py::module_& m) {
    py::class_<imported_community, result_ptr>(m, "ImportedCommunity")
        .def(
            "table",
            [](const imported_community& c, const std::string& name) {
                for (const import_table* t : c.tables())
                    if (t->name == name) return table_columns(*t);
                throw not_found_error("no table '" + name + "'");
            },
            py::arg("name"))
        .def_property_readonly("journey", [](const imported_community& c) { return c.journey; })
        .def_property_readonly("warnings", [](const imported_community& c) { return c.warnings; })
        .def_property_readonly("counts", [](const imported_community& c) { return c.counts; })
        .def(
            "write",
            [](const imported_community& c, const std::string& folder) {
                py::gil_scoped_release release;
                write_imported(c, folder);
            },
            py::arg("folder"));

    m.def(
        "import_stackexchange",
        [](const std::string& dump, const py::object& as_of, const py::object& stages, const py::object& j,
           std::size_t top_tags, bool progress) {
            const import_options o = options_of(as_of, stages, j, top_tags, progress);
            py::gil_scoped_release release;
            return std::make_shared<imported_community>(import_stackexchange(dump, o));
        },
        py::arg("dump"), py::arg("as_of") = py::none(), py::arg("stages") = py::none(), py::arg("journey") = py::none(),
        py::arg("top_tags") = 3, py::arg("progress") = false);

    m.def(
        "import_threads_files",
        [](const std::string& posts, const py::object& members, const py::object& as_of, const py::object& stages,
           const py::object& j, std::size_t top_tags, bool progress) {
            const import_options o = options_of(as_of, stages, j, top_tags, progress);
            std::optional<std::filesystem::path> mp;
            if (!members.is_none()) mp = members.cast<std::string>();
            py::gil_scoped_release release;
            return std::make_shared<imported_community>(import_threads(posts, mp, o));
        },
        py::arg("posts"), py::arg("members") = py::none(), py::arg("as_of") = py::none(),
        py::arg("stages") = py::none(), py::arg("journey") = py::none(), py::arg("top_tags") = 3,
        py::arg("progress") = false);

    m.def(
        "import_threads",
        [](std::vector<std::string> post_id, std::vector<std::string> author, const py::object& parent_id,
           const py::object& thread_id, const py::object& created, const py::object& tags, const py::object& score,
           const py::object& members, const py::object& as_of, const py::object& stages, const py::object& j,
           std::size_t top_tags, bool progress) {
            thread_columns c;
            c.post_id = std::move(post_id);
            c.author = std::move(author);
            if (!parent_id.is_none()) c.parent_id = opt_strings(parent_id);
            if (!thread_id.is_none()) c.thread_id = opt_strings(thread_id);
            c.created = to_data_column(created, "created");
            if (!tags.is_none()) c.tags = opt_strings(tags);
            c.score = to_data_column(score, "score");
            std::optional<thread_member_columns> mc;
            if (!members.is_none()) {
                const auto d = members.cast<py::dict>();
                mc.emplace();
                mc->id = d["id"].cast<std::vector<std::string>>();
                if (d.contains("created")) mc->created = to_data_column(d["created"], "created");
                if (d.contains("reputation")) mc->reputation = to_data_column(d["reputation"], "reputation");
            }
            const import_options o = options_of(as_of, stages, j, top_tags, progress);
            py::gil_scoped_release release;
            return std::make_shared<imported_community>(import_threads(c, mc ? &*mc : nullptr, o));
        },
        py::arg("post_id"), py::arg("author"), py::arg("parent_id"), py::arg("thread_id"), py::arg("created"),
        py::arg("tags"), py::arg("score"), py::arg("members") = py::none(), py::arg("as_of") = py::none(),
        py::arg("stages") = py::none(), py::arg("journey") = py::none(), py::arg("top_tags") = 3,
        py::arg("progress") = false);

    m.def(
        "parse_stage_mapping",
        [](const std::string& spec, const journey& j) {
            (void)parse_stage_mapping(spec, j);  // raises ValueError when malformed
        },
        py::arg("spec"), py::arg("journey"));
}

}  // namespace engage_right::python
