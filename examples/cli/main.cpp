// engage-right: the command-line front end of the engage_right library.
//
// Exit codes: 0 ok, 2 bad input or bad arguments (message on stderr naming
// file, line and column where there is one), 1 internal error.

#include "options.hpp"
#include "output.hpp"

#include <engage_right/engage_right.hpp>

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

namespace er = engage_right;

int cmd_learn(const std::vector<std::string>& args);  // cmd_learn.cpp
int cmd_simulate(const std::vector<std::string>& args);  // cmd_simulate.cpp

namespace {

constexpr const char* tool_usage = R"(usage: engage-right <command> [options]

Recommends peer pairings along the customer journey: every member is paired
with happy peers exactly one stage to the right.

commands:
  recommend     top-k peers for every member (or one member)
  explain       score components and eligibility of one (member, peer) pair
  score         lead scores (fit, engagement with decay) from events
  infer-stages  stages from the journey's milestone rules, next milestones,
                stage history
  stats         the funnel: members and NPS per stage, seekers against seats
                per step, the bottleneck
  match         who meets whom: a capacity-aware plan (optimal, stable, greedy)
  export        the stage-labelled graph with a plan, as Graphviz DOT or GraphML
  simulate      can the journey go viral? stage counts per round, viral number R
  learn         uplift from history: odds ratio and lift per contact, per step

Run 'engage-right <command> --help' for the options of a command.
Exit codes: 0 ok, 2 bad input or arguments, 1 internal error.
)";

constexpr const char* recommend_usage = R"(usage: engage-right recommend --members FILE [options]

Top-k Engage Right peers per member under the reference scoring
  score = similarity*0.50 + tags*0.15 + proximity*0.25 + happiness*0.10

options:
  --members FILE           members.csv (id, stage, satisfaction, capacity,
                           opted_out, activity, tags, f_0..f_{d-1})
  --interactions FILE      interactions.csv (source, target[, weight][, timestamp])
  --journey PRESET|FILE    engage_right (default), four_phase, loyalty_loop,
                           inbound, success, or a journey JSON file
  --top K                  peers per member (default 5)
  --member ID              only this member
  --weights LIST           e.g. similarity=0.5,tags=0.15,proximity=0.25,happiness=0.1
                           (names not given keep the journey's weight)
  --min-satisfaction N     peers with a known satisfaction below N are skipped
                           (default: the journey's, 7)
  --allow-existing         also pair members who have already interacted
  --threads N              worker threads (default: all cores)
  --format table|csv|json  output format (default table)
  --output FILE            write there instead of standard output

columns: member,member_stage,peer,peer_stage,rank,score,similarity,tags,
         proximity,happiness,channel,reason
)";

constexpr const char* explain_usage = R"(usage: engage-right explain --members FILE --member ID --peer ID [options]

Score components, the hard-rule verdict and the reason sentence for one pair.

options:
  --members FILE, --interactions FILE, --journey PRESET|FILE,
  --weights LIST, --min-satisfaction N, --allow-existing   as for recommend
  --member ID              the member looking for a peer
  --peer ID                the candidate peer
  --format table|csv|json  output format (default table)
)";

constexpr const char* score_usage = R"(usage: engage-right score --members FILE --events FILE [options]

Lead scores per member: fit points for attributes plus engagement points for
actions, halved every half_life_days (the journey's lead_scoring section).

options:
  --members FILE           members.csv (the stage column is optional here)
  --events FILE            events.csv (member, action, timestamp[, value])
  --journey PRESET|FILE    engage_right (default), four_phase, loyalty_loop,
                           inbound, success, or a journey JSON file
  --as-of TIME             score time, unix seconds or ISO-8601 (default: the
                           latest event); later events are ignored
  --skip-unknown-members   drop events of ids missing from members.csv
                           (counted on stderr) instead of failing
  --format table|csv|json  output format (default table)
  --output FILE            write there instead of standard output

columns: member,fit,engagement,total
)";

