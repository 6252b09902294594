// The Stack Exchange importer: Users, Posts, Comments, Votes and Badges of a
// data dump (XML or the CSV variant) -> members, interactions, events,
// content, dated stage entries and a journey. The rules are documented in
// docs/import.md; the comments here say why where the dump needs care.

#include "io/adapter.hpp"
#include "io/dump.hpp"

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

using detail::dump_record;
using detail::no_time;
using detail::time_ms;

namespace {

constexpr std::int64_t community_user = -1;  // the "Community" bot account
// Question up-votes earn +10 since 2019-11-13 (before: +5); Stack Exchange
// recalculated every user, so a dump's reputations follow the rule of its date.
constexpr time_ms question_vote_change = 1573603200000;  // 2019-11-13T00:00:00Z

enum post_type : std::int8_t { question = 1, answer = 2 };
enum vote_type : int { vote_accept = 1, vote_up = 2, vote_down = 3, vote_bounty_start = 8, vote_bounty_close = 9 };

struct post {
    std::int64_t id = 0;
    std::int64_t parent = 0;           // answers: the question's id
    std::int64_t accepted_answer = 0;  // questions: AcceptedAnswerId, 0 when none
    time_ms created = 0;
    time_ms community_owned = no_time;  // community wiki from then on: votes earn nothing
    time_ms accept_time = no_time;      // answers: the first accept vote (effective time)
    std::int64_t score = 0;
    std::int32_t owner = -1;  // member row, -1 when not a member
    std::int32_t up_after = 0, down_after = 0;
    std::uint32_t tags_begin = 0, tags_count = 0;  // questions: into tag_pool
    std::uint32_t title = 0;                       // questions: into titles (0 = none)
    std::int8_t type = 0;
    bool before = false;  // created before as_of
};

// A reputation change caused by a vote, resolved to a member.
struct vote_change {
    std::uint32_t member;
    time_ms time;
    std::int32_t amount;  // bounty amount (+/-), or 0 for the fixed kinds
    std::uint8_t kind;    // 0 question up, 1 answer up, 2 down, 3 accept (answerer), 4 accept (asker), 5 bounty
};

struct member_counts {
    std::uint32_t questions = 0, answers = 0, comments = 0, accepted = 0, upvotes = 0;
    std::uint32_t gold = 0, silver = 0, bronze = 0;
};

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

void read_table(const std::filesystem::path& file, std::span<const std::string_view> names,
                const std::function<void(const dump_record&)>& on_row, const detail::progress_fn& progress) {
    if (progress) progress(fmt::format("reading {}", file.filename().string()));
    if (detail::iequals(file.extension().string(), ".csv")) detail::read_csv_rows(file, names, on_row, progress);
    else detail::read_xml_rows(file, names, on_row, progress);
}

std::int64_t int_cell(const dump_record& r, std::size_t k) {
    std::int64_t v = 0;
    if (!detail::parse_number(r[k], v)) r.fail(k, fmt::format("expected an integer, got {}", detail::shown(r[k])));
    return v;
}

std::optional<std::int64_t> opt_int(const dump_record& r, std::size_t k) {
    if (detail::trim(r[k]).empty()) return std::nullopt;
    return int_cell(r, k);
}

time_ms time_cell(const dump_record& r, std::size_t k) {
    if (detail::trim(r[k]).empty()) r.fail(k, "expected an ISO-8601 date, got nothing");
    const auto t = detail::parse_time_ms(r[k]);
    if (!t)
        r.fail(k,
               fmt::format("expected an ISO-8601 date such as 2018-03-12T17:14:46.030, got {}", detail::shown(r[k])));
    return *t;
}

std::optional<time_ms> opt_time(const dump_record& r, std::size_t k) {
    if (detail::trim(r[k]).empty()) return std::nullopt;
    return time_cell(r, k);
}

// `Nice Question` -> badge_nice_question: lower case, every run of other
// characters than a-z and 0-9 one '_'.
std::string badge_action(std::string_view name) {
    std::string out = "badge_";
    bool gap = false;
    for (char c : name) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
            if (gap && out.size() > 6) out += '_';
            out += c;
            gap = false;
        } else {
            gap = true;
        }
    }
    return out;
}

