#include "common.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <iostream>

namespace cli {

void warn(const std::string& message) { std::cerr << "engage-right: warning: " << message << '\n'; }

void warn_count(const std::string& file, std::size_t n, const std::string& noun, const std::string& rest) {
    if (n > 0) warn(fmt::format("{}: {} {}{} {}", file, n, noun, plural(n), rest));
}

std::optional<double> time_option(const arguments& a, const std::string& name) {
    const auto text = a.get(name);
    if (!text) return std::nullopt;
    const auto t = er::parse_timestamp(*text);
    if (!t) throw usage_error(fmt::format("option --{}: expected unix seconds or ISO-8601, got '{}'", name, *text));
    return t;
}

er::journey journey_of(const arguments& a) {
    return er::journey::from_preset_or_file(a.get("journey").value_or("engage_right"));
}

er::community load_community(const arguments& a) {
    if (auto snapshot = a.get("snapshot")) {
        for (const char* other : {"members", "interactions", "journey"})
            if (a.has(other))
                throw usage_error(fmt::format(
                    "option --snapshot replaces --members, --interactions and --journey; --{} was given too", other));
        return er::load(*snapshot);
    }
    const er::journey j = journey_of(a);
    const std::string members = a.require("members");
    const auto interactions = a.get("interactions");
    std::optional<std::filesystem::path> interactions_path;
    if (interactions) interactions_path = *interactions;
    er::community c = er::community::from_csv(members, interactions_path, j);
    if (interactions) warn_count(*interactions, c.self_loops_dropped(), "self-loop", "dropped");
    return c;
}

er::recommend_options recommend_options_of(const arguments& a, const er::community& c) {
    er::recommend_options o;
    if (auto w = a.get("weights"))
        o.weights = parsed_option("weights", [&] { return er::parse_weights(*w, c.journey().weights()); });
    if (auto m = a.get_int("min-satisfaction", 0, 11)) o.min_satisfaction = static_cast<int>(*m);
    o.allow_existing = a.has("allow-existing");
    o.gap = stage_gap_of(a, c.journey());
    o.model = model_of(a, c);
    return o;
}

er::stage_gap stage_gap_of(const arguments& a, const er::journey& j) {
    const auto text = a.get("stage-gap");
    if (!text) return {};
    return parsed_option("stage-gap", [&] {
        const er::stage_gap g = er::parse_stage_gap(*text);
        er::validate_stage_gap(g, j);
        return g;
    });
}

std::shared_ptr<const er::ranking_scorer> model_of(const arguments& a, const er::community& c) {
    const auto path = a.get("model");
    if (!path) {
        if (a.has("content")) throw usage_error("option --content: only used with --model");
        return nullptr;
    }
    er::ranking_model m = er::read_model(*path);
    er::ranking_context ctx;
    if (auto t = time_option(a, "as-of")) ctx.as_of = *t;
    if (auto content = a.get("content"))
        ctx.threads = std::make_shared<er::content_threads>(c, er::read_content(*content));
    return std::make_shared<er::ranking_scorer>(c, std::move(m), std::move(ctx));
}

lead_inputs load_lead_inputs(const arguments& a) {
    lead_inputs in;
    in.options.as_of = time_option(a, "as-of");
    in.j = journey_of(a);
    in.members = er::read_members(a.require("members"), in.j, er::lead_read_options(in.j));
    er::event_read_options eo;
    eo.skip_unknown_members = a.has("skip-unknown-members");
    const std::string events = a.require("events");
    in.events = er::read_events(events, in.members, in.j, eo);
    warn_count(events, in.events.skipped_unknown_members, "event", "of unknown members skipped");
    return in;
}

void warn_findings(const er::journey& j, const std::vector<er::finding>& findings) {
    for (const auto& line : er::finding_summary(j, findings)) warn(line);
}

void strict_findings(const arguments& a, const std::vector<er::finding>& findings) {
    if (!a.has("strict") || findings.empty()) return;
    throw findings_error(fmt::format("{} finding{} in the journey check, and --strict makes them an error",
                                     findings.size(), plural(findings.size())));
}

void check_lead_inputs(const arguments& a, const lead_inputs& in, const er::stage_inference* inference) {
    er::check_options o;
    o.lead = in.options;
    o.inference = inference;
    const auto findings = er::check_journey(in.j, &in.members, &in.events, o);
    warn_findings(in.j, findings);
    strict_findings(a, findings);
}

er::graph_format graph_format_of(const arguments& a) {
    const std::string name = a.require("format");
    return parsed_option("format", [&] { return er::parse_graph_format(name); });
}

namespace {

// The words of command::options that pass `keep`, with the marks removed.
template <class Keep>
std::vector<std::string> option_words(std::string_view spec, Keep keep) {
    std::vector<std::string> out;
    while (!spec.empty()) {
        const auto cut = spec.find(' ');
        std::string_view w = spec.substr(0, cut);
        spec = cut == std::string_view::npos ? std::string_view{} : spec.substr(cut + 1);
        if (w.empty() || !keep(w)) continue;
        if (w.front() == '+') w.remove_prefix(1);
        if (w.back() == '!') w.remove_suffix(1);
        out.emplace_back(w);
    }
    return out;
}

}  // namespace

std::vector<std::string> command::valued() const {
    return option_words(options, [](std::string_view w) { return w.front() != '+'; });
}

std::vector<std::string> command::flags() const {
    return option_words(options, [](std::string_view w) { return w.front() == '+'; });
}

std::vector<std::string> command::required() const {
    return option_words(options, [](std::string_view w) { return w.back() == '!'; });
}

const char* const match_option_spec =
    "members! snapshot interactions journey weights min-satisfaction per-member method candidates history "
    "cooldown-days "
    "continuity-bonus as-of blocked spread threads format output stage-gap model content +allow-existing";

er::match_options match_options_of(const arguments& a, const er::community& c) {
    er::match_options o;
    o.scoring = recommend_options_of(a, c);
    o.scoring.threads = static_cast<unsigned>(a.get_int("threads", 0, 1024).value_or(0));
    if (auto m = a.get("method")) o.method = parsed_option("method", [&] { return er::parse_match_method(*m); });
    o.per_member = static_cast<std::size_t>(a.get_int("per-member", 1, 1000).value_or(1));
    o.candidates = static_cast<std::size_t>(a.get_int("candidates", 0, 100000000).value_or(50));
    o.cooldown_days = a.get_real("cooldown-days", 0, 1e6).value_or(90);
    o.continuity_bonus = a.get_real("continuity-bonus", 0, 1e6).value_or(0);
    o.spread = a.get_real("spread", 0, 1).value_or(0);
    o.as_of = time_option(a, "as-of");
    if (auto h = a.get("history")) o.history = er::read_pairs(*h, c);
    if (auto b = a.get("blocked")) {
        const auto blocked = er::read_blocked(*b, c);
        o.scoring.blocked.insert(o.scoring.blocked.end(), blocked.begin(), blocked.end());
    }
    return o;
}

}  // namespace cli