constexpr const char* infer_usage = R"(usage: engage-right infer-stages --members FILE --events FILE [options]

Infers every member's stage from the journey's stage rules: the furthest stage
whose rule holds together with the rules of all earlier stages. Also reports
the checklist of the next stage and, with --history-out, when each member
first held each stage.

options:
  --members FILE, --events FILE, --journey PRESET|FILE, --as-of TIME,
  --skip-unknown-members   as for score
  --history-out FILE       write the stage history as stages.csv
                           (member,stage,timestamp)
  --format table|csv|json  output format (default table)
  --output FILE            write there instead of standard output

columns: member,recorded_stage,stage,fit,engagement,total,next_stage,
         next_milestone ("item: yes|no" items separated by "; ")
)";

constexpr const char* stats_usage = R"(usage: engage-right stats --members FILE [options]

Funnel health: members per stage, NPS overall and per stage (promoters 9-10,
passives 7-8, detractors 0-6), and for every step the seekers (members who
want a peer) against the seats (sum of the capacities of eligible peers); the
step with the fewest seats per seeker is the bottleneck.

options:
  --members FILE           members.csv
  --interactions FILE      interactions.csv: seekers who already know every
                           eligible peer count as without peer
  --journey PRESET|FILE    as for recommend
  --events FILE            infer the stages from events first (as infer-stages)
  --as-of TIME, --skip-unknown-members   with --events, as for score
  --min-satisfaction N     peer threshold (default: the journey's)
  --allow-existing         existing contacts may be paired again
  --format table|csv|json  output format (default table)
  --output FILE            write there instead of standard output
)";

constexpr const char* match_usage = R"(usage: engage-right match --members FILE [options]

A plan of who meets whom: every member gets up to --per-member peers one stage
to the right, every peer takes at most its capacity, the hard rules always hold.

options:
  --members FILE, --interactions FILE, --journey PRESET|FILE,
  --weights LIST, --min-satisfaction N, --allow-existing   as for recommend
  --per-member N           peers per member (default 1)
  --method NAME            optimal (default: maximum total score, exact),
                           stable (deferred acceptance, members propose),
                           greedy (best pair first)
  --candidates K           each member's top-K eligible peers form the matching
                           graph (default 50); 0 = every eligible pair
  --history FILE           earlier pairings, pairs.csv (member,peer,timestamp)
  --cooldown-days D        pairs met within D days before --as-of are not
                           paired again (default 90; 0 = off)
  --continuity-bonus X     add X to the score of pairs met before (default 0)
  --as-of TIME             "now" for the cooldown (default: latest in --history)
  --blocked FILE           blocked.csv (member,peer): never paired, both ways
  --spread X               0..1: seat j of a peer with capacity c costs X*j/c of
                           score, spreading load over peers (default 0)
  --threads N              worker threads (default: all cores)
  --format table|csv|json  output format (default table)
  --output FILE            write there instead of standard output

columns: member,member_stage,peer,peer_stage,score,channel,reason
Members with fewer peers than asked follow as rows with an empty peer and the
reason no_eligible_peer, no_positive_score or capacity_exhausted.
)";

constexpr const char* export_usage = R"(usage: engage-right export --members FILE --format dot|graphml [options]

The community as a graph: members grouped by stage (left to right in DOT),
interactions as grey edges, and a matching plan as red member -> peer edges
(dashed on private steps). Render DOT with Graphviz: dot -Tsvg out.dot > out.svg

options:
  --members FILE, --interactions FILE, --journey PRESET|FILE
  --format dot|graphml     required
  --no-plan                do not compute and draw a plan
  --only-paired            only members that are part of a pair
  --output FILE            write there instead of standard output
  all options of match     to shape the plan (--per-member, --method, ...)
)";

