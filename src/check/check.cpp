// check_journey: a journey against its data (docs/journey.md, "Checking a
// journey").
#include <engage_right/check.hpp>
#include <engage_right/error.hpp>
#include <engage_right/io.hpp>

#include "util/names.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace engage_right {

namespace {

constexpr detail::name_table<finding_kind, 7> kind_names{"finding kind",
                                                         {{{finding_kind::unknown_action, "unknown_action"},
                                                           {finding_kind::unknown_milestone, "unknown_milestone"},
                                                           {finding_kind::unused_action, "unused_action"},
                                                           {finding_kind::unknown_tag, "unknown_tag"},
                                                           {finding_kind::missing_rule, "missing_rule"},
                                                           {finding_kind::unreachable_stage, "unreachable_stage"},
                                                           {finding_kind::unreachable_member, "unreachable_member"}}}};

// Levenshtein distance (names are short).
std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t up = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0u : 1u)});
            diagonal = up;
        }
    }
    return row[b.size()];
}

// " (did you mean 'x'?)" for the closest candidate within a typo's reach: at
// most two edits, and at most a third of the longer name; ties to the first.
std::string suggestion(std::string_view name, const std::vector<std::string>& candidates) {
    const std::string* best = nullptr;
    std::size_t best_distance = std::numeric_limits<std::size_t>::max();
    for (const auto& c : candidates) {
        if (c == name) continue;
        const std::size_t d = edit_distance(name, c);
        if (d <= 2 && 3 * d <= std::max(name.size(), c.size()) && d < best_distance) {
            best = &c;
            best_distance = d;
        }
    }
    return best ? fmt::format(" (did you mean '{}'?)", *best) : std::string{};
}

std::string number_text(double v) {
    if (std::nearbyint(v) == v && std::fabs(v) < 1e15) return fmt::format("{}", static_cast<long long>(v));
    return fmt::format("{}", v);
}

// The most fit points a member can have: every positive fit rule matched.
double max_fit(const journey& j) {
    double total = 0;
    for (const auto& r : j.lead_scoring().fit) total += std::max(0.0, r.points);
    return total;
}

// Whether some event can raise engagement.
bool positive_action(const journey& j) {
    for (const auto& [name, p] : j.lead_scoring().actions)
        if (p.points > 0 || (p.per_value && p.points != 0)) return true;
    return false;
}

// Why the rule of a stage can never hold, whatever the events; empty when it can.
std::string static_obstacle(const stage_rule& r, double fit_most, bool can_engage) {
    if (r.min_fit && *r.min_fit > fit_most)
        return fmt::format("min_fit {} is more than all fit rules together give ({})", number_text(*r.min_fit),
                           number_text(fit_most));
    if (r.min_engagement && *r.min_engagement > 0 && !can_engage)
        return fmt::format("min_engagement {} needs engagement points, but no action scores positive points",
                           number_text(*r.min_engagement));
    if (r.min_score && *r.min_score > fit_most && !can_engage)
        return fmt::format(
            "min_score {} is more than all fit rules together give ({}), and no action scores "
            "positive points",
            number_text(*r.min_score), number_text(fit_most));
    return {};
}

// The journey with every member's fit taken at its most: fit rules removed,
// min_score lowered by the most fit points, min_fit dropped where the most
// fit points meet it. For members known by id only.
journey optimistic(const journey& j) {
    journey out = j;
    const double fit_most = max_fit(j);
    lead_scoring_config ls = j.lead_scoring();
    ls.fit.clear();
    out.set_lead_scoring(std::move(ls));
    for (std::size_t s = 1; s < j.stage_count(); ++s) {
        const stage_rule* r = j.rule(static_cast<stage_index>(s));
        if (!r) continue;
        stage_rule o = *r;
        if (o.min_score) o.min_score = *o.min_score - fit_most;
        if (o.min_fit && *o.min_fit <= fit_most) o.min_fit.reset();
        out.set_rule(static_cast<stage_index>(s), std::move(o));
    }
    return out;
}

