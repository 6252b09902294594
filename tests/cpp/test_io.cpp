#include <doctest/doctest.h>
#include "test_helpers.hpp"

#include <engage_right/detail/csv.hpp>
#include <engage_right/engage_right.hpp>

#include <fmt/format.h>

#include <cmath>
#include <string>

using namespace engage_right;

namespace {

struct caught {
    std::size_t line = 0, column = 0;
    std::string message;
};

caught members_error(const std::string& text) {
    try {
        (void)parse_members(text, journey{}, "m.csv");
    } catch (const input_error& e) {
        return {e.line(), e.column(), e.what()};
    }
    FAIL("no input_error for: " << text);
    return {};
}

caught interactions_error(const std::string& members, const std::string& text) {
    const member_table m = parse_members(members, journey{}, "m.csv");
    try {
        (void)parse_interactions(text, m, "i.csv");
    } catch (const input_error& e) {
        return {e.line(), e.column(), e.what()};
    }
    FAIL("no input_error for: " << text);
    return {};
}

const std::string good_header = "id,stage,satisfaction,capacity,opted_out,activity,tags,f_0,f_1\n";
const std::string good_rows =
    "a,prospect,9,2,0,1.5,x;y,1,0\n"
    "b,interested,,,,,,0,1\n"
    "c,Loyal,3,0,true,0,y,0.5,0.5\n";

}  // namespace

TEST_CASE("members.csv: all columns") {
    const member_table t = parse_members(good_header + good_rows, journey{}, "m.csv");
    REQUIRE(t.size() == 3);
    CHECK(t.id == std::vector<std::string>{"a", "b", "c"});
    CHECK(t.stage == std::vector<stage_index>{0, 1, 3});
    CHECK(t.satisfaction == std::vector<std::int8_t>{9, -1, 3});
    CHECK(t.capacity == std::vector<std::int32_t>{2, -1, 0});
    CHECK(t.opted_out == std::vector<std::uint8_t>{0, 0, 1});
    CHECK(t.activity[0] == 1.5);
    CHECK(std::isnan(t.activity[1]));
    CHECK(t.tag_names == std::vector<std::string>{"x", "y"});
    CHECK(t.tag_offsets == std::vector<std::uint32_t>{0, 2, 2, 3});
    CHECK(t.features.dims == 2);
    CHECK(t.features.data[4] == 0.5f);
}

TEST_CASE("members.csv: BOM, CRLF, quotes, extra columns, any column order") {
    const std::string text =
        "\xEF\xBB\xBF"
        "note,stage,\"id\"\r\n"
        "\"has, comma\",prospect,\"x \"\"quoted\"\"\"\r\n"
        "\"two\nlines\",interested,y\r\n";
    const member_table t = parse_members(text, journey{}, "m.csv");
    REQUIRE(t.size() == 2);
    CHECK(t.id[0] == "x \"quoted\"");
    CHECK(t.id[1] == "y");
    CHECK(t.features.dims == 0);
}

TEST_CASE("members.csv: header only is an empty community") {
    const member_table t = parse_members("id,stage\n", journey{}, "m.csv");
    CHECK(t.size() == 0);
    const community c(journey{}, parse_members("id,stage", journey{}, "m.csv"));
    CHECK(c.size() == 0);
    CHECK(recommend_all(c).empty());
}

