#pragma once
// Shared declarations of the engage_right._core bindings.

#include <engage_right/engage_right.hpp>
#include <engage_right/io.hpp>

#include <pybind11/pybind11.h>

#include <memory>

namespace engage_right::python {

namespace py = pybind11;

/// Communities are shared with Python through shared_ptr so that results
/// and views can keep them alive.
using community_ptr = std::shared_ptr<community>;

void bind_journey(py::module_& m);
void bind_community(py::module_& m);
void bind_recommend(py::module_& m);

/// Options shared by recommend() and explain().
recommend_options make_options(const community& c, std::size_t k, const py::object& weights,
                               const py::object& min_satisfaction, bool allow_existing, unsigned threads);

}  // namespace engage_right::python
