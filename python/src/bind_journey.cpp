#include "bindings.hpp"

#include <pybind11/stl.h>

namespace engage_right::python {

void bind_journey(py::module_& m) {
    py::class_<journey>(m, "Journey")
        .def(py::init<>())
        .def(py::init([](std::vector<std::string> stages, std::string name) {
                 return journey(std::move(stages), std::move(name));
             }),
             py::arg("stages"), py::arg("name") = "custom")
        .def_static("preset", &journey::preset, py::arg("name"))
        .def_static("presets", &journey::preset_names)
        .def_static("_from_json_text", &journey::from_json, py::arg("text"), py::arg("source") = "<journey>")
        .def_static(
            "_load", [](const std::string& path) { return journey::load(path); }, py::arg("path"))
        .def("to_json", &journey::to_json)
        .def(
            "save", [](const journey& j, const std::string& path) { j.save(path); }, py::arg("path"))
        .def_property_readonly("name", &journey::name)
        .def_property_readonly("stages", &journey::stages)
        .def_property_readonly("min_peer_satisfaction", &journey::min_peer_satisfaction)
        .def_property_readonly("default_capacity", &journey::default_capacity)
        .def_property_readonly("weights",
                               [](const journey& j) {
                                   const auto& w = j.weights();
                                   py::dict d;
                                   d["similarity"] = w.similarity;
                                   d["tags"] = w.tags;
                                   d["proximity"] = w.proximity;
                                   d["happiness"] = w.happiness;
                                   return d;
                               })
        .def("_stage_index",
             [](const journey& j, const std::string& name) -> py::object {
                 auto s = j.find_stage(name);
                 if (!s) return py::none();
                 return py::int_(*s);
             })
        .def("_step",
             [](const journey& j, std::size_t from) {
                 const auto& st = j.step(static_cast<stage_index>(from));
                 return py::make_tuple(st.enabled, to_string(st.medium));
             })
        .def("__eq__", [](const journey& a, const journey& b) { return a == b; })
        .def("__repr__", [](const journey& j) {
            std::string s = "Journey(" + j.name() + ": ";
            for (std::size_t i = 0; i < j.stage_count(); ++i) s += (i ? " > " : "") + j.stages()[i];
            return s + ")";
        });
}

}  // namespace engage_right::python
