// The importers: the streaming dump reader (chunking, malformed XML), the
// Stack Exchange rules on a hand-made dump whose numbers are worked out by
// hand, the CSV variant, the stage mappings and the thread importer.

#include "io/adapter.hpp"
#include "io/dump.hpp"
#include "test_helpers.hpp"

#include <doctest/doctest.h>
#include <engage_right/engage_right.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

using namespace engage_right;
namespace fs = std::filesystem;

namespace {

// A fresh folder under the system's temporary directory.
fs::path scratch(const std::string& name) {
    const fs::path p = fs::temp_directory_path() / ("engage_right_test_adapters_" + name);
    fs::remove_all(p);
    fs::create_directories(p);
    return p;
}

void write(const fs::path& p, const std::string& text) {
    std::ofstream out(p, std::ios::binary);
    out << text;
}

std::string xml(const std::string& root, const std::vector<std::string>& rows) {
    std::string s = "\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n<" + root + ">\r\n";
    for (const auto& r : rows) s += "  <row " + r + " />\r\n";
    return s + "</" + root + ">\r\n";
}

// A small dump: 4 users (and the Community bot), two questions, three
// answers, comments, votes and badges. Numbers in the tests below follow from
// these rows by hand.
void small_dump(const fs::path& d) {
    write(d / "Users.xml",
          xml("users", {R"(Id="-1" Reputation="1" CreationDate="2020-01-01T00:00:00.000" DisplayName="Community")",
                        R"(Id="1" Reputation="1040" CreationDate="2020-01-01T10:00:00.000")",
                        R"(Id="2" Reputation="101" CreationDate="2020-01-02T10:00:00.000")",
                        R"(Id="3" Reputation="30" CreationDate="2020-01-03T10:00:00.000")",
                        R"(Id="4" Reputation="1" CreationDate="2020-02-01T10:00:00.000")"}));
    write(
        d / "Posts.xml",
        xml("posts",
            {R"(Id="10" PostTypeId="1" AcceptedAnswerId="11" CreationDate="2020-01-05T12:00:00.000" Score="2" OwnerUserId="2" Title="Why &amp; how?" Tags="&lt;beer&gt;&lt;hops&gt;" Body="&lt;p&gt;x&lt;/p&gt;")",
             R"(Id="11" PostTypeId="2" ParentId="10" CreationDate="2020-01-05T13:00:00.000" Score="3" OwnerUserId="1")",
             R"(Id="12" PostTypeId="2" ParentId="10" CreationDate="2020-01-06T09:00:00.000" Score="-1" OwnerUserId="3")",
             R"(Id="13" PostTypeId="1" CreationDate="2020-01-20T08:00:00.000" Score="1" OwnerUserId="3" Title="Q2" Tags="&lt;hops&gt;")",
             R"(Id="14" PostTypeId="2" ParentId="13" CreationDate="2020-01-21T08:00:00.000" Score="1")",
             R"(Id="15" PostTypeId="5" CreationDate="2020-01-01T08:00:00.000" Score="0")"}));
    write(d / "Comments.xml",
          xml("comments", {R"(Id="1" PostId="10" UserId="3" CreationDate="2020-01-05T14:00:00.000")",
                           R"(Id="2" PostId="11" UserId="2" CreationDate="2020-01-05T15:00:00.000")",
                           R"(Id="3" PostId="11" CreationDate="2020-01-05T16:00:00.000")",
                           R"(Id="4" PostId="99" UserId="4" CreationDate="2020-02-02T16:00:00.000")"}));
    // Vote days: day-only dates, never before the post.
    write(d / "Votes.xml",
          xml("votes", {R"(Id="1" PostId="10" VoteTypeId="2" CreationDate="2020-01-05T00:00:00.000")",
                        R"(Id="2" PostId="11" VoteTypeId="2" CreationDate="2020-01-06T00:00:00.000")",
                        R"(Id="3" PostId="11" VoteTypeId="1" CreationDate="2020-01-07T00:00:00.000")",
                        R"(Id="4" PostId="12" VoteTypeId="3" CreationDate="2020-01-08T00:00:00.000")",
                        R"(Id="5" PostId="11" VoteTypeId="2" CreationDate="2020-01-25T00:00:00.000")",
                        R"(Id="6" PostId="13" VoteTypeId="2" CreationDate="2020-01-26T00:00:00.000")",
                        R"(Id="7" PostId="77" VoteTypeId="2" CreationDate="2020-01-26T00:00:00.000")",
                        R"(Id="8" PostId="10" VoteTypeId="5" CreationDate="2020-01-26T00:00:00.000")"}));
    write(d / "Badges.xml",
          xml("badges",
              {R"(Id="1" UserId="1" Name="Nice Answer" Date="2020-01-10T00:00:01.000" Class="3" TagBased="False")",
               R"(Id="2" UserId="2" Name="hops" Date="2020-01-30T00:00:01.000" Class="3" TagBased="True")",
               R"(Id="3" UserId="3" Name="Self-Learner" Date="2020-01-30T00:00:02.000" Class="3" TagBased="False")"}));
}

std::string table_text(const import_table& t) {
    std::ostringstream out;
    write_import_table(out, t);
    return out.str();
}

std::vector<std::string> column(const import_table& t, const std::string& name) {
    const import_column* c = t.find(name);
    REQUIRE(c != nullptr);
    std::vector<std::string> out;
    for (std::size_t r = 0; r < c->size(); ++r) out.push_back(c->cell(r));
    return out;
}

std::map<std::string, std::string> by_id(const import_table& members, const std::string& col) {
    std::map<std::string, std::string> out;
    const auto ids = column(members, "id");
    const auto v = column(members, col);
    for (std::size_t i = 0; i < ids.size(); ++i) out[ids[i]] = v[i];
    return out;
}

input_error import_error(const fs::path& dump) {
    try {
        (void)import_stackexchange(dump);
    } catch (const input_error& e) {
        return e;
    }
    FAIL("no input_error");
    return input_error("", 0, 0, "");
}

}  // namespace

