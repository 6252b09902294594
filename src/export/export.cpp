#include <engage_right/error.hpp>
#include <engage_right/export.hpp>

#include "util/names.hpp"

#include <fmt/format.h>
#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/graphml.hpp>
#include <boost/graph/graphviz.hpp>
#include <boost/property_map/dynamic_property_map.hpp>

#include <string>
#include <vector>

namespace engage_right {

graph_format parse_graph_format(std::string_view name) {
    static constexpr detail::name_table<graph_format, 2> names{
        "graph format", {{{graph_format::dot, "dot"}, {graph_format::graphml, "graphml"}}}};
    return names.parse(name);
}

namespace {

struct node_data {
    std::string id;
    std::string stage;
    int stage_index = 0;
};

struct edge_data {
    std::string kind;  // "interaction" or "pair"
    double weight = 0;
    double score = 0;
    std::string channel;
};

using export_graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS, node_data, edge_data>;

// A colour per stage, light to dark along the journey.
std::string stage_colour(std::size_t s, std::size_t stages) {
    static const char* const palette[] = {"#deebf7", "#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#08519c"};
    const std::size_t k = stages <= 1 ? 0 : s * 6 / (stages - 1);
    return palette[k];
}

std::string dot_escape(const std::string& s) {
    std::string out;
    for (char ch : s) {
        if (ch == '"' || ch == '\\') out += '\\';
        out += ch;
    }
    return out;
}

}  // namespace

void write_graph(std::ostream& out, const community& c, graph_format format, const export_options& o) {
    const journey& j = c.journey();
    std::vector<std::uint8_t> keep(c.size(), o.only_paired ? 0 : 1);
    if (o.plan)
        for (const auto& p : o.plan->pairs) {
            if (p.member >= c.size() || p.peer >= c.size())
                throw config_error("the plan names members outside the community");
            keep[p.member] = keep[p.peer] = 1;
        }
    std::vector<std::size_t> vertex_of(c.size(), 0);
    export_graph g;
    for (member_index u = 0; u < c.size(); ++u) {
        if (!keep[u]) continue;
        vertex_of[u] = boost::add_vertex(node_data{c.id(u), j.stage_name(c.stage(u)), c.stage(u)}, g);
    }
    for (member_index u = 0; u < c.size(); ++u) {
        if (!keep[u]) continue;
        const auto nb = c.neighbors(u);
        const auto wt = c.neighbor_weights(u);
        for (std::size_t k = 0; k < nb.size(); ++k)
            if (nb[k] > u && keep[nb[k]])
                boost::add_edge(vertex_of[u], vertex_of[nb[k]], edge_data{"interaction", wt[k], 0, ""}, g);
    }
    if (o.plan)
        for (const auto& p : o.plan->pairs)
            boost::add_edge(vertex_of[p.member], vertex_of[p.peer], edge_data{"pair", 0, p.score, to_string(p.medium)},
                            g);

    if (format == graph_format::graphml) {
        boost::dynamic_properties dp;
        dp.property("id", boost::get(&node_data::id, g));
        dp.property("stage", boost::get(&node_data::stage, g));
        dp.property("stage_index", boost::get(&node_data::stage_index, g));
        dp.property("kind", boost::get(&edge_data::kind, g));
        dp.property("weight", boost::get(&edge_data::weight, g));
        dp.property("score", boost::get(&edge_data::score, g));
        dp.property("channel", boost::get(&edge_data::channel, g));
        boost::write_graphml(out, g, dp, true);
        return;
    }
    const std::size_t stages = j.stage_count();
    auto graph_writer = [&](std::ostream& os) {
        os << "rankdir=LR;\nnode [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\", fontsize=10];\n"
           << "edge [color=\"#bbbbbb\", arrowhead=none];\n";
        // One rank per stage, left to right, with the stage name as a header node.
        for (std::size_t s = 0; s < stages; ++s) {
            os << "subgraph stage_" << s << " {rank=same; \"stage_" << s << "\" [label=\""
               << dot_escape(j.stage_name(static_cast<stage_index>(s)))
               << "\", shape=plaintext, style=\"\", fontsize=14];";
            for (auto v : boost::make_iterator_range(boost::vertices(g)))
                if (static_cast<std::size_t>(g[v].stage_index) == s) os << ' ' << v << ';';
            os << "}\n";
        }
        for (std::size_t s = 0; s + 1 < stages; ++s)
            os << "\"stage_" << s << "\" -> \"stage_" << s + 1 << "\" [style=invis];\n";
    };
    auto vertex_writer = [&](std::ostream& os, std::size_t v) {
        const auto s = static_cast<std::size_t>(g[v].stage_index);
        const bool dark = stages > 1 && s * 6 / (stages - 1) >= 4;
        os << "[label=\"" << dot_escape(g[v].id) << "\", fillcolor=\"" << stage_colour(s, stages) << "\""
           << (dark ? ", fontcolor=\"white\"" : "") << "]";
    };
    auto edge_writer = [&](std::ostream& os, const export_graph::edge_descriptor& e) {
        const edge_data& d = g[e];
        if (d.kind == "pair")
            os << "[color=\"#d62728\", penwidth=2.5, arrowhead=normal, constraint=false, label=\""
               << fmt::format("{:.2f}", d.score) << "\", fontcolor=\"#d62728\", fontsize=9"
               << (d.channel == "private" ? ", style=dashed" : "") << "]";
        else os << "[penwidth=" << fmt::format("{:.2f}", std::min(4.0, 0.5 + 0.5 * d.weight)) << "]";
    };
    boost::write_graphviz(out, g, vertex_writer, edge_writer, graph_writer);
}

}  // namespace engage_right
