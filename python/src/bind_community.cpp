#include "bindings.hpp"

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <unordered_map>

namespace engage_right::python {
namespace {

template <class T>
py::array_t<T> empty_array(std::size_t n) {
    return py::array_t<T>(static_cast<py::ssize_t>(n));
}

// Member columns in input order.
template <class T, class F>
py::array_t<T> column(const community& c, F&& get) {
    auto out = empty_array<T>(c.size());
    auto v = out.template mutable_unchecked<1>();
    for (std::uint32_t row = 0; row < c.size(); ++row) v(row) = get(c.at_input_position(row));
    return out;
}

}  // namespace

data_column to_data_column(const py::object& o, const char* name) {
    if (o.is_none()) return std::monostate{};
    if (py::isinstance<py::array>(o)) {
        auto a = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(o);
        if (!a || a.ndim() != 1) throw config_error(fmt::format("members column '{}' cannot be read as numbers", name));
        return std::vector<double>(a.data(), a.data() + a.size());
    }
    return o.cast<std::vector<std::string>>();
}

member_table members_from_columns(const journey& j, const std::vector<std::string>& ids, const py::object& stages,
                                  const member_read_options& options, const py::object& satisfaction,
                                  const py::object& capacity, const py::object& opted_out, const py::object& activity,
                                  const py::object& tags, const py::object& features, const py::object& extra,
                                  const py::object& created) {
    member_columns cols;
    cols.id = ids;
    if (!stages.is_none()) cols.stage = stages.cast<std::vector<std::string>>();
    cols.satisfaction = to_data_column(satisfaction, "satisfaction");
    cols.capacity = to_data_column(capacity, "capacity");
    cols.opted_out = to_data_column(opted_out, "opted_out");
    cols.activity = to_data_column(activity, "activity");
    cols.created = to_data_column(created, "created");
    if (!tags.is_none()) cols.tags = tags.cast<std::vector<std::string>>();
    if (!features.is_none()) {
        auto arr = py::reinterpret_borrow<py::array>(features);
        if (arr.ndim() != 2 || static_cast<std::size_t>(arr.shape(0)) != ids.size())
            throw config_error(fmt::format("features must have shape (n, d) with n = {}", ids.size()));
        // Already float32 and C-contiguous: the same buffer, no copy.
        auto keep = py::array_t<float, py::array::c_style | py::array::forcecast>::ensure(arr);
        if (!keep) throw config_error("features must be numeric");
        // The array stays alive as long as the community; releasing it needs the GIL.
        auto* held = new py::object(keep);
        cols.features.owner = std::shared_ptr<const void>(held, [](const void* p) {
            py::gil_scoped_acquire gil;
            delete static_cast<const py::object*>(p);
        });
        cols.features.data = keep.data();
        cols.features.rows = ids.size();
        cols.features.dims = static_cast<std::size_t>(arr.shape(1));
    }
    if (!extra.is_none())
        for (auto item : extra.cast<py::dict>())
            cols.extra.push_back({item.first.cast<std::string>(), item.second.cast<std::vector<std::string>>()});
    cols.created = to_data_column(created, "created");
    return build_members(cols, j, options);
}

member_table members_from_cells(const journey& j, const py::tuple& cells, const member_read_options& options,
                                const py::object& extra, const py::object& created) {
    if (cells.size() != 8)
        throw config_error(
            fmt::format("member cells: expected 8 columns (ids, stages, satisfaction, capacity, "
                        "opted_out, activity, tags, features), got {}",
                        cells.size()));
    return members_from_columns(j, cells[0].cast<std::vector<std::string>>(), cells[1], options, cells[2], cells[3],
                                cells[4], cells[5], cells[6], cells[7], extra, created);
}

interaction_table interactions_from_columns(const std::vector<std::string>& sources,
                                            const std::vector<std::string>& targets, const py::object& weights,
                                            const py::object& timestamps, const member_table& members) {
    interaction_columns ic;
    ic.source = sources;
    ic.target = targets;
    ic.weight = to_data_column(weights, "weight");
    if (!timestamps.is_none()) ic.timestamp = std::get<std::vector<double>>(to_data_column(timestamps, "timestamp"));
    return build_interactions(ic, members);
}

namespace {

community_ptr from_columns(journey j, const py::tuple& members, const std::vector<std::string>& sources,
                           const std::vector<std::string>& targets, const py::object& weights,
                           const py::object& timestamps) {
    member_table m = members_from_cells(j, members, {});
    interaction_table t = interactions_from_columns(sources, targets, weights, timestamps, m);
    return std::make_shared<community>(std::move(j), std::move(m), std::move(t));
}

}  // namespace

void bind_community(py::module_& m) {
    py::class_<community, community_ptr>(m, "Community")
        .def_static(
            "from_csv",
            [](const std::string& members, const py::object& interactions, const journey& j) {
                std::optional<std::filesystem::path> inter;
                if (!interactions.is_none()) inter = interactions.cast<std::string>();
                py::gil_scoped_release release;
                return std::make_shared<community>(community::from_csv(members, inter, j));
            },
            py::arg("members"), py::arg("interactions"), py::arg("journey"))
        .def_static("_from_columns", &from_columns)
        .def("__len__", &community::size)
        .def_property_readonly("journey", [](const community& c) { return c.journey(); })
        .def("_ids",
             [](const community& c) {
                 py::list out(c.size());
                 for (std::uint32_t row = 0; row < c.size(); ++row) out[row] = py::str(c.id(c.at_input_position(row)));
                 return out;
             })
        .def("_stage_index",
             [](const community& c) {
                 return column<std::int16_t>(c, [&](member_index i) { return static_cast<std::int16_t>(c.stage(i)); });
             })
        .def("_satisfaction",
             [](const community& c) {
                 return column<std::int8_t>(c, [&](member_index i) { return c.satisfaction_raw(i); });
             })
        .def("_capacity",
             [](const community& c) {
                 return column<std::int32_t>(c,
                                             [&](member_index i) { return c.capacity_given(i) ? c.capacity(i) : -1; });
             })
        .def("_opted_out",
             [](const community& c) { return column<bool>(c, [&](member_index i) { return c.opted_out(i); }); })
        .def("_activity",
             [](const community& c) { return column<double>(c, [&](member_index i) { return c.activity(i); }); })
        .def("_tags",
             [](const community& c) {
                 py::list out(c.size());
                 for (std::uint32_t row = 0; row < c.size(); ++row) {
                     std::string s;
                     for (auto t : c.tags(c.at_input_position(row))) s += (s.empty() ? "" : ";") + c.tag_name(t);
                     out[row] = py::str(s);
                 }
                 return out;
             })
        .def(
            "features",
            [](const community_ptr& c) -> py::array {
                const auto& fb = c->feature_storage();
                // A read-only view of the stored features (input order), kept
                // alive by a reference to the community.
                auto* keep = new community_ptr(c);
                py::capsule base(keep, [](void* p) { delete static_cast<community_ptr*>(p); });
                static const float none = 0.0f;
                const float* data = fb.data ? fb.data : &none;
                py::array_t<float> a(
                    {static_cast<py::ssize_t>(c->size()), static_cast<py::ssize_t>(fb.dims)},
                    {static_cast<py::ssize_t>(fb.dims * sizeof(float)), static_cast<py::ssize_t>(sizeof(float))}, data,
                    base);
                py::detail::array_proxy(a.ptr())->flags &= ~py::detail::npy_api::NPY_ARRAY_WRITEABLE_;
                return a;
            },
            "The (n, d) float32 features in input order, without a copy (read-only).")
        .def("stage_counts", &community::stage_counts)
        .def("_edges",
             [](const community& c) {
                 std::vector<std::uint32_t> a, b;
                 std::vector<double> w;
                 for (member_index u = 0; u < c.size(); ++u) {
                     const auto nb = c.neighbors(u);
                     const auto wt = c.neighbor_weights(u);
                     for (std::size_t k = 0; k < nb.size(); ++k)
                         if (u < nb[k]) {
                             a.push_back(c.input_position(u));
                             b.push_back(c.input_position(nb[k]));
                             w.push_back(wt[k]);
                         }
                 }
                 return py::make_tuple(py::array_t<std::uint32_t>(static_cast<py::ssize_t>(a.size()), a.data()),
                                       py::array_t<std::uint32_t>(static_cast<py::ssize_t>(b.size()), b.data()),
                                       py::array_t<double>(static_cast<py::ssize_t>(w.size()), w.data()));
             })
        .def_property_readonly("self_loops_dropped", &community::self_loops_dropped)
        .def("__contains__", [](const community& c, const std::string& id) { return c.find(id).has_value(); });
}

}  // namespace engage_right::python