TEST_CASE("xml reader: the same rows whatever the buffer size") {
    const fs::path d = scratch("chunks");
    small_dump(d);
    static constexpr std::string_view names[] = {"Id", "Title", "Tags"};
    auto read = [&](std::size_t chunk) {
        std::vector<std::string> rows;
        detail::read_xml_rows(
            d / "Posts.xml", names,
            [&](const detail::dump_record& r) {
                rows.push_back(std::string(r[0]) + "|" + std::string(r[1]) + "|" + std::string(r[2]));
            },
            {}, chunk);
        return rows;
    };
    const auto big = read(detail::default_xml_chunk);
    REQUIRE(big.size() == 6);
    CHECK(big[0] == "10|Why & how?|<beer><hops>");  // entities decoded
    for (std::size_t chunk : {64, 100, 257, 1000}) CHECK(read(chunk) == big);
}

TEST_CASE("xml reader: malformed files name file, line and column") {
    const fs::path d = scratch("bad_xml");
    static constexpr std::string_view names[] = {"Id"};
    auto error_of = [&](const std::string& text, std::size_t chunk = detail::default_xml_chunk) {
        write(d / "T.xml", text);
        try {
            detail::read_xml_rows(
                d / "T.xml", names, [](const detail::dump_record&) {}, {}, chunk);
        } catch (const input_error& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    const std::string head = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<posts>\n";
    // An attribute value without its closing quote, on line 4.
    CHECK(error_of(head + "  <row Id=\"1\" />\n  <row Id=\"2 />\n</posts>\n").find("T.xml:4:") != std::string::npos);
    // Cut short inside a row.
    const std::string cut = error_of(head + "  <row Id=\"1\" />\n  <row Id=\"2\" ");
    CHECK(cut.find("T.xml:4:3: unexpected end of file inside this element") != std::string::npos);
    // Complete rows but no end tag: the error is at the end of the file.
    CHECK(error_of(head + "  <row Id=\"1\" />\n").find("T.xml:4:1: unexpected end of file: expected the end tag") !=
          std::string::npos);
    // No end tag.
    CHECK(error_of(head + "  <row Id=\"1\" />\n").find("expected the end tag </posts>") != std::string::npos);
    // Mismatched tags, with a small buffer too.
    for (std::size_t chunk : {std::size_t{64}, detail::default_xml_chunk})
        CHECK(error_of(head + "  <row Id=\"1\"></rox>\n</posts>\n", chunk).find("T.xml:3:") != std::string::npos);
    CHECK(error_of(head + "</posts>\n<posts/>\n").find("unexpected content after the root element") !=
          std::string::npos);
    CHECK(error_of("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<posts></posts>").find("unsupported encoding") !=
          std::string::npos);
    CHECK(error_of("<!DOCTYPE posts [<!ENTITY x \"y\">]>\n<posts></posts>").find("DOCTYPE") != std::string::npos);
    CHECK(error_of("").find("empty file") != std::string::npos);
    CHECK(error_of("<posts/>\n") == "no error");
    CHECK(error_of("<posts>\n  <row Id=1 />\n</posts>\n").find("T.xml:2:11: malformed XML") != std::string::npos);
}

TEST_CASE("stackexchange: members, stages, contacts and events of a small dump") {
    const fs::path d = scratch("small");
    small_dump(d);
    const imported_community c = import_stackexchange(d);
    CHECK(c.warnings.empty());
    // The bot is no member; ids in numeric order.
    CHECK(column(c.members, "id") == std::vector<std::string>{"1", "2", "3", "4"});
    // participation: 1 has 1040 >= 1000 -> advocate; 3 answered -> loyal;
    // 2 asked -> new_customer; 4 commented (on a deleted post) -> interested.
    CHECK(by_id(c.members, "stage") ==
          std::map<std::string, std::string>{
              {"1", "advocate"}, {"2", "new_customer"}, {"3", "loyal"}, {"4", "interested"}});
    // Tags: 1 answered question 10 (beer, hops); 3 answered 10 and asked 13:
    // hops twice, beer once.
    CHECK(by_id(c.members, "tags")["3"] == "hops;beer");
    CHECK(by_id(c.members, "tags")["1"] == "beer;hops");
    // Contacts: a2q 11->10 (1->2), 12->10 (3->2), 14 has no owner;
    // c2q 3->2, c2a 2->1; the anonymous comment and the one on a missing post
    // are no contacts.
    CHECK(table_text(c.interactions) ==
          "source,target,weight,timestamp,kind,content\n"
          "1,2,1,2020-01-05T13:00:00.000,a2q,10\n"
          "3,2,1,2020-01-05T14:00:00.000,c2q,10\n"
          "2,1,1,2020-01-05T15:00:00.000,c2a,11\n"
          "3,2,1,2020-01-06T09:00:00.000,a2q,10\n");
    // Up-vote on 11 the day before it was written: dated at the post.
    const std::string events = table_text(c.events);
    CHECK(events.find("1,upvote_received,2020-01-06T00:00:00.000,\n") != std::string::npos);
    CHECK(events.find("2,upvote_received,2020-01-05T12:00:00.000,\n") != std::string::npos);
    CHECK(events.find("1,answer_accepted,2020-01-07T00:00:00.000,\n") != std::string::npos);
    CHECK(events.find("3,downvote_received,2020-01-08T00:00:00.000,\n") != std::string::npos);
    CHECK(events.find("2,badge_hops,2020-01-30T00:00:01.000,3\n") != std::string::npos);
    CHECK(events.find("3,badge_self_learner,") != std::string::npos);
    CHECK(events.find("4,commented,2020-02-02T16:00:00.000,\n") != std::string::npos);
    // Content: questions and answers, the tag wiki left out; answers carry
    // their question's tags.
    CHECK(column(c.content, "id") == std::vector<std::string>{"10", "11", "12", "13", "14"});
    CHECK(column(c.content, "tags")[1] == "beer;hops");
    CHECK(column(c.content, "accepted") == std::vector<std::string>{"1", "1", "0", "0", "0"});
    CHECK(column(c.content, "author")[4] == "");
    // The journey scores exactly the actions that occur.
    std::vector<std::string> scored;
    for (const auto& [a, p] : c.journey.lead_scoring().actions) scored.push_back(a);
    CHECK(scored == std::vector<std::string>{"joined", "asked", "answered", "commented", "answer_accepted",
                                             "upvote_received", "downvote_received", "badge_hops", "badge_nice_answer",
                                             "badge_self_learner"});
    CHECK(c.journey.lead_scoring().find_action("downvote_received")->points == 0);
    CHECK(c.journey.rule(4) != nullptr);
}

TEST_CASE("stackexchange: --as-of keeps what existed before and rewinds reputation by the votes") {
    const fs::path d = scratch("asof");
    small_dump(d);
    import_options o;
    o.as_of = *parse_timestamp("2020-01-07T00:00:00Z");
    const imported_community c = import_stackexchange(d, o);
    // User 4 was created later; posts 13 and 14 too.
    CHECK(column(c.members, "id") == std::vector<std::string>{"1", "2", "3"});
    CHECK(column(c.content, "id") == std::vector<std::string>{"10", "11", "12"});
    // Reputation as of T = dump reputation less the votes from T on (a 2020
    // dump: question up-votes +10, the rule since 2019-11-13):
    // 1: 1040 - accept (+15, 01-07) - up on 11 (+10, 01-25) = 1015;
    // 2: 101 - accepting (+2) - nothing else (the up-vote on 10 is before T) = 99;
    // 3: 30 - down on 12 (-2, 01-08) - up on question 13 (+10, 01-26) = 22.
    CHECK(by_id(c.members, "reputation") ==
          std::map<std::string, std::string>{{"1", "1015"}, {"2", "99"}, {"3", "22"}});
    // Scores: 11 had 3, one up-vote after T -> 2; 12 had -1, one down after -> 0.
    CHECK(column(c.content, "score") == std::vector<std::string>{"2", "2", "0"});
    // The accept vote is dated T itself: not before T, so not accepted yet.
    CHECK(column(c.content, "accepted") == std::vector<std::string>{"0", "0", "0"});
    for (const import_table* t : c.tables())
        for (const auto& col : t->columns)
            if (col.type == import_column::kind::time)
                for (auto ms : col.integer) CHECK(ms < 1578355200000);  // 2020-01-07
}

TEST_CASE("stackexchange: stage history from the dated changes") {
    const fs::path d = scratch("history");
    small_dump(d);
    const imported_community c = import_stackexchange(d);
    std::map<std::string, std::vector<std::string>> h;
    const auto m = column(c.stages, "member"), s = column(c.stages, "stage"), t = column(c.stages, "timestamp");
    for (std::size_t i = 0; i < m.size(); ++i) h[m[i]].push_back(s[i] + "@" + t[i]);
    // User 1: reputation before any vote 1040 - 10 - 15 - 10 = 1005 (the
    // unexplained rest, e.g. the association bonus, counts from the start):
    // advocate from creation.
    CHECK(h["1"] == std::vector<std::string>{"advocate@2020-01-01T10:00:00.000"});
    // User 2: 101 - 10 - 2 = 89 > 1 -> interested at creation; asked on 01-05.
    CHECK(h["2"] ==
          std::vector<std::string>{"interested@2020-01-02T10:00:00.000", "new_customer@2020-01-05T12:00:00.000"});
    // User 3: 30 + 2 - 10 = 22 -> interested; answered on 01-06 -> loyal.
    CHECK(h["3"] == std::vector<std::string>{"interested@2020-01-03T10:00:00.000", "loyal@2020-01-06T09:00:00.000"});
    CHECK(h["4"] == std::vector<std::string>{"prospect@2020-02-01T10:00:00.000", "interested@2020-02-02T16:00:00.000"});
}

TEST_CASE("stackexchange: the CSV variant gives the same files") {
    const fs::path x = scratch("variant_xml"), v = scratch("variant_csv");
    small_dump(x);
    small_dump(v);
    write(v / "Users.xml", "");
    fs::remove(v / "Users.xml");
    write(v / "Users.csv",
          "Id,Reputation,CreationDate,DisplayName\n-1,1,2020-01-01T00:00:00.000,Community\n"
          "1,1040,2020-01-01T10:00:00.000,\"A, \"\"the\"\" one\"\n2,101,2020-01-02T10:00:00.000,\n"
          "3,30,2020-01-03T10:00:00.000,\n4,1,2020-02-01T10:00:00.000,\n");
    const imported_community a = import_stackexchange(x), b = import_stackexchange(v);
    for (std::size_t i = 0; i < a.tables().size(); ++i) CHECK(table_text(*a.tables()[i]) == table_text(*b.tables()[i]));
    CHECK(a.journey == b.journey);
}

TEST_CASE("stackexchange: missing tables") {
    const fs::path d = scratch("missing");
    small_dump(d);
    fs::remove(d / "Votes.xml");
    fs::remove(d / "Badges.xml");
    const imported_community c = import_stackexchange(d);
    REQUIRE(c.warnings.size() == 2);
    CHECK(c.warnings[0].find("no Votes table") != std::string::npos);
    CHECK(c.warnings[1].find("no Badges table") != std::string::npos);
    // Without votes the reputation rewinds by the scores at the posts' times.
    import_options o;
    o.as_of = *parse_timestamp("2020-01-06T00:00:00Z");
    const imported_community early = import_stackexchange(d, o);
    // 3: 30 - (answer 12 scored -1: -2 on 01-06; question 13 scored 1: +10 on
    // 01-20) = 22.
    CHECK(by_id(early.members, "reputation")["3"] == "22");
    fs::remove(d / "Posts.xml");
    const input_error e = import_error(d);
    CHECK(std::string(e.what()).find("missing required table Posts") != std::string::npos);
    CHECK(import_error(d / "nowhere").detail().find("not a folder") != std::string::npos);
}

TEST_CASE("stackexchange: bad cells name the file, line and column") {
    const fs::path d = scratch("bad_cells");
    small_dump(d);
    write(d / "Comments.xml",
          xml("comments", {R"(Id="1" PostId="10" UserId="x3" CreationDate="2020-01-05T14:00:00.000")"}));
    const input_error e = import_error(d);
    CHECK(e.line() == 3);
    CHECK(e.column() == 35);
    CHECK(e.detail() == "UserId: expected an integer, got \"x3\"");
    write(d / "Comments.xml", xml("comments", {R"(Id="1" PostId="10" CreationDate="yesterday")"}));
    CHECK(import_error(d).detail().find("CreationDate: expected an ISO-8601 date") != std::string::npos);
}

TEST_CASE("stage mappings") {
    const journey j;
    CHECK(test_support::error_of([&] {
              (void)parse_stage_mapping("reputation:1,2,3", j);
          }).find("expected 5 thresholds") != std::string::npos);
    CHECK(test_support::error_of([&] {
              (void)parse_stage_mapping("reputation:1,2,30,15,100", j);
          }).find("must not decrease") != std::string::npos);
    CHECK(test_support::error_of([&] { (void)parse_stage_mapping("karma", j); }).find("expected participation") !=
          std::string::npos);
    CHECK(test_support::error_of([&] {
              (void)parse_stage_mapping("participation", journey::preset("success"));
          }).find("needs a journey of 5 stages") != std::string::npos);
    const auto rep = parse_stage_mapping("reputation:1,2,15,125,1000", j);
    std::vector<detail::member_state> none;
    const detail::stage_mapper by_rep(rep, 5, none);
    CHECK(by_rep({1, 0, 0, 0}) == 0);
    CHECK(by_rep({14, 0, 0, 0}) == 1);
    CHECK(by_rep({15, 0, 0, 0}) == 2);
    CHECK(by_rep({999, 0, 0, 0}) == 3);
    CHECK(by_rep({5000, 0, 0, 0}) == 4);
    // Quantiles: 8 active members with 1..8 contributions, 4 groups of 2.
    std::vector<detail::member_state> states;
    for (std::uint32_t k = 0; k <= 8; ++k) states.push_back({1, k, 0, 0});
    const detail::stage_mapper q(parse_stage_mapping("activity", j), 5, states);
    std::vector<int> got;
    for (const auto& s : states) got.push_back(q(s));
    CHECK(got == std::vector<int>{0, 1, 1, 2, 2, 3, 3, 4, 4});
    const detail::stage_mapper counts(parse_stage_mapping("activity:0,1,5,20,100", j), 5, states);
    CHECK(counts({1, 4, 0, 0}) == 1);
    CHECK(counts({1, 3, 2, 0}) == 2);
}

TEST_CASE("threads: parents, thread ids, files and columns alike") {
    const fs::path d = scratch("threads");
    write(d / "posts.csv",
          "post_id,author,parent_id,thread_id,created,tags,score\n"
          "p1,ann,,t1,2021-03-01T10:00:00Z,help;linux,3\n"
          "p2,bob,,t1,2021-03-01T11:00:00Z,,1\n"      // replies to the thread's first post
          "p3,ann,p2,t1,2021-03-01T12:00:00Z,,\n"     // explicit parent
          "p4,cyd,p4,,2021-03-02T09:00:00Z,audio,\n"  // a self-link starts a thread
          "p5,,p4,,2021-03-02T10:00:00Z,,\n"          // unknown author
          "p6,bob,p9,,2021-03-03T10:00:00Z,,\n");     // parent not in the file
    const imported_community f = import_threads(d / "posts.csv", std::nullopt);
    CHECK(table_text(f.interactions) ==
          "source,target,weight,timestamp,kind,content\n"
          "bob,ann,1,2021-03-01T11:00:00.000,reply,p1\n"
          "ann,bob,1,2021-03-01T12:00:00.000,reply,p2\n");
    CHECK(column(f.content, "kind") ==
          std::vector<std::string>{"thread", "reply", "reply", "thread", "reply", "thread"});
    CHECK(column(f.content, "tags")[2] == "help;linux");  // from the thread's first post
    REQUIRE(f.warnings.size() == 1);
    CHECK(f.warnings[0].find("1 post reply to a post that is not in the posts") != std::string::npos);
    CHECK(column(f.members, "id") == std::vector<std::string>{"ann", "bob", "cyd"});

    thread_columns c;
    c.post_id = {"p1", "p2", "p3", "p4", "p5", "p6"};
    c.author = {"ann", "bob", "ann", "cyd", "", "bob"};
    c.parent_id = std::vector<std::string>{"", "", "p2", "p4", "p4", "p9"};
    c.thread_id = std::vector<std::string>{"t1", "t1", "t1", "", "", ""};
    c.created = std::vector<double>{*parse_timestamp("2021-03-01T10:00:00Z"), *parse_timestamp("2021-03-01T11:00:00Z"),
                                    *parse_timestamp("2021-03-01T12:00:00Z"), *parse_timestamp("2021-03-02T09:00:00Z"),
                                    *parse_timestamp("2021-03-02T10:00:00Z"), *parse_timestamp("2021-03-03T10:00:00Z")};
    c.tags = std::vector<std::string>{"help;linux", "", "", "audio", "", ""};
    c.score = std::vector<std::string>{"3", "1", "", "", "", ""};
    const imported_community m = import_threads(c, nullptr);
    for (std::size_t i = 0; i < f.tables().size(); ++i) CHECK(table_text(*f.tables()[i]) == table_text(*m.tables()[i]));

    // Errors: a loop, a duplicate id, a bad time.
    write(d / "loop.csv", "post_id,author,parent_id,created\na,x,b,1\nb,y,a,2\n");
    CHECK(test_support::error_of([&] { (void)import_threads(d / "loop.csv", std::nullopt); }).find("loop back") !=
          std::string::npos);
    write(d / "dup.csv", "post_id,author,parent_id,created\na,x,,1\na,y,,2\n");
    CHECK(test_support::error_of([&] { (void)import_threads(d / "dup.csv", std::nullopt); }) ==
          (d / "dup.csv").string() + ":3:1: post_id: duplicate post id \"a\" (first on line 2)");
    write(d / "time.csv", "post_id,author,parent_id,created\na,x,,soon\n");
    CHECK(test_support::error_of([&] { (void)import_threads(d / "time.csv", std::nullopt); }) ==
          (d / "time.csv").string() +
              ":2:6: created: expected unix seconds or ISO-8601 (e.g. 2026-03-14T09:30:00Z) in years 0001-9999, got "
              "\"soon\"");
    c.created = std::vector<std::string>{"1", "2", "x", "4", "5", "6"};
    CHECK(test_support::error_of([&] { (void)import_threads(c, nullptr); }) ==
          "posts row 2: created: expected unix seconds or ISO-8601 (e.g. 2026-03-14T09:30:00Z) in years 0001-9999, got "
          "\"x\"");
    write(d / "nocol.csv", "post_id,author,created\na,x,1\n");
    CHECK(test_support::error_of([&] {
              (void)import_threads(d / "nocol.csv", std::nullopt);
          }).find("missing column 'parent_id' or 'thread_id'") != std::string::npos);
}

TEST_CASE("threads: members with creation times and the as-of cut") {
    thread_columns c;
    c.post_id = {"1", "2", "3"};
    c.author = {"10", "20", "10"};
    c.parent_id = std::vector<std::string>{"", "1", "2"};
    c.created = std::vector<double>{100, 200, 300};
    thread_member_columns m;
    m.id = {"10", "20", "30", "40"};
    m.created = std::vector<double>{50, 150, 60, 400};
    import_options o;
    o.as_of = 250;
    const imported_community r = import_threads(c, &m, o);
    // 40 joined at 400, after the cut; 30 never posted but existed.
    CHECK(column(r.members, "id") == std::vector<std::string>{"10", "20", "30"});
    CHECK(column(r.content, "id") == std::vector<std::string>{"1", "2"});
    CHECK(table_text(r.events).find("30,joined,1970-01-01T00:01:00.000,\n") != std::string::npos);
    CHECK(column(r.members, "activity") == std::vector<std::string>{"1", "1", "0"});
}