er::score_weights parse_weights(const std::string& text, er::score_weights w) {
    try {
        return er::parse_weights(text, w);
    } catch (const er::config_error& e) {
        throw cli::usage_error(std::string("option --weights: ") + e.what());
    }
}


er::community load_community(const cli::arguments& a) {
    const er::journey j = er::journey::from_preset_or_file(a.get("journey").value_or("engage_right"));
    const std::string members = a.require("members");
    std::optional<std::filesystem::path> interactions;
    if (auto i = a.get("interactions")) interactions = *i;
    er::community c = er::community::from_csv(members, interactions, j);
    if (c.self_loops_dropped() > 0)
        std::cerr << fmt::format("engage-right: warning: {}: {} self-loop{} dropped\n", interactions->string(),
                                 c.self_loops_dropped(), c.self_loops_dropped() == 1 ? "" : "s");
    return c;
}

er::recommend_options common_options(const cli::arguments& a, const er::community& c) {
    er::recommend_options o;
    if (auto w = a.get("weights")) o.weights = parse_weights(*w, c.journey().weights());
    if (auto m = a.get_int("min-satisfaction", 0, 11)) o.min_satisfaction = static_cast<int>(*m);
    o.allow_existing = a.has("allow-existing");
    return o;
}

void emit(const cli::arguments& a, const cli::result_table& t) {
    const cli::format f = cli::parse_format(a.get("format").value_or("table"));
    if (auto path = a.get("output")) {
        std::ofstream out(*path, std::ios::binary);
        if (!out) throw cli::usage_error(fmt::format("cannot write output file '{}'", *path));
        cli::write(out, t, f);
        out.flush();
        if (!out) throw std::runtime_error(fmt::format("writing '{}' failed", *path));
    } else {
        std::ostringstream buf;
        cli::write(buf, t, f);
        std::fwrite(buf.str().data(), 1, buf.str().size(), stdout);
        std::fflush(stdout);
    }
}

int cmd_recommend(const std::vector<std::string>& args) {
    const cli::arguments a(args,
                           {"members", "interactions", "journey", "top", "member", "weights", "min-satisfaction",
                            "format", "output", "threads"},
                           {"allow-existing"});
    if (a.help()) {
        std::cout << recommend_usage;
        return 0;
    }
    cli::parse_format(a.get("format").value_or("table"));  // fail before any work
    a.require("members");
    const er::community c = load_community(a);
    er::recommend_options o = common_options(a, c);
    o.k = static_cast<std::size_t>(a.get_int("top", 1, 1000000).value_or(5));
    o.threads = static_cast<unsigned>(a.get_int("threads", 0, 1024).value_or(0));
    std::vector<er::recommendation> recs;
    if (auto id = a.get("member")) {
        if (!c.find(*id)) throw cli::usage_error(fmt::format("option --member: unknown member id '{}'", *id));
        recs = er::recommender(c, o).for_member(*id);
    } else {
        recs = er::recommender(c, o).for_all();
    }
    cli::result_table t;
    t.columns = {"member", "member_stage", "peer", "peer_stage", "rank", "score", "similarity", "tags",
                 "proximity", "happiness", "channel", "reason"};
    t.rows.reserve(recs.size());
    const auto& j = c.journey();
    for (const auto& r : recs) {
        t.rows.push_back({cli::cell::str(c.id(r.member)), cli::cell::str(j.stage_name(c.stage(r.member))),
                          cli::cell::str(c.id(r.peer)), cli::cell::str(j.stage_name(c.stage(r.peer))),
                          cli::cell::num(r.rank), cli::cell::dec(r.score), cli::cell::dec(r.components.similarity),
                          cli::cell::dec(r.components.tags), cli::cell::dec(r.components.proximity),
                          cli::cell::dec(r.components.happiness), cli::cell::str(er::to_string(r.medium)),
                          cli::cell::str(r.reason)});
    }
    emit(a, t);
    return 0;
}

