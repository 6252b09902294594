// The Stack Exchange importer: Users, Posts, Comments, Votes and Badges of a
// data dump (XML or the CSV variant) -> members, interactions, events,
// content, dated stage entries and a journey. The rules are documented in
// docs/import.md; the comments here say why where the dump needs care.

#include "io/stackexchange.hpp"

#include <engage_right/adapters.hpp>
#include <engage_right/detail/csv.hpp>
#include <engage_right/error.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <unordered_map>

namespace engage_right {

namespace detail::stackexchange {

namespace {

std::optional<std::filesystem::path> find_table(const std::filesystem::path& dir, std::string_view name,
                                                std::vector<std::string>& warnings) {
    std::optional<std::filesystem::path> xml, csv;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
        const std::string file = e.path().filename().string();
        if (detail::iequals(file, std::string(name) + ".xml")) xml = e.path();
        else if (detail::iequals(file, std::string(name) + ".csv")) csv = e.path();
    }
    if (xml && csv)
        warnings.push_back(fmt::format("{} and {} both present: reading the XML, ignoring the CSV",
                                       xml->filename().string(), csv->filename().string()));
    return xml ? xml : csv;
}

}  // namespace

imported_community importer::run() {
    std::error_code ec;
    if (!std::filesystem::is_directory(dir_, ec))
        throw input_error(dir_.string(), 0, 0, "not a folder: expected the folder of a Stack Exchange dump");
    const auto users = find_table(dir_, "Users", out_.warnings);
    const auto posts = find_table(dir_, "Posts", out_.warnings);
    for (const auto& [file, name] : {std::pair{users, "Users"}, std::pair{posts, "Posts"}})
        if (!file)
            throw input_error((dir_ / (std::string(name) + ".xml")).string(), 0, 0,
                              fmt::format("missing required table {}: expected {}.xml or {}.csv in the dump "
                                          "folder",
                                          name, name, name));
    const auto comments = find_table(dir_, "Comments", out_.warnings);
    const auto votes = find_table(dir_, "Votes", out_.warnings);
    const auto badges = find_table(dir_, "Badges", out_.warnings);
    if (!comments)
        out_.warnings.push_back(
            "no Comments table: comment contacts (c2q, c2a), 'commented' events and comment counts (f_2; "
            "the participation stage 'interested' by comments) are missing");
    if (!votes)
        out_.warnings.push_back(
            "no Votes table: no up-/down-vote events, up-votes received (f_4) are 0, accepted answers are dated at "
            "the answer's creation, and reputation as of --as-of is approximated from post scores at the post's "
            "creation");
    if (!badges) out_.warnings.push_back("no Badges table: badge events and badge counts (f_5, f_6, f_7) are missing");

    read_users(*users);
    read_posts(*posts);
    if (comments) read_comments(*comments);
    if (votes) read_votes(*votes);
    else posts_as_votes();
    if (badges) read_badges(*badges);
    return finish(votes.has_value());
}

imported_community importer::finish(bool have_votes) {
    if (o_.progress) o_.progress("building the tables");
    const std::size_t n = ids_.size();
    const std::uint32_t asked = action("asked");
    const std::uint32_t answered = action("answered");
    const std::uint32_t accepted_action = action("answer_accepted");
    // Posts: events, counts, contacts.
    std::size_t accepted_without_vote = 0, self_accepted = 0;
    std::vector<tag_set_entry> touched;  // (member, question) pairs for tags
    for (const post& p : posts_) {
        if (!p.before || !is_qa(&p)) continue;
        if (p.type == question) {
            event(p.owner, p.created, asked);
            if (p.owner >= 0) {
                ++counts_[p.owner].questions;
                changes_.push_back({static_cast<std::uint32_t>(p.owner), p.created, state_change::kind::question, 0});
                touched.push_back({static_cast<std::uint32_t>(p.owner), p.id});
            }
            continue;
        }
        event(p.owner, p.created, answered);
        const post* q = find_post(p.parent);
        if (p.owner >= 0) {
            ++counts_[p.owner].answers;
            changes_.push_back({static_cast<std::uint32_t>(p.owner), p.created, state_change::kind::answer, 0});
            if (q && q->type == question) touched.push_back({static_cast<std::uint32_t>(p.owner), q->id});
        }
        if (q && q->type == question) contact(p.owner, q->owner, p.created, a2q, q->id);
    }
    // Accepted answers as of as_of: the accept vote's time (the answer's
    // creation when there is no vote).
    for (post& q : posts_) {
        if (q.type != question || !q.before || q.accepted_answer == 0) continue;
        post* a = find_post(q.accepted_answer);
        if (!a || a->type != answer || !a->before) continue;
        time_ms t = a->accept_time;
        if (t == no_time) {
            ++accepted_without_vote;
            t = a->created;
        }
        if (!before(t)) continue;
        accepted_.push_back(a->id);
        accepted_questions_.push_back(q.id);
        if (a->owner >= 0) ++counts_[a->owner].accepted;
        if (a->owner >= 0 && a->owner == q.owner) {
            ++self_accepted;
            continue;
        }
        event(a->owner, t, accepted_action);
    }
    std::sort(accepted_.begin(), accepted_.end());
    std::sort(accepted_questions_.begin(), accepted_questions_.end());
    if (accepted_without_vote > 0 && have_votes)
        out_.warnings.push_back(
            fmt::format("{} accepted answer{} without an accept vote: dated at the answer's creation",
                        accepted_without_vote, accepted_without_vote == 1 ? "" : "s"));

    // Reputation: the dump's value less the votes from as_of on.
    const std::int32_t q_up = latest_ >= question_vote_change ? 10 : 5;
    auto delta = [&](const vote_change& v) -> double {
        switch (v.kind) {
            case 0: return q_up;
            case 1: return 10;
            case 2: return -2;
            case 3: return 15;
            case 4: return 2;
            default: return v.amount;
        }
    };
    std::vector<double> after(n, 0), all(n, 0);
    for (const auto& v : votes_) {
        const double d = delta(v);
        all[v.member] += d;
        if (!before(v.time)) after[v.member] += d;
        else changes_.push_back({v.member, v.time, state_change::kind::reputation, d});
    }
    std::vector<vote_change>().swap(votes_);
    std::vector<double> reputation(n), base(n);
    std::vector<detail::member_state> state(n);
    for (std::size_t m = 0; m < n; ++m) {
        const auto r = static_cast<double>(dump_reputation_[m]);
        reputation[m] = o_.as_of ? std::max(1.0, r - after[m]) : r;
        base[m] = r - all[m];
        state[m] = {reputation[m], counts_[m].questions, counts_[m].answers, counts_[m].comments};
    }

    // Tags: the questions a member asked or answered, each once.
    std::sort(touched.begin(), touched.end());
    touched.erase(std::unique(touched.begin(), touched.end()), touched.end());
    for (const auto& [m, qid] : touched) {
        const post* q = find_post(qid);
        for (std::uint32_t i = 0; i < q->tags_count; ++i) ++member_tags_[m][tag_pool_[q->tags_begin + i]];
    }

    const journey& j = o_.base;
    const stage_mapping mapping = detail::mapping_or(o_, stage_mapping::kind::participation, j);
    const detail::stage_mapper map(mapping, j.stage_count(), state);

    // members.csv
    {
        std::vector<std::string> tags(n);
        std::vector<std::int64_t> rep(n), stage(n);
        std::array<std::vector<double>, 8> f;
        for (auto& v : f) v.resize(n);
        for (std::size_t m = 0; m < n; ++m) {
            stage[m] = map(state[m]);
            tags[m] = detail::top_tags(member_tags_[m], tag_names_.names(), o_.top_tags);
            rep[m] = std::llround(reputation[m]);
            const member_counts& c = counts_[m];
            const std::array<std::uint32_t, 8> v = {c.questions, c.answers, c.comments, c.accepted,
                                                    c.upvotes,   c.gold,    c.silver,   c.bronze};
            for (std::size_t k = 0; k < 8; ++k) f[k][m] = detail::log_count(v[k]);
            ++stage_counts_[j.stage_name(map(state[m]))];
        }
        import_table& t = out_.members = detail::members_table(ids_, std::move(stage), j);
        t.columns.push_back(detail::integer_column("activity", rep));
        t.columns.push_back(detail::text_column("tags", std::move(tags)));
        t.columns.push_back(detail::time_column("created", created_));
        t.columns.push_back(detail::integer_column("reputation", std::move(rep)));
        for (std::size_t k = 0; k < 8; ++k)
            t.columns.push_back(detail::real_column(fmt::format("f_{}", k), std::move(f[k]), 4));
    }
    // stages.csv
    out_.stages = detail::stages_table(detail::stage_history(map, created_, base, std::move(changes_)), ids_, j);
    // interactions.csv
    {
        std::sort(contacts_.begin(), contacts_.end(), [](const contact_row& a, const contact_row& b) {
            if (a.time != b.time) return a.time < b.time;
            if (a.source != b.source) return a.source < b.source;
            if (a.target != b.target) return a.target < b.target;
            if (a.kind != b.kind) return a.kind < b.kind;
            return a.content < b.content;
        });
        std::vector<std::int64_t> src, dst, kind, when, weight, content;
        for (const auto& c : contacts_) {
            src.push_back(c.source);
            dst.push_back(c.target);
            weight.push_back(1);
            when.push_back(c.time);
            kind.push_back(c.kind);
            content.push_back(c.content);
        }
        std::vector<contact_row>().swap(contacts_);
        out_.interactions = detail::interactions_table(ids_, std::move(src), std::move(dst), std::move(weight),
                                                       std::move(when), std::move(kind), {"a2q", "c2q", "c2a"},
                                                       detail::integer_column("content", std::move(content)));
    }
    // content.csv
    content_table(have_votes);
    // events.csv and the journey
    const std::size_t kept_events = events_.size();
    out_.events = detail::events_table(std::move(events_), actions_.names(), ids_);
    out_.journey = detail::import_journey(j, occurring_actions(), journey_defaults());

    count("members", n);
    for (const auto& s : j.stages()) count("  " + s, stage_counts_[s]);
    count("interactions", out_.interactions.rows());
    count("events", kept_events);
    count("content", out_.content.rows());
    count("stage entries", out_.stages.rows());
    count("events dropped (deleted, anonymous or bot users)", dropped_events_);
    count("votes on posts missing from the dump", unattributed_votes_);
    count("self-accepted answers (no answer_accepted event)", self_accepted);
    return std::move(out_);
}

void importer::content_table(bool have_votes) {
    std::vector<const post*> rows;
    for (const post& p : posts_)
        if (p.before && is_qa(&p)) rows.push_back(&p);
    std::sort(rows.begin(), rows.end(), [](const post* a, const post* b) {
        return a->created != b->created ? a->created < b->created : a->id < b->id;
    });
    std::vector<std::int64_t> id, parent, score, accepted, created, author, kind;
    std::vector<std::string> tags, title;
    for (const post* p : rows) {
        id.push_back(p->id);
        author.push_back(p->owner >= 0 ? p->owner : import_column::missing_integer);
        kind.push_back(p->type == question ? 0 : 1);
        const post* q = p->type == question ? p : find_post(p->parent);
        parent.push_back(p->type == question ? import_column::missing_integer : p->parent);
        created.push_back(p->created);
        std::string t;
        if (q && q->type == question)
            for (std::uint32_t i = 0; i < q->tags_count; ++i)
                t += (i ? ";" : "") + tag_names_.names()[tag_pool_[q->tags_begin + i]];
        tags.push_back(std::move(t));
        score.push_back(have_votes && o_.as_of ? p->score - p->up_after + p->down_after : p->score);
        const auto& list = p->type == question ? accepted_questions_ : accepted_;
        accepted.push_back(std::binary_search(list.begin(), list.end(), p->id) ? 1 : 0);
        title.push_back(p->type == question ? titles_[p->title] : std::string());
    }
    import_table& t = out_.content = detail::import_content_table(
        detail::integer_column("id", std::move(id)), ids_, std::move(author), std::move(kind), {"question", "answer"},
        detail::integer_column("parent", std::move(parent)), std::move(created), std::move(tags));
    t.columns.push_back(detail::integer_column("score", std::move(score)));
    t.columns.push_back(detail::integer_column("accepted", std::move(accepted)));
    t.columns.push_back(detail::text_column("title", std::move(title)));
}

std::vector<std::string> importer::occurring_actions() const {
    std::vector<bool> used(actions_.names().size(), false);
    const import_column* col = out_.events.find("action");
    std::unordered_map<std::string_view, std::uint32_t> id;
    for (std::uint32_t a = 0; a < actions_.names().size(); ++a) id.emplace(actions_.names()[a], a);
    for (const auto code : col->integer) used[static_cast<std::size_t>(code)] = true;
    std::vector<std::string> out, badges;
    for (const char* a :
         {"joined", "asked", "answered", "commented", "answer_accepted", "upvote_received", "downvote_received"})
        if (id.count(a) && used[id[a]]) out.emplace_back(a);
    for (std::uint32_t a = 0; a < actions_.names().size(); ++a)
        if (used[a] && actions_.names()[a].starts_with("badge_")) badges.push_back(actions_.names()[a]);
    std::sort(badges.begin(), badges.end());
    out.insert(out.end(), badges.begin(), badges.end());
    return out;
}

detail::journey_defaults importer::journey_defaults() const {
    detail::journey_defaults d;
    d.name = "stackexchange";
    d.description =
        "Imported from a Stack Exchange dump: asked -> answered (with up-votes) -> accepted answers and a Nice "
        "Answer badge. See docs/import.md.";
    std::unordered_map<std::string, int> badge_class;
    for (std::uint32_t a = 0; a < badge_class_.size(); ++a) badge_class.emplace(actions_.names()[a], badge_class_[a]);
    d.points = [badge_class](const std::string& a) -> double {
        static const std::unordered_map<std::string, double> fixed = {{"joined", 1},
                                                                      {"commented", 2},
                                                                      {"asked", 5},
                                                                      {"answered", 10},
                                                                      {"upvote_received", 1},
                                                                      {"downvote_received", 0},
                                                                      {"answer_accepted", 15},
                                                                      {"badge_autobiographer", 1},
                                                                      {"badge_informed", 1}};
        if (auto it = fixed.find(a); it != fixed.end()) return it->second;
        const auto c = badge_class.find(a);
        const int cls = c == badge_class.end() ? 3 : c->second;
        return cls == 1 ? 10 : cls == 2 ? 5 : 2;
    };
    fit_rule r200;
    r200.type = fit_rule::kind::range;
    r200.name = "activity";
    r200.min = 200;
    r200.points = 3;
    fit_rule r1000 = r200;
    r1000.min = 1000;
    r1000.points = 5;
    d.fit = {r200, r1000};
    d.rules = detail::default_stage_rules("asked", "answered", "upvote_received",
                                          {{"answer_accepted", 1, {}}, {"badge_nice_answer", 1, {}}});
    return d;
}

}  // namespace detail::stackexchange

imported_community import_stackexchange(const std::filesystem::path& dump, const import_options& options) {
    detail::stackexchange::importer im(dump, options);
    return im.run();
}

}  // namespace engage_right
