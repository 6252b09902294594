#pragma once
/// @file export.hpp
/// The stage-labelled community graph, with a matching plan highlighted, as
/// Graphviz DOT or GraphML (written with Boost.Graph).

#include <engage_right/community.hpp>
#include <engage_right/matching.hpp>

#include <ostream>
#include <string_view>

namespace engage_right {

enum class graph_format : std::uint8_t {
    dot,      ///< Graphviz; stages are left-to-right ranks
    graphml,  ///< GraphML with node (id, stage, stage_index) and edge (kind, weight, score) data
};

/// "dot" or "graphml". @throws config_error.
graph_format parse_graph_format(std::string_view name);

/// What to draw.
struct export_options {
    /// Pairs to highlight (drawn as directed member -> peer edges), or nullptr.
    const match_result* plan = nullptr;
    /// Only members that are part of a pair (and the interactions among them).
    bool only_paired = false;
};

/// Write the graph: one node per member (labelled with its id, grouped and
/// coloured by stage), one edge per interacting pair, plus the plan's pairs.
/// Deterministic: nodes in community order (stage, then id).
void write_graph(std::ostream& out, const community& c, graph_format format, const export_options& options = {});

}  // namespace engage_right