int cmd_explain(const std::vector<std::string>& args) {
    const cli::arguments a(args,
                           {"members", "interactions", "journey", "member", "peer", "weights", "min-satisfaction",
                            "format", "output"},
                           {"allow-existing"});
    if (a.help()) {
        std::cout << explain_usage;
        return 0;
    }
    cli::parse_format(a.get("format").value_or("table"));
    a.require("members");
    const std::string member = a.require("member"), peer = a.require("peer");
    const er::community c = load_community(a);
    for (const auto& id : {member, peer})
        if (!c.find(id)) throw cli::usage_error(fmt::format("unknown member id '{}'", id));
    const er::recommend_options o = common_options(a, c);
    const er::explanation e = er::explain(c, member, peer, o);
    const auto& j = c.journey();
    cli::result_table t;
    t.columns = {"member", "member_stage", "peer", "peer_stage", "eligible", "failed_rule", "why", "score",
                 "similarity", "tags", "proximity", "happiness", "channel", "reason"};
    t.rows.push_back({cli::cell::str(member), cli::cell::str(j.stage_name(c.stage(e.member))), cli::cell::str(peer),
                      cli::cell::str(j.stage_name(c.stage(e.peer))), cli::cell::str(e.verdict.eligible ? "yes" : "no"),
                      cli::cell::num(static_cast<int>(e.verdict.failed)), cli::cell::str(e.verdict.why),
                      cli::cell::dec(e.score), cli::cell::dec(e.components.similarity),
                      cli::cell::dec(e.components.tags), cli::cell::dec(e.components.proximity),
                      cli::cell::dec(e.components.happiness),
                      e.medium ? cli::cell::str(er::to_string(*e.medium)) : cli::cell::none(),
                      cli::cell::str(e.sentence)});
    emit(a, t);
    return 0;
}

std::optional<double> as_of_option(const cli::arguments& a) {
    const auto text = a.get("as-of");
    if (!text) return std::nullopt;
    const auto t = er::parse_timestamp(*text);
    if (!t) throw cli::usage_error(fmt::format("option --as-of: expected unix seconds or ISO-8601, got '{}'", *text));
    return t;
}

// Members and events for lead scoring and inference.
struct lead_inputs {
    er::journey j;
    er::member_table members;
    er::event_table events;
};

lead_inputs load_lead_inputs(const cli::arguments& a) {
    lead_inputs in;
    in.j = er::journey::from_preset_or_file(a.get("journey").value_or("engage_right"));
    in.members = er::read_members(a.require("members"), in.j, er::lead_read_options(in.j));
    er::event_read_options eo;
    eo.skip_unknown_members = a.has("skip-unknown-members");
    const std::string events = a.require("events");
    in.events = er::read_events(events, in.members, in.j, eo);
    if (in.events.skipped_unknown_members > 0)
        std::cerr << fmt::format("engage-right: warning: {}: {} event{} of unknown members skipped\n", events,
                                 in.events.skipped_unknown_members, in.events.skipped_unknown_members == 1 ? "" : "s");
    return in;
}

int cmd_score(const std::vector<std::string>& args) {
    const cli::arguments a(args, {"members", "events", "journey", "as-of", "format", "output"},
                           {"skip-unknown-members"});
    if (a.help()) {
        std::cout << score_usage;
        return 0;
    }
    cli::parse_format(a.get("format").value_or("table"));
    a.require("members");
    a.require("events");
    er::lead_options o;
    o.as_of = as_of_option(a);
    const lead_inputs in = load_lead_inputs(a);
    const er::lead_scores_result r = er::lead_scores(in.members, in.events, in.j, o);
    cli::result_table t;
    t.columns = {"member", "fit", "engagement", "total"};
    t.rows.reserve(r.scores.size());
    for (std::size_t i = 0; i < r.scores.size(); ++i)
        t.rows.push_back({cli::cell::str(in.members.id[i]), cli::cell::dec(r.scores[i].fit),
                          cli::cell::dec(r.scores[i].engagement), cli::cell::dec(r.scores[i].total)});
    emit(a, t);
    return 0;
}

