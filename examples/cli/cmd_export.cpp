// engage-right export: the stage-labelled graph with a plan, as Graphviz DOT
// or GraphML.

#include "common.hpp"

#include <sstream>

namespace cli {
namespace {

constexpr const char* usage = R"(usage: engage-right export --members FILE --format dot|graphml [options]

The community as a graph: members grouped by stage (left to right in DOT),
interactions as grey edges, and a matching plan as red member -> peer edges
(dashed on private steps). Render DOT with Graphviz: dot -Tsvg out.dot > out.svg

options:
  --snapshot FILE          a snapshot ('engage-right snapshot') in place of
                           --members, --interactions and --journey
  --members FILE, --interactions FILE, --journey PRESET|FILE
  --format dot|graphml     required
  --no-plan                do not compute and draw a plan
  --only-paired            only members that are part of a pair
  --output FILE            write there instead of standard output
  all options of match     to shape the plan (--per-member, --method, ...)
)";

void run(const arguments& a) {
    const er::graph_format gf = graph_format_of(a);
    const er::community c = load_community(a);
    er::export_options eo;
    eo.only_paired = a.has("only-paired");
    std::optional<er::match_result> plan;
    if (!a.has("no-plan")) {
        er::match_options o = match_options_of(a, c);
        o.reasons = false;
        plan = er::match(c, o);
        eo.plan = &*plan;
    }
    std::ostringstream buf;
    er::write_graph(buf, c, gf, eo);
    emit_text(a, buf.str());
}

}  // namespace

const command export_command{"export", "the stage-labelled graph with a plan, as Graphviz DOT or GraphML",
                             usage,    std::string(match_option_spec) + " +no-plan +only-paired",
                             run,      output_kind::graph};

}  // namespace cli