TEST_CASE("members.csv: every bad input names line and column") {
    SUBCASE("empty file") {
        auto e = members_error("");
        CHECK(e.line == 1);
        CHECK(e.message.find("m.csv:1") == 0);
        CHECK(members_error("\xEF\xBB\xBF\n\n").line == 1);
    }
    SUBCASE("missing required column") {
        CHECK(members_error("id,satisfaction\na,1\n").message.find("'stage'") != std::string::npos);
        CHECK(members_error("stage\nprospect\n").line == 1);
    }
    SUBCASE("empty id") {
        auto e = members_error("id,stage\na,prospect\n,prospect\n");
        CHECK(e.line == 3);
        CHECK(e.column == 1);
    }
    SUBCASE("duplicate id") {
        auto e = members_error("id,stage\na,prospect\nb,loyal\na,loyal\n");
        CHECK(e.line == 4);
        CHECK(e.message.find("line 2") != std::string::npos);
    }
    SUBCASE("unknown stage") {
        auto e = members_error("id,stage\na,prospect\nb,customer\n");
        CHECK(e.line == 3);
        CHECK(e.column == 3);
        CHECK(e.message.find("customer") != std::string::npos);
    }
    SUBCASE("satisfaction") {
        for (const char* bad : {"11", "-1", "7.5", "abc"}) {
            auto e = members_error(std::string("id,stage,satisfaction\na,prospect,1\nb,prospect,") + bad + "\n");
            CHECK(e.line == 3);
            CHECK(e.column == 12);
        }
    }
    SUBCASE("capacity") {
        for (const char* bad : {"-1", "2.5", "x"})
            CHECK(members_error(std::string("id,stage,capacity\na,prospect,") + bad + "\n").line == 2);
    }
    SUBCASE("boolean") {
        auto e = members_error("id,stage,opted_out\na,prospect,1\nb,prospect,maybe\n");
        CHECK(e.line == 3);
    }
    SUBCASE("feature") {
        for (const char* bad : {"abc", "nan", "inf", "", "1e999"}) {
            auto e = members_error(std::string("id,stage,f_0,f_1\na,prospect,1,2\nb,prospect,3,") + bad + "\n");
            CHECK(e.line == 3);
            CHECK(e.column == 14);
        }
    }
    SUBCASE("feature columns with a gap") { CHECK(members_error("id,stage,f_0,f_2\n").line == 1); }
    SUBCASE("wrong number of fields") {
        CHECK(members_error("id,stage\na,prospect\nb,prospect,extra\n").line == 3);
        CHECK(members_error("id,stage,tags\na,prospect\n").line == 2);
    }
    SUBCASE("unterminated quote") {
        auto e = members_error("id,stage\na,prospect\n\"b,prospect\nc,loyal\n");
        CHECK(e.line == 3);
        CHECK(e.column == 1);
    }
    SUBCASE("activity") { CHECK(members_error("id,stage,activity\na,prospect,-2\n").line == 2); }
}

TEST_CASE("interactions.csv") {
    const std::string members = "id,stage\na,prospect\nb,interested\nc,loyal\n";
    const member_table m = parse_members(members, journey{}, "m.csv");
    const interaction_table t = parse_interactions(
        "source,target,weight,timestamp\na,b,2,1700000000\nb,a,,2026-03-14T09:30:00Z\nc,c,1,\n", m, "i.csv");
    REQUIRE(t.size() == 3);
    CHECK(t.weight == std::vector<double>{2, 1, 1});
    CHECK(t.timestamp[0] == 1700000000.0);
    CHECK(t.timestamp[1] == 1773480600.0);
    CHECK(std::isnan(t.timestamp[2]));
    const community c(journey{}, m, t);
    CHECK(c.edge_count() == 1);
    CHECK(c.interaction_weight(c.index_of("a"), c.index_of("b")) == 3.0);
    CHECK(c.self_loops_dropped() == 1);
    CHECK(c.duplicate_interactions_merged() == 1);

    CHECK(interactions_error(members, "source\na\n").message.find("'target'") != std::string::npos);
    auto e = interactions_error(members, "source,target\na,b\na,zz\n");
    CHECK(e.line == 3);
    CHECK(e.column == 3);
    for (const char* w : {"0", "-1", "abc", "nan"})
        CHECK(interactions_error(members, std::string("source,target,weight\na,b,1\nb,c,") + w + "\n").line == 3);
    for (const char* ts : {"2026-13-45", "yesterday", "2026-02-30", "2026-01-01T25:00"})
        CHECK(interactions_error(members, std::string("source,target,timestamp\na,b,") + ts + "\n").line == 2);
    CHECK(interactions_error(members, "").line == 1);
}

