#include "bindings.hpp"

#include <engage_right/detail/csv.hpp>

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

template <class T>
std::vector<T> as_vector(const py::object& o, std::size_t n, const char* name) {
    if (o.is_none()) return {};
    auto a = py::array_t<T, py::array::c_style | py::array::forcecast>::ensure(o);
    if (!a) throw config_error(fmt::format("{} cannot be read as numbers", name));
    if (a.ndim() != 1 || static_cast<std::size_t>(a.shape(0)) != n)
        throw config_error(fmt::format("{} has {} values, expected {}", name, a.size(), n));
    std::vector<T> out(a.data(), a.data() + n);
    return out;
}

}  // namespace

member_table members_from_columns(const journey& j, const std::vector<std::string>& ids, const py::object& stages,
                                  bool stage_optional, const py::object& satisfaction, const py::object& capacity,
                                  const py::object& opted_out, const py::object& activity, const py::object& tags,
                                  const py::object& features, const py::object& extra) {
    const std::size_t n = ids.size();
    member_table m;
    m.id = ids;
    m.stage.assign(n, 0);
    bool all_known = true;
    std::vector<std::uint8_t> known;
    if (stages.is_none()) {
        if (!stage_optional) throw config_error("members: missing required column 'stage'");
        if (n > 0) known.assign(n, 0), all_known = false;
    } else {
        // str, or None for "not given" (only when stages are optional).
        const auto names = stages.cast<std::vector<std::optional<std::string>>>();
        if (names.size() != n) throw config_error("members: id and stage columns differ in length");
        known.assign(n, 1);
        for (std::size_t i = 0; i < n; ++i) {
            const std::string_view text = names[i] ? detail::trim(*names[i]) : std::string_view{};
            if (text.empty() && stage_optional) {
                known[i] = 0;
                all_known = false;
                continue;
            }
            auto s = j.find_stage(text);
            if (!s) {
                std::string all;
                for (const auto& x : j.stages()) all += (all.empty() ? "" : ", ") + x;
                throw config_error(fmt::format("members row {}: unknown stage '{}' (journey '{}' has: {})", i,
                                               names[i].value_or(""), j.name(), all));
            }
            m.stage[i] = *s;
        }
    }
    if (!all_known) m.stage_known = std::move(known);
    for (std::size_t i = 0; i < n; ++i)
        if (ids[i].empty()) throw config_error(fmt::format("members row {}: empty id", i));
    m.satisfaction = as_vector<std::int8_t>(satisfaction, n, "members column 'satisfaction'");
    m.capacity = as_vector<std::int32_t>(capacity, n, "members column 'capacity'");
    m.opted_out = as_vector<std::uint8_t>(opted_out, n, "members column 'opted_out'");
    m.activity = as_vector<double>(activity, n, "members column 'activity'");
    if (!tags.is_none()) {
        // One ';'-separated string per member, as in members.csv.
        const auto joined = tags.cast<std::vector<std::string>>();
        if (joined.size() != n) throw config_error("members column 'tags' has the wrong length");
        std::unordered_map<std::string, std::uint32_t> index;
        m.tag_offsets.push_back(0);
        for (const auto& field : joined) {
            std::vector<std::uint32_t> mine;
            std::string_view rest = field;
            while (!rest.empty()) {
                const auto cut = rest.find(';');
                std::string t(detail::trim(rest.substr(0, cut)));
                rest = cut == std::string_view::npos ? std::string_view{} : rest.substr(cut + 1);
                for (auto& ch : t)
                    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
                if (t.empty()) continue;
                auto [it, fresh] = index.try_emplace(t, static_cast<std::uint32_t>(m.tag_names.size()));
                if (fresh) m.tag_names.push_back(t);
                mine.push_back(it->second);
            }
            std::sort(mine.begin(), mine.end());
            mine.erase(std::unique(mine.begin(), mine.end()), mine.end());
            m.tag_ids.insert(m.tag_ids.end(), mine.begin(), mine.end());
            m.tag_offsets.push_back(static_cast<std::uint32_t>(m.tag_ids.size()));
        }
    }
    if (!features.is_none()) {
        auto arr = py::reinterpret_borrow<py::array>(features);
        if (arr.ndim() != 2 || static_cast<std::size_t>(arr.shape(0)) != n)
            throw config_error(fmt::format("features must have shape (n, d) with n = {}", n));
        const auto d = static_cast<std::size_t>(arr.shape(1));
        // Already float32 and C-contiguous: the same buffer, no copy.
        auto keep = py::array_t<float, py::array::c_style | py::array::forcecast>::ensure(arr);
        if (!keep) throw config_error("features must be numeric");
        // The array stays alive as long as the community; releasing it needs the GIL.
        auto* held = new py::object(keep);
        m.features.owner = std::shared_ptr<const void>(held, [](const void* p) {
            py::gil_scoped_acquire gil;
            delete static_cast<const py::object*>(p);
        });
        m.features.data = keep.data();
        m.features.rows = n;
        m.features.dims = d;
    }
    if (!extra.is_none()) {
        // Text columns by (lower-case) name, one trimmed string per member.
        for (auto item : extra.cast<py::dict>()) {
            member_table::text_column col;
            for (char ch : item.first.cast<std::string>())
                col.name.push_back(ch >= 'A' && ch <= 'Z' ? static_cast<char>(ch - 'A' + 'a') : ch);
            col.values = item.second.cast<std::vector<std::string>>();
            if (col.values.size() != n)
                throw config_error(
                    fmt::format("members column '{}' has {} values, expected {}", col.name, col.values.size(), n));
            for (auto& v : col.values) v = std::string(detail::trim(v));
            m.extra.push_back(std::move(col));
        }
    }
    return m;
}

namespace {

community_ptr from_columns(journey j, const std::vector<std::string>& ids, const py::object& stages,
                           const py::object& satisfaction, const py::object& capacity, const py::object& opted_out,
                           const py::object& activity, const py::object& tags, const py::object& features,
                           const std::vector<std::string>& sources, const std::vector<std::string>& targets,
                           const py::object& weights, const py::object& timestamps) {
    member_table m = members_from_columns(j, ids, stages, false, satisfaction, capacity, opted_out, activity, tags,
                                          features, py::none());
    interaction_table t;
    if (sources.size() != targets.size()) throw config_error("interactions: source and target differ in length");
    if (!sources.empty()) {
        detail::id_index index;
        if (auto dup = index.build(m.id))
            throw config_error(fmt::format("members row {}: duplicate id '{}'", *dup, m.id[*dup]));
        for (std::size_t k = 0; k < sources.size(); ++k) {
            auto a = index.find(sources[k]);
            auto b = index.find(targets[k]);
            if (!a)
                throw config_error(fmt::format("interactions row {}: unknown member id '{}' in source", k, sources[k]));
            if (!b)
                throw config_error(fmt::format("interactions row {}: unknown member id '{}' in target", k, targets[k]));
            t.source.push_back(*a);
            t.target.push_back(*b);
        }
        t.weight = as_vector<double>(weights, sources.size(), "interactions column 'weight'");
        t.timestamp = as_vector<double>(timestamps, sources.size(), "interactions column 'timestamp'");
        for (std::size_t k = 0; k < t.weight.size(); ++k)
            if (!(t.weight[k] > 0) || !std::isfinite(t.weight[k]))
                throw config_error(
                    fmt::format("interactions row {}: weight must be a finite number > 0, got {}", k, t.weight[k]));
    }
    return std::make_shared<community>(std::move(j), std::move(m), t);
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
