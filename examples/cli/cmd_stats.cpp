// engage-right stats: the funnel, NPS per stage, seekers against seats per
// step, and the bottleneck.

#include "common.hpp"

#include <cmath>
#include <sstream>

namespace cli {
namespace {

constexpr const char* usage = R"(usage: engage-right stats --members FILE [options]

Funnel health: members per stage, NPS overall and per stage (promoters 9-10,
passives 7-8, detractors 0-6), and for every step the seekers (members who
want a peer) against the seats (sum of the capacities of eligible peers); the
step with the fewest seats per seeker is the bottleneck.

options:
  --snapshot FILE          a snapshot ('engage-right snapshot') in place of
                           --members, --interactions and --journey
  --members FILE           members.csv
  --interactions FILE      interactions.csv: seekers who already know every
                           eligible peer count as without peer
  --journey PRESET|FILE    as for recommend
  --events FILE            infer the stages from events first (as infer-stages)
  --as-of TIME, --skip-unknown-members, --strict   with --events, as for
                           score (the journey check's warnings included)
  --min-satisfaction N     peer threshold (default: the journey's)
  --allow-existing         existing contacts may be paired again
  --stage-gap MIN:MAX      each step's seekers count the seats of the eligible
                           peers MIN to MAX stages right (default 1:1; see
                           recommend), so a peer's seats may count for
                           several steps
  --format table|csv|json  output format (default table)
  --output FILE            write there instead of standard output
)";

// The community, with the stages inferred from --events when given.
er::community funnel_community(const arguments& a) {
    if (!a.get("events")) {
        if (a.has("as-of") || a.has("skip-unknown-members") || a.has("strict"))
            throw usage_error("options --as-of, --skip-unknown-members and --strict need --events");
        return load_community(a);
    }
    if (a.has("snapshot"))
        throw usage_error("option --events infers stages from members.csv: give --members, not --snapshot");
    lead_inputs in = load_lead_inputs(a);
    const er::stage_inference inf = er::infer_stages(in.members, in.events, in.j, in.options);
    check_lead_inputs(a, in, &inf);
    in.members.stage = inf.stage;
    in.members.stage_known.clear();
    er::interaction_table inter;
    if (auto i = a.get("interactions")) inter = er::read_interactions(*i, in.members);
    return er::community(in.j, std::move(in.members), std::move(inter));
}

result_table stage_table(const er::funnel_report& r, const er::community& c) {
    const auto& j = c.journey();
    result_table stages;
    stages.columns = {"stage"};
    stages.columns.insert(stages.columns.end(), er::columns::funnel_stage.begin(), er::columns::funnel_stage.end());
    auto add = [&](std::vector<cell> row, const er::nps_summary& n) {
        for (auto v : {n.promoters, n.passives, n.detractors, n.unknown}) row.push_back(cell::count(v));
        row.push_back(cell::dec_or_none(n.nps()));
        stages.rows.push_back(std::move(row));
    };
    for (const auto& s : r.stages)
        add({cell::str(j.stage_name(s.stage)), cell::count(s.members), cell::dec_or_none(s.share),
             cell::count(s.reached), cell::dec_or_none(s.conversion)},
            s.nps);
    add({cell::str("(all)"), cell::count(c.size()), cell::dec_or_none(c.size() ? 1.0 : std::nan("")),
         cell::count(c.size()), cell::none()},
        r.overall);
    return stages;
}

result_table step_table(const er::funnel_report& r, const er::journey& j) {
    result_table steps;
    steps.columns = {"from", "to"};
    steps.columns.insert(steps.columns.end(), er::columns::funnel_step.begin(), er::columns::funnel_step.end());
    for (const auto& s : r.steps)
        steps.rows.push_back(
            {cell::str(j.stage_name(s.from)), cell::str(j.stage_name(static_cast<er::stage_index>(s.from + 1))),
             cell::str(s.enabled ? "yes" : "no"), cell::str(er::to_string(s.medium)), cell::count(s.seekers),
             cell::count(s.seekers_without_peer), cell::count(s.peers), cell::count(s.seats),
             cell::dec_or_none(s.seats_per_seeker), cell::str(r.bottleneck && *r.bottleneck == s.from ? "yes" : "no")});
    return steps;
}

// CSV is one table: a `section` column tells stage rows from step rows.
result_table one_table(const result_table& stages, const result_table& steps) {
    result_table all;
    all.columns = {"section"};
    all.columns.insert(all.columns.end(), stages.columns.begin(), stages.columns.end());
    all.columns.insert(all.columns.end(), steps.columns.begin(), steps.columns.end());
    for (const auto& row : stages.rows) {
        std::vector<cell> out = {cell::str("stage")};
        out.insert(out.end(), row.begin(), row.end());
        out.resize(all.columns.size(), cell::none());
        all.rows.push_back(std::move(out));
    }
    for (const auto& row : steps.rows) {
        std::vector<cell> out(1 + stages.columns.size(), cell::none());
        out[0] = cell::str("step");
        out.insert(out.end(), row.begin(), row.end());
        all.rows.push_back(std::move(out));
    }
    return all;
}

void run(const arguments& a) {
    const format f = format_of(a);
    er::funnel_options fo;
    if (auto m = a.get_int("min-satisfaction", 0, 11)) fo.min_satisfaction = static_cast<int>(*m);
    fo.allow_existing = a.has("allow-existing");
    const er::community c = funnel_community(a);
    fo.gap = stage_gap_of(a, c.journey());
    const er::funnel_report r = er::funnel(c, fo);
    const auto& j = c.journey();
    const result_table stages = stage_table(r, c), steps = step_table(r, j);
    const std::string bottleneck = r.bottleneck_text(j);
    std::ostringstream buf;
    if (f == format::json) {
        buf << "{\"stages\": ";
        write(buf, stages, f);
        buf << ", \"steps\": ";
        write(buf, steps, f);
        buf << ", \"bottleneck\": " << (bottleneck.empty() ? "null" : json_string(bottleneck)) << "}\n";
    } else if (f == format::csv) {
        write(buf, one_table(stages, steps), f);
    } else {
        buf << "Funnel (" << j.name() << ")\n";
        write(buf, stages, f);
        buf << "\nSteps: seekers against seats\n";
        write(buf, steps, f);
        buf << "\nBottleneck: " << (bottleneck.empty() ? "none (no enabled step has seekers)" : bottleneck) << "\n";
    }
    emit_text(a, buf.str());
}

}  // namespace

const command stats_command{
    "stats", "the funnel: members and NPS per stage, seekers against seats\nper step, the bottleneck", usage,
    "members! snapshot interactions journey events as-of min-satisfaction format output stage-gap "
    "+skip-unknown-members "
    "+allow-existing +strict",
    run};

}  // namespace cli
