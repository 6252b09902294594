// engage-right: the command-line front end of the engage_right library.
//
// Exit codes: 0 ok, 2 bad input or bad arguments (message on stderr naming
// file, line and column where there is one), 1 internal error.

#include "options.hpp"
#include "output.hpp"

#include <engage_right/engage_right.hpp>

#include <fmt/format.h>

#include <charconv>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

namespace er = engage_right;

namespace {

constexpr const char* tool_usage = R"(usage: engage-right <command> [options]

Recommends peer pairings along the customer journey: every member is paired
with happy peers exactly one stage to the right.

commands:
  recommend   top-k peers for every member (or one member)
  explain     score components and eligibility of one (member, peer) pair

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

er::score_weights parse_weights(const std::string& text, er::score_weights w) {
    std::string_view rest = text;
    while (!rest.empty()) {
        const auto cut = rest.find(',');
        const std::string_view item = rest.substr(0, cut);
        rest = cut == std::string_view::npos ? std::string_view{} : rest.substr(cut + 1);
        const auto eq = item.find('=');
        if (eq == std::string_view::npos)
            throw cli::usage_error(fmt::format("option --weights: expected name=value, got '{}'", item));
        const std::string_view name = item.substr(0, eq), value = item.substr(eq + 1);
        double v = 0;
        auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
        if (ec != std::errc() || p != value.data() + value.size())
            throw cli::usage_error(fmt::format("option --weights: '{}' is not a number", value));
        if (name == "similarity") w.similarity = v;
        else if (name == "tags") w.tags = v;
        else if (name == "proximity") w.proximity = v;
        else if (name == "happiness") w.happiness = v;
        else
            throw cli::usage_error(fmt::format(
                "option --weights: unknown weight '{}' (expected similarity, tags, proximity, happiness)", name));
    }
    try {
        er::validate_weights(w);
    } catch (const er::config_error& e) {
        throw cli::usage_error(std::string("option --weights: ") + e.what());
    }
    return w;
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