class importer {
public:
    importer(const std::filesystem::path& dump, const import_options& o) : dir_(dump), o_(o) {
        as_of_ = o.as_of ? detail::seconds_to_ms(*o.as_of) : std::numeric_limits<time_ms>::max();
    }

    imported_community run() {
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
        if (!badges)
            out_.warnings.push_back("no Badges table: badge events and badge counts (f_5, f_6, f_7) are missing");

        read_users(*users);
        read_posts(*posts);
        if (comments) read_comments(*comments);
        if (votes) read_votes(*votes);
        else posts_as_votes();
        if (badges) read_badges(*badges);
        return finish(votes.has_value());
    }

private:
    bool before(time_ms t) const noexcept { return t < as_of_; }
    void seen(time_ms t) noexcept { latest_ = std::max(latest_, t); }
    std::int32_t member_of(std::optional<std::int64_t> user) const {
        if (!user) return -1;
        const auto at = member_index_.find(*user);
        return at ? static_cast<std::int32_t>(*at) : -1;
    }
    void count(const std::string& what, std::size_t n) { out_.counts.emplace_back(what, n); }
    // read_table with on_row(record, its row number from 1), counted as
    // "<file> rows".
    template <class OnRow>
    void read_counted(const std::filesystem::path& file, std::span<const std::string_view> names, OnRow on_row) {
        std::size_t rows = 0;
        read_table(
            file, names, [&](const dump_record& r) { on_row(r, ++rows); }, o_.progress);
        count(file.filename().string() + " rows", rows);
    }
    void event(std::int32_t m, time_ms t, std::uint32_t action, std::int32_t value = detail::no_value) {
        if (m < 0) {
            ++dropped_events_;
            return;
        }
        events_.push_back({t, static_cast<std::uint32_t>(m), action, value});
    }
    std::uint32_t action(std::string_view name) { return actions_.intern(name); }

    void read_users(const std::filesystem::path& file) {
        static constexpr std::array<std::string_view, 3> names = {"Id", "Reputation", "CreationDate"};
        struct user {
            std::int64_t id;
            std::int64_t reputation;
            time_ms created;
        };
        std::vector<user> users;
        std::unordered_map<std::int64_t, std::size_t> first_line;
        read_counted(file, names, [&](const dump_record& r, std::size_t row) {
            if (detail::trim(r[0]).empty()) r.fail(0, "expected the user's id, got nothing");
            const std::int64_t id = int_cell(r, 0);
            const std::int64_t rep = opt_int(r, 1).value_or(1);
            const time_ms created = time_cell(r, 2);
            seen(created);
            if (!first_line.emplace(id, row).second)
                r.fail(0, fmt::format("duplicate user id {} (first on row {})", id, first_line[id]));
            if (id == community_user || !before(created)) return;
            users.push_back({id, rep, created});
        });
        std::sort(users.begin(), users.end(), [](const user& a, const user& b) { return a.id < b.id; });
        for (const auto& u : users) {
            member_index_.insert(u.id, static_cast<std::uint32_t>(ids_.size()));
            ids_.push_back(fmt::format("{}", u.id));
            dump_reputation_.push_back(u.reputation);
            created_.push_back(u.created);
        }
        counts_.resize(ids_.size());
        member_tags_.resize(ids_.size());
        joined_ = action("joined");
        for (std::uint32_t m = 0; m < ids_.size(); ++m) events_.push_back({created_[m], m, joined_, detail::no_value});
    }

