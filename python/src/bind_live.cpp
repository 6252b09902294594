// Live communities and snapshots: translation only (the rules are the
// library's members and interactions rules).

#include "bindings.hpp"

#include <fmt/format.h>
#include <pybind11/stl.h>

#include <cmath>
#include <limits>

namespace engage_right::python {

namespace {

constexpr double nan_v = std::numeric_limits<double>::quiet_NaN();

// A number field: None is the empty cell (NaN).
double number_of(const py::handle& v, const char* field) {
    if (v.is_none()) return nan_v;
    if (py::isinstance<py::str>(v))
        throw config_error(fmt::format("{}: expected a number or None, got a string", field));
    return v.cast<double>();
}

// The fields of add_member / update_member from a dict of keyword arguments.
member_fields fields_of(const py::dict& d) {
    member_fields f;
    for (const auto& [key, value] : d) {
        const std::string name = key.cast<std::string>();
        if (name == "stage") f.stage = value.is_none() ? std::string() : value.cast<std::string>();
        else if (name == "satisfaction") f.satisfaction = number_of(value, "satisfaction");
        else if (name == "capacity") f.capacity = number_of(value, "capacity");
        else if (name == "activity") f.activity = number_of(value, "activity");
        else if (name == "opted_out") f.opted_out = value.cast<bool>();
        else if (name == "tags")
            f.tags = value.is_none() ? std::vector<std::string>{} : value.cast<std::vector<std::string>>();
        else if (name == "features") f.features = value.cast<std::vector<float>>();
        else
            throw config_error(
                fmt::format("unknown member field '{}' (expected stage, satisfaction, capacity, "
                            "opted_out, activity, tags or features)",
                            name));
    }
    return f;
}

double time_of(const py::object& t) {
    if (t.is_none()) return nan_v;
    if (py::isinstance<py::str>(t)) {
        const auto s = t.cast<std::string>();
        if (auto v = parse_timestamp(s)) return *v;
        throw config_error(fmt::format("timestamp: expected unix seconds or ISO-8601, got '{}'", s));
    }
    return t.cast<double>();
}

// One update from the facade's tuple (kind, id, other, fields, weight, timestamp).
live_update update_of(const py::tuple& t) {
    if (t.size() != 6) throw config_error("an update is a tuple (kind, id, other, fields, weight, timestamp)");
    const std::string kind = t[0].cast<std::string>();
    const std::string id = t[1].cast<std::string>();
    if (kind == "add_member") return live_update::add(id, fields_of(t[3].cast<py::dict>()));
    if (kind == "update_member") return live_update::update(id, fields_of(t[3].cast<py::dict>()));
    if (kind == "add_interaction")
        return live_update::interaction(id, t[2].cast<std::string>(), t[4].cast<double>(),
                                        time_of(py::reinterpret_borrow<py::object>(t[5])));
    if (kind == "erase") return live_update::erase_member(id);
    throw config_error(fmt::format("unknown update kind '{}'", kind));
}

community_ptr shared(std::shared_ptr<const community> c) { return std::const_pointer_cast<community>(std::move(c)); }

}  // namespace

void bind_live(py::module_& m) {
    m.def(
        "save_community",
        [](const community& c, const std::string& path) {
            py::gil_scoped_release release;
            save(c, path);
        },
        py::arg("community"), py::arg("path"));
    m.def(
        "load_community",
        [](const std::string& path) {
            py::gil_scoped_release release;
            return std::make_shared<community>(load(path));
        },
        py::arg("path"));
    m.attr("snapshot_version") = snapshot_version;

    py::class_<live_community>(m, "LiveCommunity")
        .def(py::init<journey, std::size_t>(), py::arg("journey"), py::arg("dimensions"))
        .def_static(
            "from_community", [](const community& c) { return std::make_unique<live_community>(c); },
            py::arg("community"))
        .def_static(
            "from_csv",
            [](const std::string& members, const std::optional<std::string>& interactions, const journey& j) {
                std::optional<std::filesystem::path> inter;
                if (interactions) inter = *interactions;
                py::gil_scoped_release release;
                return std::make_unique<live_community>(live_community::from_csv(members, inter, j));
            },
            py::arg("members"), py::arg("interactions"), py::arg("journey"))
        .def_static(
            "load",
            [](const std::string& path) {
                py::gil_scoped_release release;
                return std::make_unique<live_community>(live_community::load(path));
            },
            py::arg("path"))
        .def("current", [](const live_community& l) { return shared(l.current()); })
        .def_property_readonly("version", &live_community::version)
        .def(
            "apply",
            [](live_community& l, const py::list& updates) {
                std::vector<live_update> batch;
                batch.reserve(updates.size());
                for (const auto& u : updates) batch.push_back(update_of(u.cast<py::tuple>()));
                py::gil_scoped_release release;  // waits for the writer lock, then rebuilds
                l.apply(batch);
            },
            py::arg("updates"))
        .def(
            "save",
            [](const live_community& l, const std::string& path) {
                py::gil_scoped_release release;
                l.save(path);
            },
            py::arg("path"));
}

}  // namespace engage_right::python
