// engage_right._core: the compiled part of the Python package. The public
// API is the facade in engage_right/ (__init__.py re-exports it).
#include "bindings.hpp"

#include <fmt/format.h>

namespace engage_right::python {
namespace {

PyObject* error_type = nullptr;

}  // namespace

std::vector<double> doubles_of(const py::object& o, const char* name) {
    auto a = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(o);
    if (!a || a.ndim() != 1) throw config_error(fmt::format("{} must be a one-dimensional array", name));
    return std::vector<double>(a.data(), a.data() + a.shape(0));
}

}  // namespace engage_right::python

PYBIND11_MODULE(_core, m) {
    namespace erp = engage_right::python;
    namespace py = pybind11;
    m.doc() = "Compiled core of engage_right (use the engage_right package, not this module).";
    m.attr("__version__") = engage_right::version_string;
    // Output column names, shared with the CLI (engage_right/columns.hpp).
    py::dict cols;
    auto add = [&](const char* name, auto const& names) {
        py::list l;
        for (const auto n : names) l.append(py::str(n.data(), n.size()));
        cols[name] = l;
    };
    add("recommend", engage_right::columns::recommend);
    add("match", engage_right::columns::match);
    add("unmatched", engage_right::columns::unmatched);
    add("lead", engage_right::columns::lead);
    add("infer", engage_right::columns::infer);
    add("uplift", engage_right::columns::uplift);
    add("funnel_stage", engage_right::columns::funnel_stage);
    add("funnel_step", engage_right::columns::funnel_step);
    add("nps", engage_right::columns::nps);
    add("check", engage_right::columns::check);
    add("ranking_model", engage_right::columns::ranking_model);
    m.attr("columns") = cols;

    static pybind11::exception<engage_right::error> error(m, "Error", PyExc_RuntimeError);
    erp::error_type = error.ptr();
    // One translator, most specific first: bad input and configuration are
    // ValueError, unknown ids KeyError, the rest engage_right.Error.
    pybind11::register_exception_translator([](std::exception_ptr p) {
        try {
            if (p) std::rethrow_exception(p);
        } catch (const engage_right::input_error& e) {
            PyErr_SetString(PyExc_ValueError, e.what());
        } catch (const engage_right::config_error& e) {
            PyErr_SetString(PyExc_ValueError, e.what());
        } catch (const engage_right::not_found_error& e) {
            PyErr_SetString(PyExc_KeyError, e.what());
        } catch (const engage_right::error& e) {
            PyErr_SetString(erp::error_type, e.what());
        }
    });

    erp::bind_journey(m);
    erp::bind_community(m);
    erp::bind_recommend(m);
    erp::bind_lead(m);
    erp::bind_match(m);
    erp::bind_simulate(m);
    erp::bind_uplift(m);
    erp::bind_evaluate(m);
    erp::bind_ranking(m);
    erp::bind_import(m);
    erp::bind_live(m);
}
