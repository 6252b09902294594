#pragma once
/// @file detail/graph.hpp
/// The community's interaction graph as a Boost.Graph graph, for algorithms
/// and exports that want one. Not part of the umbrella header: including it
/// pulls in Boost.Graph.

#include <engage_right/community.hpp>

#include <boost/graph/compressed_sparse_row_graph.hpp>

namespace engage_right::detail {

/// Vertex bundle: the member's stage.
struct vertex_info {
    stage_index stage = 0;
};

/// Edge bundle: merged interaction weight.
struct edge_info {
    double weight = 1.0;
};

/// Stage-labelled interaction graph. Both directions of every undirected
/// edge are stored; vertex i is member index i.
using stage_graph = boost::compressed_sparse_row_graph<boost::directedS, vertex_info, edge_info, boost::no_property,
                                                       member_index, std::uint64_t>;

/// Build the Boost.Graph view of a community. O(n + e).
stage_graph make_stage_graph(const community& c);

}  // namespace engage_right::detail