    void read_posts(const std::filesystem::path& file) {
        static constexpr std::array<std::string_view, 10> names = {
            "Id",          "PostTypeId", "ParentId", "AcceptedAnswerId",  "CreationDate", "Score",
            "OwnerUserId", "Tags",       "Title",    "CommunityOwnedDate"};
        std::vector<std::string_view> tags;
        titles_.emplace_back();
        read_counted(file, names, [&](const dump_record& r, std::size_t /*row*/) {
            post p;
            p.id = int_cell(r, 0);
            p.type = static_cast<std::int8_t>(std::clamp<std::int64_t>(int_cell(r, 1), -1, 100));
            p.created = time_cell(r, 4);
            seen(p.created);
            p.before = before(p.created);
            p.score = opt_int(r, 5).value_or(0);
            p.owner = member_of(opt_int(r, 6));
            if (auto c = opt_time(r, 9)) p.community_owned = *c;
            if (p.type == question) {
                p.accepted_answer = opt_int(r, 3).value_or(0);
                detail::split_tags(r[7], tags);
                p.tags_begin = static_cast<std::uint32_t>(tag_pool_.size());
                for (auto t : tags) tag_pool_.push_back(tag_names_.intern(t));
                p.tags_count = static_cast<std::uint32_t>(tags.size());
                if (!r[8].empty()) {
                    p.title = static_cast<std::uint32_t>(titles_.size());
                    titles_.emplace_back(r[8]);
                }
            } else if (p.type == answer) {
                if (detail::trim(r[2]).empty()) r.fail(2, "an answer needs the id of its question, got nothing");
                p.parent = int_cell(r, 2);
            }
            if (!post_index_.insert(p.id, static_cast<std::uint32_t>(posts_.size())))
                r.fail(0, fmt::format("duplicate post id {}", p.id));
            posts_.push_back(p);
        });
    }

    const post* find_post(std::int64_t id) const {
        const auto at = post_index_.find(id);
        return at ? &posts_[*at] : nullptr;
    }
    post* find_post(std::int64_t id) {
        const auto at = post_index_.find(id);
        return at ? &posts_[*at] : nullptr;
    }
    static bool is_qa(const post* p) { return p && (p->type == question || p->type == answer); }

    void read_comments(const std::filesystem::path& file) {
        static constexpr std::array<std::string_view, 3> names = {"PostId", "UserId", "CreationDate"};
        const std::uint32_t commented = action("commented");
        read_counted(file, names, [&](const dump_record& r, std::size_t /*row*/) {
            const std::int64_t post_id = int_cell(r, 0);
            const auto user = opt_int(r, 1);
            const time_ms t = time_cell(r, 2);
            seen(t);
            if (!before(t)) return;
            const std::int32_t m = member_of(user);
            event(m, t, commented);
            if (m >= 0) {
                ++counts_[m].comments;
                changes_.push_back({static_cast<std::uint32_t>(m), t, state_change::kind::comment, 0});
            }
            const post* p = find_post(post_id);
            if (!is_qa(p) || !p->before) return;
            contact(m, p->owner, t, p->type == question ? c2q : c2a, p->id);
        });
    }

    void contact(std::int32_t source, std::int32_t target, time_ms t, std::uint8_t kind, std::int64_t content) {
        if (source < 0 || target < 0 || source == target) return;
        contacts_.push_back({t, static_cast<std::uint32_t>(source), static_cast<std::uint32_t>(target), kind, content});
    }

    void vote(std::uint32_t m, time_ms t, std::uint8_t kind, std::int32_t amount = 0) {
        votes_.push_back({m, t, amount, kind});
    }