TEST_CASE("timestamps") {
    CHECK(parse_timestamp("0") == 0.0);
    CHECK(parse_timestamp("1970-01-02") == 86400.0);
    CHECK(parse_timestamp("2000-02-29T00:00:00Z") == 951782400.0);
    CHECK(parse_timestamp("2018-03-12T17:14:46.030") == doctest::Approx(1520874886.03));
    CHECK(parse_timestamp("2026-03-14T10:30:00+01:00") == 1773480600.0);
    CHECK_FALSE(parse_timestamp("2001-02-29").has_value());
    CHECK_FALSE(parse_timestamp("").has_value());
    CHECK_FALSE(parse_timestamp("12:00").has_value());
}

namespace {

// The text cells of a small CSV (header + rows), by column name.
member_columns columns_of(const std::vector<std::vector<std::string>>& rows) {
    // cells[k]: column k of the header (id, stage, satisfaction, capacity,
    // opted_out, activity, tags), one cell per data row.
    std::vector<std::vector<std::string>> cells(7);
    for (std::size_t i = 1; i < rows.size(); ++i)
        for (std::size_t k = 0; k < cells.size(); ++k) cells[k].push_back(rows[i][k]);
    return member_columns{.id = cells[0],
                          .stage = cells[1],
                          .satisfaction = cells[2],
                          .capacity = cells[3],
                          .opted_out = cells[4],
                          .activity = cells[5],
                          .tags = cells[6],
                          .created = {},
                          .features = {},
                          .extra = {}};
}

std::string csv_of(const std::vector<std::vector<std::string>>& rows) {
    std::string out;
    for (const auto& r : rows) {
        for (std::size_t k = 0; k < r.size(); ++k) out += (k ? "," : "") + csv_quote(r[k]);
        out += "\n";
    }
    return out;
}

}  // namespace

TEST_CASE("columns and members.csv go through the same rules") {
    const std::vector<std::vector<std::string>> good = {
        {"id", "stage", "satisfaction", "capacity", "opted_out", "activity", "tags"},
        {"a", "prospect", "9", "", "0", "1.5", "Kubernetes; security"},
        {"b", " Interested ", "", "2", "true", "", "security;;kubernetes"},
        {"c", "loyal", "0", "0", "FALSE", "0", ""}};
    const journey j;
    const member_table from_csv = parse_members(csv_of(good), j, "m.csv");
    const member_table from_cols = build_members(columns_of(good), j);
    CHECK(from_cols.id == from_csv.id);
    CHECK(from_cols.stage == from_csv.stage);
    CHECK(from_cols.satisfaction == from_csv.satisfaction);
    CHECK(from_cols.capacity == from_csv.capacity);
    CHECK(from_cols.opted_out == from_csv.opted_out);
    CHECK(from_cols.tag_names == from_csv.tag_names);
    CHECK(from_cols.tag_ids == from_csv.tag_ids);
    CHECK(from_cols.tag_offsets == from_csv.tag_offsets);
    REQUIRE(from_cols.activity.size() == 3);
    CHECK(from_cols.activity[0] == 1.5);
    CHECK(std::isnan(from_cols.activity[1]));

    // Numbers (NaN = empty) follow the same rules as text cells.
    member_columns numbers = columns_of(good);
    numbers.satisfaction = std::vector<double>{9, std::nan(""), 0};
    numbers.capacity = std::vector<double>{std::nan(""), 2, 0};
    numbers.opted_out = std::vector<double>{0, 1, 0};
    numbers.activity = std::vector<double>{1.5, std::nan(""), 0};
    const member_table from_numbers = build_members(numbers, j);
    CHECK(from_numbers.satisfaction == from_csv.satisfaction);
    CHECK(from_numbers.capacity == from_csv.capacity);
    CHECK(from_numbers.opted_out == from_csv.opted_out);

    // Every bad cell: the CSV names line and column, the columns name the row;
    // both say the same thing about the value.
    struct bad_case {
        std::size_t column;
        std::string value, says;
    };
    const bad_case cases[] = {{0, "", "empty id"},
                              {1, "gold", "unknown stage"},
                              {2, "11", "satisfaction: expected an integer 0-10"},
                              {2, "7.5", "satisfaction: expected an integer 0-10"},
                              {3, "-1", "capacity: expected an integer >= 0"},
                              {4, "maybe", "opted_out: expected 1, 0, true, false"},
                              {5, "-0.5", "activity: expected a finite number >= 0"},
                              {0, "a", "duplicate id"}};
    for (const auto& c : cases) {
        auto rows = good;
        rows[2][c.column] = c.value;
        const caught from_file = members_error(csv_of(rows));
        CHECK(from_file.line == 3);
        CHECK(from_file.message.find(c.says) != std::string::npos);
        std::string from_frame;
        try {
            (void)build_members(columns_of(rows), j);
        } catch (const config_error& e) {
            from_frame = e.what();
        }
        CHECK_MESSAGE(from_frame.rfind("members row 1: " + c.says, 0) == 0, from_frame);
    }
    numbers.satisfaction = std::vector<double>{9, 12, 0};
    CHECK_THROWS_WITH_AS(build_members(numbers, j), doctest::Contains("members row 1: satisfaction"), config_error);
}