// The journey where only the rule of stage `s` counts (every other rule is
// empty): who met that rule on its own, at some time.
journey only_rule(const journey& j, stage_index s) {
    journey out = j;
    for (std::size_t t = 1; t < j.stage_count(); ++t)
        if (t != s) out.set_rule(static_cast<stage_index>(t), stage_rule{});
    return out;
}

// The furthest stage each member held: now, or at some time in the history.
std::vector<stage_index> furthest_stages(const stage_inference& inf) {
    std::vector<stage_index> out(inf.size());
    for (std::size_t i = 0; i < inf.size(); ++i) {
        stage_index best = inf.stage[i];
        for (std::size_t s = inf.stage_count; s-- > best + 1u;)
            if (!std::isnan(inf.entered_at(i, static_cast<stage_index>(s)))) {
                best = static_cast<stage_index>(s);
                break;
            }
        out[i] = best;
    }
    return out;
}

// The rule's conditions as text: "min_score 50; answer_accepted; badge_nice_answer".
std::string rule_text(const stage_rule& r) {
    std::string out;
    auto add = [&](const std::string& item) { out += (out.empty() ? "" : "; ") + item; };
    if (r.min_score) add("min_score " + number_text(*r.min_score));
    if (r.min_fit) add("min_fit " + number_text(*r.min_fit));
    if (r.min_engagement) add("min_engagement " + number_text(*r.min_engagement));
    for (const auto& m : r.milestones) {
        std::string label = m.action;
        for (const auto& a : m.alternatives) label += " or " + a;
        add(m.at_least > 1 ? fmt::format("{} x{}", label, m.at_least) : label);
    }
    return out;
}

// Milestones of a rule that no member has met (counts only grow, so the
// counts at as_of are everybody's most): "no member has 'x'", "no member has
// 'x' 5 times (most: 3)".
std::vector<std::string> unmet_milestones(const stage_rule& r, const stage_inference& inf) {
    std::vector<std::string> out;
    const std::size_t slots = inf.milestone_actions.size();
    for (const auto& m : r.milestones) {
        const auto actions = m.actions();
        std::uint64_t most = 0;
        for (std::size_t i = 0; i < inf.size(); ++i) {
            std::uint64_t have = 0;
            for (std::size_t slot = 0; slot < slots; ++slot)
                if (std::find(actions.begin(), actions.end(), inf.milestone_actions[slot]) != actions.end())
                    have += inf.milestone_counts[i * slots + slot];
            most = std::max(most, have);
        }
        if (most >= m.at_least) continue;
        std::string label = "'" + m.action + "'";
        for (const auto& a : m.alternatives) label += " or '" + a + "'";
        if (m.at_least <= 1) out.push_back(fmt::format("no member has {}", label));
        else out.push_back(fmt::format("no member has {} {} times (most: {})", label, m.at_least, most));
    }
    return out;
}

std::string joined(const std::vector<std::string>& items, std::string_view sep) {
    std::string out;
    for (const auto& x : items) out += (out.empty() ? "" : std::string(sep)) + x;
    return out;
}

}  // namespace

const char* to_string(finding_kind k) noexcept { return kind_names.name(k); }

std::vector<std::string> finding_summary(const journey& j, const std::vector<finding>& findings) {
    std::vector<std::string> out;
    // Member findings by recorded stage, in stage order, after the others.
    std::vector<std::vector<const finding*>> by_stage(j.stage_count());
    for (const auto& f : findings) {
        if (f.kind == finding_kind::unreachable_member && f.stage && *f.stage < by_stage.size())
            by_stage[*f.stage].push_back(&f);
        else out.push_back(f.message);
    }
    for (std::size_t s = 0; s < by_stage.size(); ++s) {
        const auto& list = by_stage[s];
        if (list.empty()) continue;
        if (list.size() == 1) {
            out.push_back(list[0]->message);
            continue;
        }
        std::string first;
        const std::size_t shown = std::min<std::size_t>(list.size(), 5);
        for (std::size_t i = 0; i < shown; ++i) first += (i ? ", '" : "'") + list[i]->subject + "'";
        if (list.size() > shown) first += fmt::format(" and {} more", list.size() - shown);
        out.push_back(
            fmt::format("{} members are recorded at '{}' but their events never reach it by the stage rules: {}",
                        list.size(), j.stage_name(static_cast<stage_index>(s)), first));
    }
    return out;
}