void write_history(const std::string& path, const er::stage_inference& inf, const er::member_table& m,
                   const er::journey& j) {
    std::ofstream out(path, std::ios::binary);
    if (!out) throw cli::usage_error(fmt::format("cannot write history file '{}'", path));
    er::write_stage_history(out, inf, m, j);
    out.flush();
    if (!out) throw std::runtime_error(fmt::format("writing '{}' failed", path));
}

int cmd_infer(const std::vector<std::string>& args) {
    const cli::arguments a(args, {"members", "events", "journey", "as-of", "history-out", "format", "output"},
                           {"skip-unknown-members"});
    if (a.help()) {
        std::cout << infer_usage;
        return 0;
    }
    cli::parse_format(a.get("format").value_or("table"));
    a.require("members");
    a.require("events");
    er::lead_options o;
    o.as_of = as_of_option(a);
    const lead_inputs in = load_lead_inputs(a);
    const er::stage_inference inf = er::infer_stages(in.members, in.events, in.j, o);
    cli::result_table t;
    t.columns = {"member", "recorded_stage", "stage", "fit", "engagement", "total", "next_stage", "next_milestone"};
    t.rows.reserve(inf.size());
    const auto& j = in.j;
    for (std::size_t i = 0; i < inf.size(); ++i) {
        const bool known = in.members.stage_known.empty() || in.members.stage_known[i];
        const std::size_t next = std::size_t{inf.stage[i]} + 1;
        t.rows.push_back({cli::cell::str(in.members.id[i]),
                          known ? cli::cell::str(j.stage_name(in.members.stage[i])) : cli::cell::none(),
                          cli::cell::str(j.stage_name(inf.stage[i])), cli::cell::dec(inf.scores[i].fit),
                          cli::cell::dec(inf.scores[i].engagement), cli::cell::dec(inf.scores[i].total),
                          next < j.stage_count() ? cli::cell::str(j.stage_name(static_cast<er::stage_index>(next)))
                                                 : cli::cell::none(),
                          cli::cell::str(er::checklist_text(er::next_milestone(inf, j, i)))});
    }
    if (auto h = a.get("history-out")) write_history(*h, inf, in.members, j);
    emit(a, t);
    return 0;
}

cli::cell ratio_cell(double v) { return std::isnan(v) ? cli::cell::none() : cli::cell::dec(v); }

