// The generic thread importer: one table of posts (`post_id, author,
// parent_id | thread_id, created[, tags][, score]`) -> the same files as the
// Stack Exchange importer. Discourse topics, Slack and Discord threads, IRC
// reply links and mailing lists all reduce to it. Files and in-memory columns
// go through the same row rules (a column's numbers become text cells).

#include "io/adapter.hpp"
#include "io/table.hpp"

#include <engage_right/adapters.hpp>
#include <engage_right/detail/csv.hpp>
#include <engage_right/error.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <initializer_list>
#include <limits>
#include <optional>
#include <unordered_map>

namespace engage_right {

using detail::no_time;
using detail::time_ms;

namespace {

// A post after its row rules: text cells checked, the time parsed.
struct thread_post {
    std::string id, author, parent, thread, tags;
    time_ms created = 0;
    std::size_t line = 0;  // in posts.csv (0 for in-memory columns)
    double score = std::numeric_limits<double>::quiet_NaN();
};

struct thread_member {
    std::string id;
    time_ms created = no_time;
    double reputation = std::numeric_limits<double>::quiet_NaN();
};

// Where a cell is, for the error message; `fail` never returns.
using fail_fn = std::function<void(std::size_t column, const std::string& what)>;

enum post_col : std::size_t { c_post, c_author, c_parent, c_thread, c_created, c_tags, c_score, post_cols };
constexpr std::array<const char*, post_cols> post_names = {"post_id", "author", "parent_id", "thread_id",
                                                           "created", "tags",   "score"};

// The row rules of a post, on text cells (absent columns are empty).
thread_post post_row(const std::array<std::string_view, post_cols>& cell, const fail_fn& fail) {
    thread_post p;
    p.id = std::string(detail::trim(cell[c_post]));
    if (p.id.empty()) fail(c_post, "post_id: expected a post id, got an empty field");
    p.author = std::string(detail::trim(cell[c_author]));
    p.parent = std::string(detail::trim(cell[c_parent]));
    p.thread = std::string(detail::trim(cell[c_thread]));
    if (detail::trim(cell[c_created]).empty())
        fail(c_created, "created: expected unix seconds or ISO-8601, got an empty field");
    const auto t = detail::parse_time_ms(cell[c_created]);
    if (!t) fail(c_created, detail::timestamp_problem(cell[c_created], "created"));
    p.created = *t;
    p.tags = std::string(cell[c_tags]);
    if (!detail::trim(cell[c_score]).empty() && !detail::parse_real(cell[c_score], p.score))
        fail(c_score, fmt::format("score: expected a finite number or empty, got {}", detail::shown(cell[c_score])));
    return p;
}

enum member_col : std::size_t { m_id, m_created, m_reputation, member_cols };
constexpr std::array<const char*, member_cols> member_names = {"id", "created", "reputation"};

thread_member member_row(const std::array<std::string_view, member_cols>& cell, const fail_fn& fail) {
    thread_member m;
    m.id = std::string(detail::trim(cell[m_id]));
    if (m.id.empty()) fail(m_id, "id: expected a member id, got an empty field");
    if (!detail::trim(cell[m_created]).empty()) {
        const auto t = detail::parse_time_ms(cell[m_created]);
        if (!t) fail(m_created, detail::timestamp_problem(cell[m_created], "created"));
        m.created = *t;
    }
    if (!detail::trim(cell[m_reputation]).empty() && !detail::parse_real(cell[m_reputation], m.reputation))
        fail(m_reputation,
             fmt::format("reputation: expected a finite number or empty, got {}", detail::shown(cell[m_reputation])));
    return m;
}

// ------------------------------------------------------------ sources ---

// Calls visit(cells, fail) per record of `t`, the cells of the columns
// `col` names (empty where a column is absent); fail(k, what) reports at the
// field of column k.
// The columns `names` of t: the `required` ones first, in that order (the
// first missing one is the error), then the others, which may be absent.
template <std::size_t N>
std::array<std::optional<std::size_t>, N> columns_of(detail::csv_table& t, const std::array<const char*, N>& names,
                                                     std::initializer_list<std::size_t> required) {
    std::array<std::optional<std::size_t>, N> col;
    std::array<bool, N> is_required{};
    for (std::size_t k : required) {
        col[k] = t.require(names[k]);
        is_required[k] = true;
    }
    for (std::size_t k = 0; k < N; ++k)
        if (!is_required[k]) col[k] = t.optional(names[k]);
    return col;
}

template <std::size_t N, class Visit>
void for_each_record(detail::csv_table& t, const std::array<std::optional<std::size_t>, N>& col, Visit visit) {
    std::vector<detail::csv_field> row;
    const fail_fn fail = [&](std::size_t k, const std::string& what) { t.fail(row[*col[k]], what); };
    while (t.next(row)) {
        std::array<std::string_view, N> cell{};
        for (std::size_t k = 0; k < N; ++k)
            if (col[k]) cell[k] = row[*col[k]].text;
        visit(cell, fail);
    }
}

std::vector<thread_post> read_posts(const std::filesystem::path& path) {
    const std::string text = read_file(path);
    detail::csv_table t(text, path.string());
    const auto col = columns_of(t, post_names, {c_post, c_author, c_created});
    if (!col[c_parent] && !col[c_thread])
        t.fail(t.header_line(), 0,
               fmt::format("missing column 'parent_id' or 'thread_id': replies need one (header has: {})",
                           t.column_list()));
    std::vector<thread_post> out;
    for_each_record(t, col, [&](const std::array<std::string_view, post_cols>& cell, const fail_fn& fail) {
        out.push_back(post_row(cell, fail));
        out.back().line = t.reader().record_line();
    });
    return out;
}

std::vector<thread_member> read_members_file(const std::filesystem::path& path) {
    const std::string text = read_file(path);
    detail::csv_table t(text, path.string());
    const auto col = columns_of(t, member_names, {m_id});
    std::vector<thread_member> out;
    for_each_record(t, col, [&](const std::array<std::string_view, member_cols>& cell, const fail_fn& fail) {
        out.push_back(member_row(cell, fail));
    });
    return out;
}

// A data_column cell as text: numbers in their shortest exact form, NaN empty.
std::string cell_text(const data_column& c, std::size_t row) {
    if (const auto* d = std::get_if<std::vector<double>>(&c))
        return std::isnan((*d)[row]) ? "" : fmt::format("{}", (*d)[row]);
    if (const auto* t = std::get_if<std::vector<std::string>>(&c)) return (*t)[row];
    return {};
}

void check_length(std::size_t got, std::size_t n, const char* what, const char* column) {
    if (got != n)
        throw config_error(
            fmt::format("{}: column {} has {} entries, expected {} (one per row)", what, column, got, n));
}

std::vector<thread_post> posts_from_columns(const thread_columns& c) {
    const std::size_t n = c.post_id.size();
    check_length(c.author.size(), n, "posts", "author");
    if (!c.parent_id && !c.thread_id) throw config_error("posts: need a parent_id or a thread_id column");
    if (c.parent_id) check_length(c.parent_id->size(), n, "posts", "parent_id");
    if (c.thread_id) check_length(c.thread_id->size(), n, "posts", "thread_id");
    if (std::holds_alternative<std::monostate>(c.created)) throw config_error("posts: missing column 'created'");
    check_length(detail::column_size(c.created), n, "posts", "created");
    if (c.tags) check_length(c.tags->size(), n, "posts", "tags");
    if (!std::holds_alternative<std::monostate>(c.score))
        check_length(detail::column_size(c.score), n, "posts", "score");
    std::vector<thread_post> out;
    out.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        const std::string created = cell_text(c.created, i), score = cell_text(c.score, i);
        std::array<std::string_view, post_cols> cell{};
        cell[c_post] = c.post_id[i];
        cell[c_author] = c.author[i];
        if (c.parent_id) cell[c_parent] = (*c.parent_id)[i];
        if (c.thread_id) cell[c_thread] = (*c.thread_id)[i];
        cell[c_created] = created;
        if (c.tags) cell[c_tags] = (*c.tags)[i];
        cell[c_score] = score;
        out.push_back(post_row(cell, [&](std::size_t, const std::string& what) {
            throw config_error(fmt::format("posts row {}: {}", i, what));
        }));
    }
    return out;
}

std::vector<thread_member> members_from_columns(const thread_member_columns& c) {
    const std::size_t n = c.id.size();
    if (!std::holds_alternative<std::monostate>(c.created))
        check_length(detail::column_size(c.created), n, "members", "created");
    if (!std::holds_alternative<std::monostate>(c.reputation))
        check_length(detail::column_size(c.reputation), n, "members", "reputation");
    std::vector<thread_member> out;
    for (std::size_t i = 0; i < n; ++i) {
        const std::string created = cell_text(c.created, i), rep = cell_text(c.reputation, i);
        std::array<std::string_view, member_cols> cell{};
        cell[m_id] = c.id[i];
        cell[m_created] = created;
        cell[m_reputation] = rep;
        out.push_back(member_row(cell, [&](std::size_t, const std::string& what) {
            throw config_error(fmt::format("members row {}: {}", i, what));
        }));
    }
    return out;
}

// ----------------------------------------------------------- building ---

bool all_integers(const std::vector<std::string>& ids) {
    for (const auto& s : ids) {
        long long v = 0;
        if (!detail::parse_number(s, v) || fmt::format("{}", v) != s) return false;
    }
    return true;
}

imported_community build(std::vector<thread_post> all_posts, std::optional<std::vector<thread_member>> known,
                         const import_options& o, const std::string& posts_name) {
    imported_community out;
    const time_ms as_of = o.as_of ? detail::seconds_to_ms(*o.as_of) : std::numeric_limits<time_ms>::max();
    // Unique post ids (over the whole input, before the time cut).
    {
        std::unordered_map<std::string_view, std::size_t> seen;
        for (std::size_t i = 0; i < all_posts.size(); ++i)
            if (auto [it, fresh] = seen.emplace(all_posts[i].id, i); !fresh) {
                const auto& p = all_posts[i];
                if (p.line > 0)
                    throw input_error(posts_name, p.line, 1,
                                      fmt::format("post_id: duplicate post id {} (first on line {})",
                                                  detail::shown(p.id), all_posts[it->second].line));
                throw config_error(fmt::format("posts row {}: post_id: duplicate post id {} (first in row {})", i,
                                               detail::shown_in_row(p.id), it->second));
            }
    }
    out.counts.emplace_back("posts read", all_posts.size());
    // The posts before as_of.
    std::vector<thread_post> posts;
    for (auto& p : all_posts)
        if (p.created < as_of) posts.push_back(std::move(p));
    std::unordered_map<std::string_view, std::uint32_t> post_index;
    for (std::uint32_t i = 0; i < posts.size(); ++i) post_index.emplace(posts[i].id, i);
    // Parents: parent_id, else the thread's first post; a parent that is not
    // (yet) there makes the post start a thread.
    std::vector<std::int64_t> parent(posts.size(), -1);
    std::size_t missing_parents = 0;
    for (std::uint32_t i = 0; i < posts.size(); ++i) {
        const auto& p = posts[i];
        std::string_view target = p.parent;
        if (target == p.id) target = {};  // a self-link starts a conversation
        if (!target.empty()) {
            const auto it = post_index.find(target);
            if (it == post_index.end()) ++missing_parents;
            else parent[i] = it->second;
        }
    }
    // thread_id replies (without parent_id) go to the thread's first post.
    {
        std::unordered_map<std::string_view, std::uint32_t> first;
        for (std::uint32_t i = 0; i < posts.size(); ++i) {
            if (posts[i].thread.empty()) continue;
            auto [it, fresh] = first.emplace(posts[i].thread, i);
            if (!fresh && posts[i].created < posts[it->second].created) it->second = i;
        }
        for (std::uint32_t i = 0; i < posts.size(); ++i) {
            const auto& p = posts[i];
            if (parent[i] >= 0 || p.thread.empty() || (!p.parent.empty() && p.parent != p.id)) continue;
            const std::uint32_t r = first.at(p.thread);
            if (r != i) parent[i] = r;
        }
    }
    if (missing_parents > 0)
        out.warnings.push_back(
            fmt::format("{} post{} reply to a post that is not in the posts{}: counted as thread "
                        "starts",
                        missing_parents, missing_parents == 1 ? "" : "s", o.as_of ? " before --as-of" : ""));
    // Roots (for tags), refusing loops.
    std::vector<std::int64_t> root(posts.size(), -2);
    for (std::uint32_t i = 0; i < posts.size(); ++i) {
        std::vector<std::uint32_t> chain;
        std::int64_t at = i;
        while (root[at] == -2) {
            root[at] = -3;  // on the current chain
            chain.push_back(static_cast<std::uint32_t>(at));
            if (parent[at] < 0) break;
            at = parent[at];
        }
        std::int64_t r;
        if (root[at] == -3 && parent[at] >= 0) {
            const std::string what =
                fmt::format("parent_id: the replies of post {} loop back to it", detail::shown(posts[at].id));
            if (posts[at].line > 0) throw input_error(posts_name, posts[at].line, 1, what);
            throw config_error("posts: " + what);
        }
        r = root[at] >= 0 ? root[at] : at;
        for (auto c : chain) root[c] = r;
    }
    // Members: the known ones and every author.
    std::unordered_map<std::string, std::size_t> member_of;
    std::vector<thread_member> members;
    if (known)
        for (auto& m : *known) {
            if (member_of.count(m.id))
                throw config_error(fmt::format("members: duplicate member id {}", detail::shown(m.id)));
            member_of.emplace(m.id, members.size());
            members.push_back(std::move(m));
        }
    std::vector<time_ms> first_post;
    first_post.assign(members.size(), no_time);
    for (const auto& p : posts) {
        if (p.author.empty()) continue;
        auto [it, fresh] = member_of.emplace(p.author, members.size());
        if (fresh) {
            members.push_back({p.author, no_time, std::numeric_limits<double>::quiet_NaN()});
            first_post.push_back(no_time);
        }
        time_ms& f = first_post[it->second];
        f = f == no_time ? p.created : std::min(f, p.created);
    }
    // Keep members that existed before as_of; order ids numerically when
    // they are all integers, else byte by byte.
    std::vector<std::size_t> keep;
    for (std::size_t m = 0; m < members.size(); ++m) {
        const time_ms c = members[m].created != no_time ? members[m].created : first_post[m];
        if (c == no_time || c < as_of) keep.push_back(m);
    }
    std::vector<std::string> kept_ids;
    for (auto m : keep) kept_ids.push_back(members[m].id);
    const bool numeric = all_integers(kept_ids);
    std::sort(keep.begin(), keep.end(), [&](std::size_t a, std::size_t b) {
        if (numeric) return std::stoll(members[a].id) < std::stoll(members[b].id);
        return members[a].id < members[b].id;
    });
    const std::size_t n = keep.size();
    std::vector<std::string> ids(n);
    std::vector<std::int32_t> row_of(members.size(), -1);
    for (std::size_t r = 0; r < n; ++r) {
        ids[r] = members[keep[r]].id;
        row_of[keep[r]] = static_cast<std::int32_t>(r);
    }
    auto author_row = [&](const thread_post& p) -> std::int32_t {
        if (p.author.empty()) return -1;
        return row_of[member_of.at(p.author)];
    };

    detail::name_table actions, tag_names;
    const std::uint32_t joined = actions.intern("joined"), started = actions.intern("started"),
                        replied = actions.intern("replied"), reply_received = actions.intern("reply_received");
    std::vector<detail::event_row> events;
    std::vector<detail::state_change> changes;
    std::vector<detail::member_state> state(n);
    std::vector<std::uint32_t> received(n, 0);
    std::vector<time_ms> created(n, no_time);
    std::vector<double> reputation(n, std::numeric_limits<double>::quiet_NaN());
    bool have_reputation = false;
    for (std::size_t r = 0; r < n; ++r) {
        const thread_member& m = members[keep[r]];
        created[r] = m.created != no_time ? m.created : first_post[keep[r]];
        reputation[r] = m.reputation;
        have_reputation = have_reputation || !std::isnan(m.reputation);
        state[r].reputation = std::isnan(m.reputation) ? 1.0 : m.reputation;
        if (m.created != no_time)
            events.push_back({m.created, static_cast<std::uint32_t>(r), joined, detail::no_value});
    }
    struct contact {
        time_ms time;
        std::uint32_t source, target;
        std::string_view content;
    };
    std::vector<contact> contacts;
    std::vector<std::vector<std::uint32_t>> member_threads(n);
    std::size_t anonymous = 0;
    for (std::uint32_t i = 0; i < posts.size(); ++i) {
        const auto& p = posts[i];
        const std::int32_t a = author_row(p);
        if (a < 0) {
            ++anonymous;
            continue;
        }
        const auto au = static_cast<std::uint32_t>(a);
        member_threads[au].push_back(static_cast<std::uint32_t>(root[i]));
        if (parent[i] < 0) {
            ++state[au].questions;
            events.push_back({p.created, au, started, detail::no_value});
            changes.push_back({au, p.created, detail::state_change::kind::question, 0});
            continue;
        }
        ++state[au].answers;
        events.push_back({p.created, au, replied, detail::no_value});
        changes.push_back({au, p.created, detail::state_change::kind::answer, 0});
        const std::int32_t b = author_row(posts[parent[i]]);
        if (b >= 0 && b != a) {
            const auto bu = static_cast<std::uint32_t>(b);
            ++received[bu];
            events.push_back({p.created, bu, reply_received, detail::no_value});
            contacts.push_back({p.created, au, bu, posts[parent[i]].id});
        }
    }
    // Tags of a post: its own, else its thread's first post's.
    std::vector<std::string_view> split;
    auto post_tags = [&](std::uint32_t i) -> const std::string& {
        if (!detail::trim(posts[i].tags).empty()) return posts[i].tags;
        return posts[static_cast<std::size_t>(root[i])].tags;
    };
    std::vector<detail::tag_counts> member_tags(n);
    for (std::size_t m = 0; m < n; ++m) {
        auto& th = member_threads[m];
        std::sort(th.begin(), th.end());
        th.erase(std::unique(th.begin(), th.end()), th.end());
        for (auto r : th) {
            detail::split_tags(post_tags(r), split);
            std::sort(split.begin(), split.end());
            split.erase(std::unique(split.begin(), split.end()), split.end());
            for (auto t : split) ++member_tags[m][tag_names.intern(t)];
        }
    }
    const journey& j = o.base;
    stage_mapping mapping = detail::mapping_or(o, stage_mapping::kind::activity, j);
    if (mapping.type == stage_mapping::kind::reputation && !have_reputation)
        throw config_error("stages 'reputation' needs a reputation column in the members");
    if (mapping.type == stage_mapping::kind::participation && !have_reputation)
        out.warnings.push_back("stages 'participation' without reputations: nobody reaches the last stage");
    const detail::stage_mapper map(mapping, j.stage_count(), state);
    {
        std::vector<std::string> tags(n);
        std::vector<std::int64_t> activity(n), stage(n);
        std::array<std::vector<double>, 3> f;
        for (auto& v : f) v.resize(n);
        std::unordered_map<std::string, std::size_t> per_stage;
        for (std::size_t m = 0; m < n; ++m) {
            stage[m] = map(state[m]);
            ++per_stage[j.stage_name(map(state[m]))];
            tags[m] = detail::top_tags(member_tags[m], tag_names.names(), o.top_tags);
            activity[m] = state[m].contributions();
            f[0][m] = detail::log_count(state[m].questions);
            f[1][m] = detail::log_count(state[m].answers);
            f[2][m] = detail::log_count(received[m]);
        }
        import_table& t = out.members = detail::members_table(ids, std::move(stage), j);
        t.columns.push_back(detail::integer_column("activity", std::move(activity)));
        t.columns.push_back(detail::text_column("tags", std::move(tags)));
        t.columns.push_back(detail::time_column("created", created));
        t.columns.push_back(detail::real_column("reputation", reputation, 0));
        for (std::size_t k = 0; k < 3; ++k)
            t.columns.push_back(detail::real_column(fmt::format("f_{}", k), std::move(f[k]), 4));
        out.counts.emplace_back("members", n);
        for (const auto& s : j.stages()) out.counts.emplace_back("  " + s, per_stage[s]);
    }
    std::vector<double> base(n);
    for (std::size_t m = 0; m < n; ++m) base[m] = state[m].reputation;
    out.stages = detail::stages_table(detail::stage_history(map, created, base, std::move(changes)), ids, j);
    {
        std::sort(contacts.begin(), contacts.end(), [](const contact& a, const contact& b) {
            if (a.time != b.time) return a.time < b.time;
            if (a.source != b.source) return a.source < b.source;
            if (a.target != b.target) return a.target < b.target;
            return a.content < b.content;
        });
        std::vector<std::string> content;
        std::vector<std::int64_t> src, dst, kind, when, weight;
        for (const auto& c : contacts) {
            src.push_back(c.source);
            dst.push_back(c.target);
            weight.push_back(1);
            when.push_back(c.time);
            kind.push_back(0);
            content.emplace_back(c.content);
        }
        out.interactions =
            detail::interactions_table(ids, std::move(src), std::move(dst), std::move(weight), std::move(when),
                                       std::move(kind), {"reply"}, detail::text_column("content", std::move(content)));
    }
    {
        std::vector<std::uint32_t> order(posts.size());
        for (std::uint32_t i = 0; i < order.size(); ++i) order[i] = i;
        std::stable_sort(order.begin(), order.end(),
                         [&](auto a, auto b) { return posts[a].created < posts[b].created; });
        std::vector<std::string> id, par, tags, accepted;
        std::vector<std::int64_t> when, author, kind;
        std::vector<double> score;
        bool any_score = false;
        for (auto i : order) {
            const auto& p = posts[i];
            id.push_back(p.id);
            const std::int32_t a = author_row(p);
            author.push_back(a >= 0 ? a : import_column::missing_integer);
            kind.push_back(parent[i] < 0 ? 0 : 1);
            par.push_back(parent[i] < 0 ? std::string() : posts[parent[i]].id);
            when.push_back(p.created);
            detail::split_tags(post_tags(i), split);
            std::string t;
            for (std::size_t k = 0; k < split.size(); ++k) t += (k ? ";" : "") + std::string(split[k]);
            tags.push_back(std::move(t));
            score.push_back(p.score);
            any_score = any_score || !std::isnan(p.score);
            accepted.emplace_back();
        }
        (void)any_score;
        import_table& t = out.content = detail::import_content_table(
            detail::text_column("id", std::move(id)), ids, std::move(author), std::move(kind), {"thread", "reply"},
            detail::text_column("parent", std::move(par)), std::move(when), std::move(tags));
        import_column sc = detail::real_column("score", std::move(score), 0);
        t.columns.push_back(std::move(sc));
        t.columns.push_back(detail::text_column("accepted", std::move(accepted)));
    }
    const std::size_t n_events = events.size();
    out.events = detail::events_table(std::move(events), actions.names(), ids);
    std::vector<std::string> occurring;
    {
        const import_column* col = out.events.find("action");
        std::vector<bool> used(col->labels.size(), false);
        for (const auto code : col->integer) used[static_cast<std::size_t>(code)] = true;
        for (const char* a : {"joined", "started", "replied", "reply_received"})
            for (std::size_t k = 0; k < col->labels.size(); ++k)
                if (used[k] && col->labels[k] == a) occurring.emplace_back(a);
    }
    detail::journey_defaults d;
    d.name = "threads";
    d.description =
        "Imported from a thread export: started a thread -> replied -> replies received. See docs/import.md.";
    d.points = [](const std::string& a) -> double {
        if (a == "joined") return 1;
        if (a == "started") return 5;
        if (a == "replied") return 10;
        return 1;  // reply_received
    };
    d.rules = detail::default_stage_rules("started", "replied", "reply_received",
                                          {{"replied", 10, {}}, {"reply_received", 10, {}}});
    out.journey = detail::import_journey(j, occurring, d);
    out.counts.emplace_back("interactions", out.interactions.rows());
    out.counts.emplace_back("events", n_events);
    out.counts.emplace_back("content", out.content.rows());
    out.counts.emplace_back("stage entries", out.stages.rows());
    out.counts.emplace_back("posts without an author", anonymous);
    out.counts.emplace_back("posts replying to a missing post", missing_parents);
    return out;
}

}  // namespace

imported_community import_threads(const std::filesystem::path& posts,
                                  const std::optional<std::filesystem::path>& members, const import_options& options) {
    if (options.progress) options.progress(fmt::format("reading {}", posts.filename().string()));
    auto p = read_posts(posts);
    std::optional<std::vector<thread_member>> m;
    if (members) m = read_members_file(*members);
    return build(std::move(p), std::move(m), options, posts.string());
}

imported_community import_threads(const thread_columns& posts, const thread_member_columns* members,
                                  const import_options& options) {
    auto p = posts_from_columns(posts);
    std::optional<std::vector<thread_member>> m;
    if (members) m = members_from_columns(*members);
    return build(std::move(p), std::move(m), options, "posts");
}

}  // namespace engage_right