finding_kind parse_finding_kind(std::string_view name) { return kind_names.parse(name); }

std::vector<finding> check_journey(const journey& j, const member_table* members, const event_table* events,
                                   const check_options& options) {
    if (events && !members) throw config_error("check_journey: events need the member table they were read against");
    const std::size_t stages = j.stage_count();
    const auto& ls = j.lead_scoring();
    const bool with_attributes = members && options.member_attributes;
    std::vector<finding> out;
    auto add = [&](finding_kind k, std::string subject, std::optional<stage_index> stage, std::size_t count,
                   std::string message) {
        finding f;
        f.kind = k;
        f.subject = std::move(subject);
        f.stage = stage;
        f.count = count;
        f.message = std::move(message);
        out.push_back(std::move(f));
    };

    // --- names: actions and milestones against the events' actions.
    std::vector<std::string> journey_actions;  // scored or named by a milestone, journey order
    for (const auto& [name, p] : ls.actions) journey_actions.push_back(name);
    for (std::size_t s = 1; s < stages; ++s)
        if (const stage_rule* r = j.rule(static_cast<stage_index>(s)))
            for (const auto& m : r->milestones)
                for (const auto& a : m.actions())
                    if (std::find(journey_actions.begin(), journey_actions.end(), a) == journey_actions.end())
                        journey_actions.push_back(a);
    std::vector<std::size_t> event_counts;
    if (events) {
        const auto& names = events->action_names;
        event_counts.assign(names.size(), 0);
        for (const auto a : events->action) {
            if (a >= names.size())
                throw config_error(
                    fmt::format("check_journey: action code {} is outside the {} action names", a, names.size()));
            ++event_counts[a];
        }
        auto occurs = [&](const std::string& a) {
            const auto it = std::find(names.begin(), names.end(), a);
            return it != names.end() && event_counts[static_cast<std::size_t>(it - names.begin())] > 0;
        };
        std::vector<std::string> seen;  // actions that occur, in first-appearance order
        for (std::size_t a = 0; a < names.size(); ++a)
            if (event_counts[a] > 0) seen.push_back(names[a]);
        for (const auto& [name, p] : ls.actions)
            if (!occurs(name))
                add(finding_kind::unknown_action, name, std::nullopt, 0,
                    fmt::format("action '{}' of lead_scoring.actions never occurs in the events{}", name,
                                suggestion(name, seen)));
        for (std::size_t s = 1; s < stages; ++s) {
            const stage_rule* r = j.rule(static_cast<stage_index>(s));
            if (!r) continue;
            std::vector<std::string> done;
            for (const auto& m : r->milestones)
                for (const auto& a : m.actions()) {
                    if (occurs(a) || std::find(done.begin(), done.end(), a) != done.end()) continue;
                    done.push_back(a);
                    add(finding_kind::unknown_milestone, a, static_cast<stage_index>(s), 0,
                        fmt::format("milestone action '{}' of stage '{}' never occurs in the events{}", a,
                                    j.stage_name(static_cast<stage_index>(s)), suggestion(a, seen)));
                }
        }
        std::vector<std::string> missing;  // the journey's names that never occur
        for (const auto& a : journey_actions)
            if (!occurs(a)) missing.push_back(a);
        for (std::size_t a = 0; a < names.size(); ++a) {
            if (event_counts[a] == 0 ||
                std::find(journey_actions.begin(), journey_actions.end(), names[a]) != journey_actions.end())
                continue;
            add(finding_kind::unused_action, names[a], std::nullopt, event_counts[a],
                fmt::format("action '{}' occurs in {} event{} but the journey neither scores it nor names it in a "
                            "milestone{}",
                            names[a], event_counts[a], event_counts[a] == 1 ? "" : "s", suggestion(names[a], missing)));
        }
    }

    // --- fit tags no member has.
    if (with_attributes) {
        std::vector<std::size_t> holders(members->tag_names.size(), 0);
        if (members->tag_offsets.size() == members->size() + 1)
            for (const auto t : members->tag_ids)
                if (t < holders.size()) ++holders[t];
        std::vector<std::string> held;
        for (std::size_t t = 0; t < holders.size(); ++t)
            if (holders[t] > 0) held.push_back(members->tag_names[t]);
        std::vector<std::string> done;
        for (const auto& r : ls.fit) {
            if (r.type != fit_rule::kind::tag) continue;
            if (std::find(held.begin(), held.end(), r.name) != held.end()) continue;
            if (std::find(done.begin(), done.end(), r.name) != done.end()) continue;
            done.push_back(r.name);
            add(finding_kind::unknown_tag, r.name, std::nullopt, 0,
                fmt::format("fit rule tag '{}' matches no member{}", r.name, suggestion(r.name, held)));
        }
    }

    // --- stage rules: missing ones, and stages that cannot hold whatever the events.
    std::size_t with_rule = 0;
    for (std::size_t s = 1; s < stages; ++s) with_rule += j.rule(static_cast<stage_index>(s)) != nullptr;
    const bool complete = with_rule == stages - 1;
    if (with_rule > 0 && !complete)
        for (std::size_t s = 1; s < stages; ++s)
            if (!j.rule(static_cast<stage_index>(s))) {
                const auto& name = j.stage_name(static_cast<stage_index>(s));
                add(finding_kind::missing_rule, name, static_cast<stage_index>(s), 0,
                    fmt::format("stage '{}' has no stage rule ($.stage_rules.{}) while other stages have one: stages "
                                "cannot be inferred (use {{}} for no requirement)",
                                name, name));
            }

    // Members recorded per stage (for the count of unreachable_stage).
    std::vector<std::size_t> recorded(stages, 0);
    if (with_attributes)
        for (std::size_t i = 0; i < members->size() && i < members->stage.size(); ++i)
            if ((members->stage_known.empty() || members->stage_known[i]) && members->stage[i] < stages)
                ++recorded[members->stage[i]];

    std::vector<std::uint8_t> flagged(stages, 0);  // unreachable_stage already reported
    std::vector<finding> stage_findings;           // in stage order, merged below
    const auto flag_unreachable = [&](std::size_t s, std::string message) {
        flagged[s] = 1;
        finding f;
        f.kind = finding_kind::unreachable_stage;
        f.subject = j.stage_name(static_cast<stage_index>(s));
        f.stage = static_cast<stage_index>(s);
        f.count = recorded[s];
        f.message = std::move(message);
        stage_findings.push_back(std::move(f));
    };
    {
        const double fit_most = max_fit(j);
        const bool can_engage = positive_action(j);
        std::optional<std::size_t> blocked;  // first stage that cannot hold
        for (std::size_t s = 1; s < stages; ++s) {
            const stage_rule* r = j.rule(static_cast<stage_index>(s));
            const auto& name = j.stage_name(static_cast<stage_index>(s));
            std::string why;
            if (r) why = static_obstacle(*r, fit_most, can_engage);
            if (!why.empty() && !blocked) blocked = s;
            if (why.empty() && blocked)
                why = fmt::format("it needs the rule of '{}' too, which cannot hold",
                                  j.stage_name(static_cast<stage_index>(*blocked)));
            if (why.empty()) continue;
            flag_unreachable(s, fmt::format("stage '{}' cannot be reached: {}", name, why));
        }
    }

    // --- the data: who held which stage, and who is recorded beyond it.
    std::vector<finding> member_findings;
    if (events && complete) {
        const journey jx = options.member_attributes ? j : optimistic(j);
        stage_inference own;
        const stage_inference* inf = options.inference;
        if (!inf) {
            own = infer_stages(*members, *events, jx, options.lead);
            inf = &own;
        }
        if (inf->size() != members->size() || inf->stage_count != stages)
            throw config_error("check_journey: the inference is not one of these members and this journey");
        const std::vector<stage_index> furthest = furthest_stages(*inf);
        std::vector<std::size_t> holders(stages, 0);  // members who ever held the stage or one further right
        for (const auto f : furthest) ++holders[f];
        for (std::size_t s = stages - 1; s-- > 0;) holders[s] += holders[s + 1];
        const std::string when = std::isnan(inf->as_of)
                                     ? std::string("in the events")
                                     : fmt::format("in the events up to {}", format_timestamp(inf->as_of));
        std::optional<std::size_t> first_unreached;
        for (std::size_t s = 1; s < stages; ++s) {
            if (holders[s] > 0) continue;
            if (!first_unreached) first_unreached = s;
            if (flagged[s]) continue;
            const stage_rule& r = *j.rule(static_cast<stage_index>(s));
            const auto& name = j.stage_name(static_cast<stage_index>(s));
            std::vector<std::string> why = unmet_milestones(r, *inf);
            if (s != *first_unreached) {
                why.insert(why.begin(), fmt::format("no member reaches '{}' before it",
                                                    j.stage_name(static_cast<stage_index>(*first_unreached))));
            } else if (why.empty()) {
                // Every milestone was met by someone: did anyone meet the whole rule?
                const stage_inference alone =
                    infer_stages(*members, *events, only_rule(jx, static_cast<stage_index>(s)), options.lead);
                bool held = false;
                for (const auto f : furthest_stages(alone)) held = held || f >= s;
                why.push_back(held ? fmt::format("its rule ({}) held for some members, but never while the rules of "
                                                 "the earlier stages held too",
                                                 rule_text(r))
                                   : fmt::format("no member ever met all of its rule ({}) at one time", rule_text(r)));
            }
            flag_unreachable(s, fmt::format("no member reaches stage '{}' {}: {}", name, when, joined(why, "; ")));
        }
        std::sort(stage_findings.begin(), stage_findings.end(),
                  [](const finding& a, const finding& b) { return *a.stage < *b.stage; });

        if (with_attributes) {
            std::vector<std::size_t> member_events(members->size(), 0);
            for (const auto m : events->member)
                if (m < member_events.size()) ++member_events[m];
            for (std::size_t i = 0; i < members->size() && i < members->stage.size(); ++i) {
                if (!(members->stage_known.empty() || members->stage_known[i])) continue;
                const stage_index rec = members->stage[i];
                if (rec <= furthest[i] || rec >= stages) continue;
                const stage_index next = static_cast<stage_index>(furthest[i] + 1);
                const std::string checklist = checklist_text(requirements(*inf, jx, i, next));
                finding f;
                f.kind = finding_kind::unreachable_member;
                f.subject = members->id[i];
                f.stage = rec;
                f.reachable = furthest[i];
                f.count = member_events[i];
                f.message = fmt::format(
                    "member '{}' is recorded at '{}' but its events reach at most '{}' ({} needs: {})", members->id[i],
                    j.stage_name(rec), j.stage_name(furthest[i]), j.stage_name(next), checklist);
                member_findings.push_back(std::move(f));
            }
        }
    }
    for (auto& f : stage_findings) out.push_back(std::move(f));
    for (auto& f : member_findings) out.push_back(std::move(f));
    return out;
}

}  // namespace engage_right