int cmd_stats(const std::vector<std::string>& args) {
    const cli::arguments a(args,
                           {"members", "interactions", "journey", "events", "as-of", "min-satisfaction", "format",
                            "output"},
                           {"skip-unknown-members", "allow-existing"});
    if (a.help()) {
        std::cout << stats_usage;
        return 0;
    }
    const cli::format f = cli::parse_format(a.get("format").value_or("table"));
    a.require("members");
    er::funnel_options fo;
    if (auto m = a.get_int("min-satisfaction", 0, 11)) fo.min_satisfaction = static_cast<int>(*m);
    fo.allow_existing = a.has("allow-existing");
    std::optional<er::community> built;
    if (a.get("events")) {
        er::lead_options o;
        o.as_of = as_of_option(a);
        lead_inputs in = load_lead_inputs(a);
        const er::stage_inference inf = er::infer_stages(in.members, in.events, in.j, o);
        in.members.stage = inf.stage;
        in.members.stage_known.clear();
        er::interaction_table inter;
        if (auto i = a.get("interactions")) inter = er::read_interactions(*i, in.members);
        built.emplace(in.j, std::move(in.members), inter);
    } else {
        if (a.has("as-of") || a.has("skip-unknown-members"))
            throw cli::usage_error("options --as-of and --skip-unknown-members need --events");
        built.emplace(load_community(a));
    }
    const er::community& c = *built;
    const er::funnel_report r = er::funnel(c, fo);
    const auto& j = c.journey();

    cli::result_table stages;
    stages.columns = {"stage", "members", "share", "reached", "conversion", "promoters", "passives", "detractors",
                      "unknown", "nps"};
    auto nps_cells = [](const er::nps_summary& n) {
        return std::vector<cli::cell>{cli::cell::num(static_cast<long long>(n.promoters)),
                                      cli::cell::num(static_cast<long long>(n.passives)),
                                      cli::cell::num(static_cast<long long>(n.detractors)),
                                      cli::cell::num(static_cast<long long>(n.unknown)), ratio_cell(n.nps())};
    };
    for (const auto& s : r.stages) {
        std::vector<cli::cell> row = {cli::cell::str(j.stage_name(s.stage)), cli::cell::num(static_cast<long long>(s.members)),
                                      ratio_cell(s.share), cli::cell::num(static_cast<long long>(s.reached)),
                                      ratio_cell(s.conversion)};
        for (auto& cell : nps_cells(s.nps)) row.push_back(std::move(cell));
        stages.rows.push_back(std::move(row));
    }
    {
        std::vector<cli::cell> row = {cli::cell::str("(all)"), cli::cell::num(static_cast<long long>(c.size())),
                                      ratio_cell(c.size() ? 1.0 : std::nan("")),
                                      cli::cell::num(static_cast<long long>(c.size())), cli::cell::none()};
        for (auto& cell : nps_cells(r.overall)) row.push_back(std::move(cell));
        stages.rows.push_back(std::move(row));
    }
    cli::result_table steps;
    steps.columns = {"from", "to", "enabled", "channel", "seekers", "seekers_without_peer", "peers", "seats",
                     "seats_per_seeker", "bottleneck"};
    for (const auto& s : r.steps)
        steps.rows.push_back({cli::cell::str(j.stage_name(s.from)),
                              cli::cell::str(j.stage_name(static_cast<er::stage_index>(s.from + 1))),
                              cli::cell::str(s.enabled ? "yes" : "no"), cli::cell::str(er::to_string(s.medium)),
                              cli::cell::num(static_cast<long long>(s.seekers)),
                              cli::cell::num(static_cast<long long>(s.seekers_without_peer)),
                              cli::cell::num(static_cast<long long>(s.peers)),
                              cli::cell::num(static_cast<long long>(s.seats)), ratio_cell(s.seats_per_seeker),
                              cli::cell::str(r.bottleneck && *r.bottleneck == s.from ? "yes" : "no")});
    const std::string bottleneck = r.bottleneck_text(j);
    std::ostringstream buf;
    if (f == cli::format::json) {
        buf << "{\"stages\": ";
        cli::write(buf, stages, f);
        buf << ", \"steps\": ";
        cli::write(buf, steps, f);
        buf << ", \"bottleneck\": " << (bottleneck.empty() ? "null" : cli::json_string(bottleneck)) << "}\n";
    } else if (f == cli::format::csv) {
        // One table: a `section` column tells stage rows from step rows.
        cli::result_table all;
        all.columns = {"section"};
        for (const auto& c2 : stages.columns) all.columns.push_back(c2);
        for (const auto& c2 : steps.columns) all.columns.push_back(c2);
        for (auto& row : stages.rows) {
            std::vector<cli::cell> out = {cli::cell::str("stage")};
            for (auto& cell : row) out.push_back(cell);
            out.resize(all.columns.size(), cli::cell::none());
            all.rows.push_back(std::move(out));
        }
        for (auto& row : steps.rows) {
            std::vector<cli::cell> out(1 + stages.columns.size(), cli::cell::none());
            out[0] = cli::cell::str("step");
            for (auto& cell : row) out.push_back(cell);
            all.rows.push_back(std::move(out));
        }
        cli::write(buf, all, f);
    } else {
        buf << "Funnel (" << j.name() << ")\n";
        cli::write(buf, stages, f);
        buf << "\nSteps: seekers against seats\n";
        cli::write(buf, steps, f);
        buf << "\nBottleneck: " << (bottleneck.empty() ? "none (no enabled step has seekers)" : bottleneck) << "\n";
    }
    if (auto path = a.get("output")) {
        std::ofstream out(*path, std::ios::binary);
        if (!out) throw cli::usage_error(fmt::format("cannot write output file '{}'", *path));
        out << buf.str();
        out.flush();
        if (!out) throw std::runtime_error(fmt::format("writing '{}' failed", *path));
    } else {
        std::fwrite(buf.str().data(), 1, buf.str().size(), stdout);
        std::fflush(stdout);
    }
    return 0;
}

