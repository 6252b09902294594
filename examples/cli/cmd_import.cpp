// engage-right import stackexchange | threads: real community exports in,
// the engage-right files out (docs/import.md).

#include "common.hpp"

#include <fmt/format.h>

#include <iostream>

namespace cli {
namespace {

constexpr const char* se_usage = R"(usage: engage-right import stackexchange --dump DIR --out DIR [options]

Imports a Stack Exchange data dump: Users and Posts (required), Comments,
Votes and Badges (optional: a missing one is a warning naming what is lost),
each as NAME.xml or as NAME.csv (the CSV variant: the XML attribute names as
header). The XML is streamed (constant memory whatever its size).

Writes into --out: members.csv, interactions.csv (answer -> question, comment
-> post), events.csv (joined, asked, answered, commented, answer_accepted,
upvote_received, downvote_received, badge_*), content.csv (questions and
answers), stages.csv (dated stage entries) and journey.json (lead scoring over
the actions that occur). See docs/import.md.

options:
  --dump DIR               the dump folder (Users.xml, Posts.xml, ...)
  --out DIR                output folder (created when missing)
  --as-of TIME             keep only what existed before TIME (unix seconds or
                           ISO-8601); reputations and scores as of TIME are
                           reconstructed from the dated votes
  --stages SPEC            participation[:R] (default: R = 1000 reputation for
                           the last stage), reputation:T1,...,Tn (one
                           threshold per stage), activity (equal-size groups of
                           the active members) or activity:C1,...,Cn (posts and
                           comments per stage)
  --journey PRESET|FILE    the journey to import into (default engage_right);
                           its lead scoring and stage rules are kept where they
                           name the imported actions
  --top-tags N             tags per member (default 3)
  --quiet                  no progress on standard error

Prints a summary (rows read, members per stage, rows written) on standard
output; warnings and progress go to standard error.
)";

constexpr const char* threads_usage = R"(usage: engage-right import threads --posts FILE --out DIR [options]

Imports a thread/reply export (Discourse, Slack, Discord, IRC, mailing lists):
posts.csv with columns post_id, author, parent_id and/or thread_id, created
(unix seconds or ISO-8601), and optionally tags (';'-separated) and score.
A reply goes to parent_id, or without one to the first post of its thread_id.

Writes the same files as 'import stackexchange' into --out: members.csv,
interactions.csv (reply -> the post replied to), events.csv (joined, started,
replied, reply_received), content.csv, stages.csv and journey.json.

options:
  --posts FILE             posts.csv
  --members FILE           members.csv with id[,created][,reputation]: members
                           without posts and account creation times
  --out DIR                output folder (created when missing)
  --as-of TIME             keep only what existed before TIME
  --stages SPEC            activity (default), activity:C1,...,Cn,
                           participation[:R] or reputation:T1,...,Tn (these
                           two need a reputation column in --members)
  --journey PRESET|FILE, --top-tags N, --quiet   as for import stackexchange
)";

er::import_options import_options_of(const arguments& a) {
    er::import_options o;
    o.as_of = time_option(a, "as-of");
    o.base = journey_of(a);
    if (auto s = a.get("stages"))
        o.stages = parsed_option("stages", [&] { return er::parse_stage_mapping(*s, o.base); });
    o.top_tags = static_cast<std::size_t>(a.get_int("top-tags", 0, 1000).value_or(3));
    if (!a.has("quiet")) o.progress = [](const std::string& line) { std::cerr << "engage-right: " << line << '\n'; };
    return o;
}

void finish(const arguments& a, const er::imported_community& c) {
    for (const auto& w : c.warnings) warn(w);
    const std::string out = a.require("out");
    er::write_imported(c, out);
    std::cout << fmt::format("imported into {}\n", out);
    for (const auto& [what, n] : c.counts) std::cout << fmt::format("  {:<52} {}\n", what, n);
}

void run_stackexchange(const arguments& a) {
    const er::import_options o = import_options_of(a);
    finish(a, er::import_stackexchange(a.require("dump"), o));
}

void run_threads(const arguments& a) {
    const er::import_options o = import_options_of(a);
    std::optional<std::filesystem::path> members;
    if (auto m = a.get("members")) members = *m;
    finish(a, er::import_threads(a.require("posts"), members, o));
}

}  // namespace

const command import_stackexchange_command{"import stackexchange",
                                           "a Stack Exchange dump (XML or CSV) -> members, interactions,\nevents, "
                                           "content, stages, journey",
                                           se_usage, "dump! out! as-of stages journey top-tags +quiet",
                                           run_stackexchange};

const command import_threads_command{"import threads", "a thread/reply export (posts.csv) -> the same files",
                                     threads_usage, "posts! out! members as-of stages journey top-tags +quiet",
                                     run_threads};

}  // namespace cli
