#pragma once
// Shared declarations of the engage_right._core bindings.

#include <engage_right/engage_right.hpp>
#include <engage_right/io.hpp>

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <memory>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

namespace engage_right::python {

namespace py = pybind11;

/// Communities are shared with Python through shared_ptr so that results
/// and views can keep them alive.
using community_ptr = std::shared_ptr<community>;

void bind_journey(py::module_& m);
void bind_community(py::module_& m);
void bind_recommend(py::module_& m);
void bind_lead(py::module_& m);
void bind_match(py::module_& m);
void bind_simulate(py::module_& m);
void bind_uplift(py::module_& m);
void bind_evaluate(py::module_& m);
void bind_ranking(py::module_& m);
void bind_import(py::module_& m);
void bind_live(py::module_& m);

/// A member_table from the facade's columns, through build_members (the
/// rules of members.csv, errors naming the row): `ids` one string per member
/// ("" when missing); `stages` a list of str ("" = not given) or None for no
/// stage column; `satisfaction`, `capacity`, `opted_out`, `activity` None, a
/// numeric numpy array (NaN = empty) or a list of str; `tags` one
/// ';'-separated string per member or None; `features` an (n, d) array or
/// None (float32 C-contiguous arrays are borrowed, not copied); `extra` a
/// dict column name -> list of str or None; `created` None, unix seconds
/// (NaN = empty) or a list of str.
/// @throws config_error naming the row of the first problem.
member_table members_from_columns(const journey& j, const std::vector<std::string>& ids, const py::object& stages,
                                  const member_read_options& options, const py::object& satisfaction,
                                  const py::object& capacity, const py::object& opted_out, const py::object& activity,
                                  const py::object& tags, const py::object& features, const py::object& extra,
                                  const py::object& created = py::none());

/// An optional argument: nullopt for None, else `o` as T (a TypeError
/// otherwise). Every option the facade may leave out goes through here.
template <class T>
std::optional<T> optional_of(const py::object& o) {
    if (o.is_none()) return std::nullopt;
    return o.cast<T>();
}

/// members_from_columns over the facade's member cells, the tuple (ids,
/// stages, satisfaction, capacity, opted_out, activity, tags, features) that
/// engage_right._frames._member_cells builds, each in the form given there.
/// @throws config_error when `cells` is not such an 8-tuple.
member_table members_from_cells(const journey& j, const py::tuple& cells, const member_read_options& options,
                                const py::object& extra = py::none(), const py::object& created = py::none());

/// The interactions of `members` from the facade's columns, through
/// build_interactions (the rules of interactions.csv, errors naming the
/// row): source and target ids; `weights` None, numbers or text cells;
/// `timestamps` None or unix seconds (NaN = empty).
interaction_table interactions_from_columns(const std::vector<std::string>& sources,
                                            const std::vector<std::string>& targets, const py::object& weights,
                                            const py::object& timestamps, const member_table& members);

/// A column for the io builders: None (absent), a numeric numpy array
/// (NaN = empty) or a list of str.
data_column to_data_column(const py::object& o, const char* name);

/// A one-dimensional float64 array (any numeric dtype) as a vector.
/// @throws config_error naming `name` for anything else.
std::vector<double> doubles_of(const py::object& o, const char* name);

/// A vector as a new numpy array.
template <class T>
py::array_t<T> array_of(const std::vector<T>& v) {
    py::array_t<T> out(static_cast<py::ssize_t>(v.size()));
    std::copy(v.begin(), v.end(), out.mutable_data());
    return out;
}

/// A dict of result columns keyed by the names of a columns.hpp list, the
/// values in the same order.
template <std::size_t N>
py::dict named_columns(const std::array<std::string_view, N>& names, std::array<py::object, N> values) {
    py::dict d;
    for (std::size_t i = 0; i < N; ++i) d[py::str(names[i].data(), names[i].size())] = std::move(values[i]);
    return d;
}

/// A stage gap (MIN, MAX) from Python, checked against the journey.
using gap_pair = std::pair<std::uint32_t, std::uint32_t>;

/// The scorer of a _core.RankingScorer, or null for None.
std::shared_ptr<const ranking_scorer> scorer_of(const py::object& o);

/// Options shared by recommend(), explain() and match().
recommend_options make_options(const community& c, std::size_t k, const py::object& weights,
                               const py::object& min_satisfaction, bool allow_existing, unsigned threads,
                               const gap_pair& gap);

}  // namespace engage_right::python
