// The Stack Exchange importer's per-table readers: Users, Posts, Comments,
// Votes and Badges of a data dump (XML or the CSV variant), each row checked
// and turned into members, posts, contacts, events and reputation changes.
// The rules are documented in docs/import.md.

#include "io/stackexchange.hpp"

#include <engage_right/detail/csv.hpp>
#include <engage_right/error.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <unordered_map>

namespace engage_right::detail::stackexchange {

namespace {

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

}  // namespace

// read_table with on_row(record, its row number from 1), counted as
// "<file> rows".
template <class OnRow>
void importer::read_counted(const std::filesystem::path& file, std::span<const std::string_view> names, OnRow on_row) {
    std::size_t rows = 0;
    read_table(
        file, names, [&](const dump_record& r) { on_row(r, ++rows); }, o_.progress);
    count(file.filename().string() + " rows", rows);
}

void importer::read_users(const std::filesystem::path& file) {
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

void importer::read_posts(const std::filesystem::path& file) {
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

void importer::read_comments(const std::filesystem::path& file) {
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

void importer::read_votes(const std::filesystem::path& file) {
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

void importer::posts_as_votes() {
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

void importer::read_badges(const std::filesystem::path& file) {
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

}  // namespace engage_right::detail::stackexchange
