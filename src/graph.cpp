#include <engage_right/detail/graph.hpp>

#include <utility>
#include <vector>

namespace engage_right::detail {

stage_graph make_stage_graph(const community& c) {
    const std::size_t n = c.size();
    std::vector<std::pair<member_index, member_index>> edges;
    std::vector<edge_info> props;
    edges.reserve(2 * c.edge_count());
    props.reserve(2 * c.edge_count());
    for (member_index u = 0; u < n; ++u) {
        const auto nb = c.neighbors(u);
        const auto wt = c.neighbor_weights(u);
        for (std::size_t k = 0; k < nb.size(); ++k) {
            edges.emplace_back(u, nb[k]);
            props.push_back(edge_info{wt[k]});
        }
    }
    // Edges come sorted by source, as the CSR constructor wants.
    stage_graph g(boost::edges_are_sorted, edges.begin(), edges.end(), props.begin(), static_cast<member_index>(n));
    for (member_index u = 0; u < n; ++u) g[u].stage = c.stage(u);
    return g;
}

}  // namespace engage_right::detail