TEST_CASE("interaction columns: ids, weights and the row of the first problem") {
    const journey j;
    const member_table m = parse_members("id,stage\na,prospect\nb,interested\n", j, "m.csv");
    interaction_columns c;
    c.source = {"a", "b"};
    c.target = {"b", "a"};
    c.weight = std::vector<std::string>{"", "2.5"};
    const interaction_table t = build_interactions(c, m);
    CHECK(t.weight == std::vector<double>{1.0, 2.5});
    CHECK(t.source == std::vector<std::uint32_t>{0, 1});
    c.weight = std::vector<double>{1, 0};
    CHECK_THROWS_WITH_AS(build_interactions(c, m), doctest::Contains("interactions row 1: weight"), config_error);
    c.weight = std::monostate{};
    c.target = {"b", "zz"};
    CHECK_THROWS_WITH_AS(build_interactions(c, m), doctest::Contains("interactions row 1: target: unknown member id"),
                         config_error);
    c.target = {"", "a"};
    CHECK_THROWS_WITH_AS(build_interactions(c, m),
                         doctest::Contains("interactions row 0: target: expected a member id"), config_error);
}

TEST_CASE("times outside years 0001-9999 are input errors everywhere") {
    // The limits, from the calendar: 0001-01-01 is 719162 days before 1970.
    CHECK(min_timestamp == -719162.0 * 86400.0);
    CHECK(max_timestamp == doctest::Approx(2932896.0 * 86400.0 - 0.001));
    CHECK(parse_timestamp("0001-01-01T00:00:00Z") == min_timestamp);
    CHECK(parse_timestamp("9999-12-31T23:59:59Z") == max_timestamp - 0.999);
    for (const char* bad :
         {"0000-12-31", "253402300800", "-62135596801", "1e18", "-1e300", "0001-01-01T00:00:00+01:00"})
        CHECK_MESSAGE(!parse_timestamp(bad).has_value(), bad);
    CHECK(time_problem(0.0).empty());
    CHECK(time_problem(1e18).find("expected a time in years 0001-9999") != std::string::npos);
    CHECK_FALSE(time_problem(std::nan("")).empty());

    CHECK(format_timestamp(min_timestamp) == "0001-01-01T00:00:00Z");
    CHECK(format_timestamp(max_timestamp) == "9999-12-31T23:59:59.999Z");
    CHECK(format_timestamp(std::nan("")).empty());
    CHECK_THROWS_AS((void)format_timestamp(1e18), config_error);
    CHECK_THROWS_AS((void)format_timestamp(-1e300), config_error);

    // Files: the field of the time, with the reader's message.
    const auto e = interactions_error("id,stage\na,prospect\nb,interested\n",
                                      "source,target,timestamp\na,b,1\nb,a,100000000000000\n");
    CHECK(e.line == 3);
    CHECK(e.column == 5);
    CHECK(e.message.find("in years 0001-9999") != std::string::npos);

    // Columns: the row.
    const journey j;
    const member_table m = parse_members("id,stage\na,prospect\nb,interested\n", j, "m.csv");
    interaction_columns c;
    c.source = {"a", "b"};
    c.target = {"b", "a"};
    c.timestamp = {std::nan(""), 1e300};
    CHECK_THROWS_WITH_AS(build_interactions(c, m),
                         doctest::Contains("interactions row 1: timestamp: expected a time in years 0001-9999"),
                         config_error);
    c.timestamp = {std::nan(""), 1.7e9};
    CHECK(build_interactions(c, m).timestamp[1] == 1.7e9);
}