const std::vector<std::string> match_valued = {"members", "interactions", "journey", "weights", "min-satisfaction",
                                               "per-member", "method", "candidates", "history", "cooldown-days",
                                               "continuity-bonus", "as-of", "blocked", "spread", "threads", "format",
                                               "output"};

double real_option(const cli::arguments& a, const std::string& name, double fallback, double lo, double hi) {
    const auto text = a.get(name);
    if (!text) return fallback;
    double v = 0;
    auto [p, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
    if (ec != std::errc() || p != text->data() + text->size() || !(v >= lo && v <= hi))
        throw cli::usage_error(fmt::format("option --{}: expected a number {}..{}, got '{}'", name, lo, hi, *text));
    return v;
}

er::match_options match_options_of(const cli::arguments& a, const er::community& c) {
    er::match_options o;
    o.scoring = common_options(a, c);
    o.scoring.threads = static_cast<unsigned>(a.get_int("threads", 0, 1024).value_or(0));
    if (auto m = a.get("method")) {
        try {
            o.method = er::parse_match_method(*m);
        } catch (const er::config_error& e) {
            throw cli::usage_error(std::string("option --method: ") + e.what());
        }
    }
    o.per_member = static_cast<std::size_t>(a.get_int("per-member", 1, 1000).value_or(1));
    o.candidates = static_cast<std::size_t>(a.get_int("candidates", 0, 100000000).value_or(50));
    o.cooldown_days = real_option(a, "cooldown-days", 90, 0, 1e6);
    o.continuity_bonus = real_option(a, "continuity-bonus", 0, 0, 1e6);
    o.spread = real_option(a, "spread", 0, 0, 1);
    o.as_of = as_of_option(a);
    if (auto h = a.get("history")) o.history = er::read_pairs(*h, c);
    if (auto b = a.get("blocked")) {
        const auto blocked = er::read_blocked(*b, c);
        o.scoring.blocked.insert(o.scoring.blocked.end(), blocked.begin(), blocked.end());
    }
    return o;
}


int cmd_match(const std::vector<std::string>& args) {
    const cli::arguments a(args, match_valued, {"allow-existing"});
    if (a.help()) {
        std::cout << match_usage;
        return 0;
    }
    const cli::format f = cli::parse_format(a.get("format").value_or("table"));
    a.require("members");
    const er::community c = load_community(a);
    const er::match_options o = match_options_of(a, c);
    const er::match_result r = er::match(c, o);
    const auto& j = c.journey();
    cli::result_table pairs;
    pairs.columns = {"member", "member_stage", "peer", "peer_stage", "score", "channel", "reason"};
    for (const auto& p : r.pairs)
        pairs.rows.push_back({cli::cell::str(c.id(p.member)), cli::cell::str(j.stage_name(c.stage(p.member))),
                              cli::cell::str(c.id(p.peer)), cli::cell::str(j.stage_name(c.stage(p.peer))),
                              cli::cell::dec(p.score), cli::cell::str(er::to_string(p.medium)),
                              cli::cell::str(p.reason)});
    cli::result_table unmatched;
    unmatched.columns = {"member", "member_stage", "matched", "reason"};
    for (const auto& u : r.unmatched)
        unmatched.rows.push_back({cli::cell::str(c.id(u.member)), cli::cell::str(j.stage_name(c.stage(u.member))),
                                  cli::cell::num(u.matched), cli::cell::str(er::to_string(u.reason))});
    std::ostringstream buf;
    if (f == cli::format::csv) {
        cli::result_table all = pairs;
        for (const auto& u : r.unmatched)
            all.rows.push_back({cli::cell::str(c.id(u.member)), cli::cell::str(j.stage_name(c.stage(u.member))),
                                cli::cell::none(), cli::cell::none(), cli::cell::none(), cli::cell::none(),
                                cli::cell::str(er::to_string(u.reason))});
        cli::write(buf, all, f);
    } else if (f == cli::format::json) {
        buf << "{\"method\": " << cli::json_string(er::to_string(o.method)) << ", \"pairs\": ";
        cli::write(buf, pairs, f);
        buf << ", \"unmatched\": ";
        cli::write(buf, unmatched, f);
        buf << fmt::format(", \"total_score\": {}, \"total_value\": {}, \"candidate_pairs\": {}}}\n", r.total_score,
                           r.total_value, r.candidate_pairs);
    } else {
        cli::write(buf, pairs, f);
        buf << fmt::format("\n{} pair{} ({}), total score {:.3f}; {} member{} with fewer peers than asked\n",
                           r.pairs.size(), r.pairs.size() == 1 ? "" : "s", er::to_string(o.method), r.total_score,
                           r.unmatched.size(), r.unmatched.size() == 1 ? "" : "s");
        if (!r.unmatched.empty()) {
            buf << "\n";
            cli::write(buf, unmatched, f);
        }
    }
    cli::emit_text(a, buf.str());
    return 0;
}

int cmd_export(const std::vector<std::string>& args) {
    const cli::arguments a(args, match_valued, {"allow-existing", "no-plan", "only-paired"});
    if (a.help()) {
        std::cout << export_usage;
        return 0;
    }
    const std::string fmt_name = a.require("format");
    er::graph_format gf{};
    try {
        gf = er::parse_graph_format(fmt_name);
    } catch (const er::config_error& e) {
        throw cli::usage_error(std::string("option --format: ") + e.what());
    }
    a.require("members");
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
    cli::emit_text(a, buf.str());
    return 0;
}

// Bad arguments or bad input (exit code 2) rather than an internal error.
bool is_user_error(const std::exception& e) {
    return dynamic_cast<const cli::usage_error*>(&e) || dynamic_cast<const er::input_error*>(&e) ||
           dynamic_cast<const er::config_error*>(&e) || dynamic_cast<const er::not_found_error*>(&e);
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    try {
        if (args.empty()) {
            std::cerr << tool_usage;
            return 2;
        }
        const std::string cmd = args[0];
        args.erase(args.begin());
        if (cmd == "-h" || cmd == "--help" || cmd == "help") {
            std::cout << tool_usage;
            return 0;
        }
        if (cmd == "--version") {
            std::cout << "engage-right " << er::version_string << "\n";
            return 0;
        }
        if (cmd == "recommend") return cmd_recommend(args);
        if (cmd == "explain") return cmd_explain(args);
        if (cmd == "score") return cmd_score(args);
        if (cmd == "infer-stages") return cmd_infer(args);
        if (cmd == "stats") return cmd_stats(args);
        if (cmd == "match") return cmd_match(args);
        if (cmd == "export") return cmd_export(args);
        if (cmd == "simulate") return cmd_simulate(args);
        if (cmd == "learn") return cmd_learn(args);
        throw cli::usage_error(fmt::format("unknown command '{}' (see engage-right --help)", cmd));
    } catch (const std::exception& e) {
        if (is_user_error(e)) {
            std::cerr << "engage-right: " << e.what() << "\n";
            return 2;
        }
        std::cerr << "engage-right: internal error: " << e.what() << "\n";
        return 1;
    }
}