    void read_votes(const std::filesystem::path& file) {
        static constexpr std::array<std::string_view, 5> names = {"PostId", "VoteTypeId", "CreationDate", "UserId",
                                                                  "BountyAmount"};
        const std::uint32_t up = action("upvote_received");
        const std::uint32_t down = action("downvote_received");
        read_counted(file, names, [&](const dump_record& r, std::size_t /*row*/) {
            const auto type = int_cell(r, 1);
            const time_ms day = time_cell(r, 2);
            seen(day);
            if (type != vote_up && type != vote_down && type != vote_accept && type != vote_bounty_start &&
                type != vote_bounty_close)
                return;
            post* p = find_post(int_cell(r, 0));
            if (!p) {
                ++unattributed_votes_;
                return;
            }
            // Votes carry the day only: never before the post itself.
            const time_ms t = std::max(day, p->created);
            const bool wiki = p->community_owned != no_time && t >= p->community_owned;
            const bool in = before(t);
            switch (type) {
                case vote_up:
                case vote_down:
                    if (!is_qa(p)) return;
                    if (in) {
                        if (type == vote_up && p->owner >= 0) ++counts_[p->owner].upvotes;
                        event(p->owner, t, type == vote_up ? up : down);
                    } else {
                        ++(type == vote_up ? p->up_after : p->down_after);
                    }
                    if (p->owner >= 0 && !wiki)
                        vote(static_cast<std::uint32_t>(p->owner), t,
                             type == vote_down ? 2 : (p->type == question ? 0 : 1));
                    return;
                case vote_accept: {
                    if (p->type != answer) return;
                    if (p->accept_time == no_time) p->accept_time = t;
                    const post* q = find_post(p->parent);
                    const std::int32_t asker = q ? q->owner : -1;
                    if (wiki || (p->owner >= 0 && p->owner == asker)) return;
                    if (p->owner >= 0) vote(static_cast<std::uint32_t>(p->owner), t, 3);
                    if (asker >= 0) vote(static_cast<std::uint32_t>(asker), t, 4);
                    return;
                }
                case vote_bounty_start: {
                    const std::int32_t m = member_of(opt_int(r, 3));
                    const auto amount = opt_int(r, 4).value_or(0);
                    if (m >= 0 && amount != 0)
                        vote(static_cast<std::uint32_t>(m), t, 5, -static_cast<std::int32_t>(amount));
                    return;
                }
                case vote_bounty_close: {
                    const auto amount = opt_int(r, 4).value_or(0);
                    if (p->owner >= 0 && amount != 0)
                        vote(static_cast<std::uint32_t>(p->owner), t, 5, static_cast<std::int32_t>(amount));
                    return;
                }
                default: return;
            }
        });
        has_votes_ = true;
    }

    // Without Votes: each post's score stands for its votes, cast when the
    // post was written, and an accepted answer for its accept vote.
    void posts_as_votes() {
        for (const post& p : posts_) {
            if (!is_qa(&p) || p.owner < 0) continue;
            const auto m = static_cast<std::uint32_t>(p.owner);
            for (std::int64_t i = 0; i < std::abs(p.score); ++i)
                vote(m, p.created, p.score < 0 ? 2 : (p.type == question ? 0 : 1));
        }
        for (const post& q : posts_) {
            if (q.type != question || q.accepted_answer == 0) continue;
            const post* a = find_post(q.accepted_answer);
            if (!a || a->type != answer || (a->owner >= 0 && a->owner == q.owner)) continue;
            if (a->owner >= 0) vote(static_cast<std::uint32_t>(a->owner), a->created, 3);
            if (q.owner >= 0) vote(static_cast<std::uint32_t>(q.owner), a->created, 4);
        }
    }

    void read_badges(const std::filesystem::path& file) {
        static constexpr std::array<std::string_view, 5> names = {"UserId", "Name", "Date", "Class", "TagBased"};
        std::unordered_map<std::string, std::uint32_t> by_name;  // name + tag flag -> action
        std::unordered_map<std::string, std::string> owner_of;   // action -> name + tag flag
        read_counted(file, names, [&](const dump_record& r, std::size_t /*row*/) {
            const time_ms t = time_cell(r, 2);
            seen(t);
            if (!before(t)) return;
            const bool tag = detail::iequals(detail::trim(r[4]), "true");
            std::string key = std::string(r[1]) + (tag ? "\x01tag" : "");
            auto it = by_name.find(key);
            if (it == by_name.end()) {
                std::string name = badge_action(r[1]);
                // A tag badge named like another badge gets a suffix.
                auto [o, fresh] = owner_of.emplace(name, key);
                if (!fresh && o->second != key && tag) name += "_tag";
                owner_of.emplace(name, key);
                it = by_name.emplace(key, action(name)).first;
            }
            const auto cls = opt_int(r, 3);
            const std::int32_t m = member_of(opt_int(r, 0));
            event(m, t, it->second, cls ? static_cast<std::int32_t>(*cls) : detail::no_value);
            if (m >= 0 && cls) {
                if (*cls == 1) ++counts_[m].gold;
                else if (*cls == 2) ++counts_[m].silver;
                else if (*cls == 3) ++counts_[m].bronze;
            }
            if (cls && badge_class_.size() <= it->second) badge_class_.resize(it->second + 1, 0);
            if (cls && badge_class_[it->second] == 0) badge_class_[it->second] = static_cast<int>(*cls);
        });
    }

