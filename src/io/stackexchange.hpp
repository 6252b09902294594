#pragma once
// The Stack Exchange importer's state, shared by its two halves: the
// per-table readers (stackexchange_readers.cpp: Users, Posts, Comments,
// Votes, Badges) and the table builder (stackexchange.cpp: events, counts,
// reputation as of --as-of, the output tables and the journey).

#include "io/adapter.hpp"
#include "io/dump.hpp"

#include <engage_right/adapters.hpp>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace engage_right::detail::stackexchange {

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

class importer {
public:
    importer(const std::filesystem::path& dump, const import_options& o) : dir_(dump), o_(o) {
        as_of_ = o.as_of ? detail::seconds_to_ms(*o.as_of) : std::numeric_limits<time_ms>::max();
    }

    /// Reads the dump's tables and builds the imported community.
    imported_community run();

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
    // "<file> rows" (stackexchange_readers.cpp).
    template <class OnRow>
    void read_counted(const std::filesystem::path& file, std::span<const std::string_view> names, OnRow on_row);
    void event(std::int32_t m, time_ms t, std::uint32_t action, std::int32_t value = detail::no_value) {
        if (m < 0) {
            ++dropped_events_;
            return;
        }
        events_.push_back({t, static_cast<std::uint32_t>(m), action, value});
    }
    std::uint32_t action(std::string_view name) { return actions_.intern(name); }

    // The per-table readers (stackexchange_readers.cpp).
    void read_users(const std::filesystem::path& file);
    void read_posts(const std::filesystem::path& file);
    void read_comments(const std::filesystem::path& file);
    void read_votes(const std::filesystem::path& file);
    // Without Votes: each post's score stands for its votes, cast when the
    // post was written, and an accepted answer for its accept vote.
    void posts_as_votes();
    void read_badges(const std::filesystem::path& file);

    const post* find_post(std::int64_t id) const {
        const auto at = post_index_.find(id);
        return at ? &posts_[*at] : nullptr;
    }
    post* find_post(std::int64_t id) {
        const auto at = post_index_.find(id);
        return at ? &posts_[*at] : nullptr;
    }
    static bool is_qa(const post* p) { return p && (p->type == question || p->type == answer); }

    void contact(std::int32_t source, std::int32_t target, time_ms t, std::uint8_t kind, std::int64_t content) {
        if (source < 0 || target < 0 || source == target) return;
        contacts_.push_back({t, static_cast<std::uint32_t>(source), static_cast<std::uint32_t>(target), kind, content});
    }

    void vote(std::uint32_t m, time_ms t, std::uint8_t kind, std::int32_t amount = 0) {
        votes_.push_back({m, t, amount, kind});
    }

    // The output tables (stackexchange.cpp).
    imported_community finish(bool have_votes);
    void content_table(bool have_votes);
    // The actions of events.csv: the fixed ones in a fixed order, then badges by name.
    std::vector<std::string> occurring_actions() const;
    detail::journey_defaults journey_defaults() const;

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

}  // namespace engage_right::detail::stackexchange