TEST_CASE("names that reach the output are UTF-8 without control characters") {
    using detail::text_problem;
    for (const char* ok : {"", "ada", "caf\xC3\xA9", "\xE6\x97\xA5\xE6\x9C\xAC", "\xF0\x9F\x98\x80", "a b\xC2\xA0"})
        CHECK_MESSAGE(text_problem(ok).empty(), ok);
    const std::pair<std::string, std::size_t> bad[] = {
        {"ab\xC3", 2},                // truncated sequence
        {"\xC0\xAF", 0},              // overlong '/'
        {"x\xED\xA0\x80", 1},         // UTF-16 surrogate
        {"\xF4\x90\x80\x80", 0},      // beyond U+10FFFF
        {"\xE2\x28\xA1", 1},          // bad continuation byte (reported where it is)
        {std::string("a\0b", 3), 1},  // NUL
        {"tab\there", 3},             // control character
        {"del\x7F", 3},
    };
    for (const auto& [text, at] : bad) {
        const std::string p = text_problem(text);
        CHECK_MESSAGE(p.find(fmt::format("at byte {}", at)) != std::string::npos, p);
    }
    const auto e = members_error("id,stage\nok,prospect\n\"x\xFF\",prospect\n");
    CHECK(e.line == 3);
    CHECK(e.column == 1);
    CHECK(e.message.find("id: expected UTF-8 text without control characters, got byte 0xFF at byte 1") !=
          std::string::npos);
    const auto t = members_error("id,stage,tags\nok,prospect,\"a;b\x01\"\n");
    CHECK(t.line == 2);
    CHECK(t.message.find("tags: expected UTF-8 text") != std::string::npos);
    member_columns c;
    c.id = {"a", "b\xC3"};
    c.stage = std::vector<std::string>{"prospect", "prospect"};
    CHECK_THROWS_WITH_AS((void)build_members(c, journey{}), doctest::Contains("members row 1: id: expected UTF-8"),
                         config_error);
}

TEST_CASE("a line of a million separators is counted, not stored") {
    const std::string text = "id,stage\n" + std::string(1000000, ',') + "\n";
    detail::csv_reader r(text, "m.csv");
    std::vector<detail::csv_field> fields;
    REQUIRE(r.next(fields));
    REQUIRE(r.next(fields, 3));
    CHECK(fields.size() == 3);
    CHECK(r.field_count() == 1000001);
    CHECK(fields[2].column == 3);
    CHECK(test_support::error_of([&] { (void)parse_members(text, journey{}, "m.csv"); }) ==
          "m.csv:2:3: expected 2 fields as in the header, got 1000001");
    const std::string wide = "id,stage" + std::string(1100000, ',') + "\n";
    CHECK(test_support::error_of([&] { (void)parse_members(wide, journey{}, "m.csv"); }) ==
          "m.csv:1: the header has 1100002 columns; at most 1048576 are supported");
    // Quoted fields past the kept ones are read, not kept.
    detail::csv_reader q("a,\"b\",\"c,d\",\"e\"\"f\"\n", "q.csv");
    REQUIRE(q.next(fields, 1));
    CHECK(fields.size() == 1);
    CHECK(q.field_count() == 4);
}