    imported_community finish(bool have_votes) {
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
                    changes_.push_back(
                        {static_cast<std::uint32_t>(p.owner), p.created, state_change::kind::question, 0});
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

    void content_table(bool have_votes) {
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
        import_table& t = out_.content;
        t.name = "content";
        t.columns.push_back(detail::integer_column("id", std::move(id)));
        t.columns.push_back(detail::coded_column("author", std::move(author), ids_));
        t.columns.push_back(detail::coded_column("kind", std::move(kind), {"question", "answer"}));
        t.columns.push_back(detail::integer_column("parent", std::move(parent)));
        t.columns.push_back(detail::time_column("created", std::move(created)));
        t.columns.push_back(detail::text_column("tags", std::move(tags)));
        t.columns.push_back(detail::integer_column("score", std::move(score)));
        t.columns.push_back(detail::integer_column("accepted", std::move(accepted)));
        t.columns.push_back(detail::text_column("title", std::move(title)));
    }

    // The actions of events.csv: the fixed ones in a fixed order, then badges by name.
    std::vector<std::string> occurring_actions() const {
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

    detail::journey_defaults journey_defaults() const {
        detail::journey_defaults d;
        d.name = "stackexchange";
        d.description =
            "Imported from a Stack Exchange dump: asked -> answered (with up-votes) -> accepted answers and a Nice "
            "Answer badge. See docs/import.md.";
        std::unordered_map<std::string, int> badge_class;
        for (std::uint32_t a = 0; a < badge_class_.size(); ++a)
            badge_class.emplace(actions_.names()[a], badge_class_[a]);
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

    struct contact_row {
        time_ms time;
        std::uint32_t source, target;
        std::uint8_t kind;  // a2q, c2q, c2a
        std::int64_t content;
    };
    static constexpr std::uint8_t a2q = 0, c2q = 1, c2a = 2;
    using tag_set_entry = std::pair<std::uint32_t, std::int64_t>;
    using state_change = detail::state_change;

    std::filesystem::path dir_;
    const import_options& o_;
    time_ms as_of_;
    time_ms latest_ = std::numeric_limits<time_ms>::min();
    imported_community out_;

    std::vector<std::string> ids_;
    detail::id_lookup member_index_;
    std::vector<std::int64_t> dump_reputation_;
    std::vector<time_ms> created_;
    std::vector<member_counts> counts_;
    std::vector<detail::tag_counts> member_tags_;

    std::vector<post> posts_;
    detail::id_lookup post_index_;
    std::vector<std::uint32_t> tag_pool_;
    detail::name_table tag_names_;
    std::vector<std::string> titles_;
    std::vector<std::int64_t> accepted_, accepted_questions_;

    detail::name_table actions_;
    std::uint32_t joined_ = 0;
    std::vector<int> badge_class_;
    std::vector<detail::event_row> events_;
    std::vector<contact_row> contacts_;
    std::vector<vote_change> votes_;
    std::vector<state_change> changes_;
    std::unordered_map<std::string, std::size_t> stage_counts_;
    std::size_t dropped_events_ = 0, unattributed_votes_ = 0;
    bool has_votes_ = false;
};

}  // namespace

imported_community import_stackexchange(const std::filesystem::path& dump, const import_options& options) {
    importer im(dump, options);
    return im.run();
}

}  // namespace engage_right
