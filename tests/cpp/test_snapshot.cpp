#include "random_community.hpp"
#include "same_community.hpp"
#include "test_helpers.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <unistd.h>
#define XXH_INLINE_ALL
#include <xxhash.h>
#include <engage_right/detail/id_index.hpp>
#include <engage_right/detail/siphash.hpp>
#include <engage_right/engage_right.hpp>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>

using namespace engage_right;
using test_support::error_of;

namespace {

std::string csv_of(const community& c, const std::vector<recommendation>& recs) {
    std::string s;
    for (const auto& r : recs) s += fmt::format("{},{},{:.17g},{}\n", c.id(r.member), c.id(r.peer), r.score, r.reason);
    return s;
}

community with_times(std::uint64_t seed) {
    auto rc = test_support::make_random_case(seed);
    member_table m = rc.community.to_member_table();
    interaction_table t = rc.community.interaction_rows();
    std::mt19937_64 rng(seed);
    for (std::size_t k = 0; k < t.size(); ++k)
        t.timestamp.push_back(k % 5 == 0 ? std::nan("") : 1.6e9 + std::uniform_real_distribution<double>(0, 1e7)(rng));
    return community(rc.community.journey(), std::move(m), std::move(t));
}

// A well-formed snapshot whose payload was edited, with the checksum fixed.
std::string reseal(std::string bytes) {
    const std::string_view payload = std::string_view(bytes).substr(32);
    const std::uint64_t sum = XXH3_64bits(payload.data(), payload.size());
    std::memcpy(bytes.data() + 24, &sum, 8);
    return bytes;
}

}  // namespace

TEST_CASE("SipHash-2-4 gives the test vectors of the SipHash paper") {
    // Aumasson and Bernstein (2012), appendix A: key 00..0f; the reference
    // implementation's vectors.h lists the empty message as vector 0.
    const detail::sip_key key{0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL};
    std::string msg;
    for (int i = 0; i < 15; ++i) msg.push_back(static_cast<char>(i));
    CHECK(detail::siphash<2, 4>(msg, key) == 0xa129ca6149be45e5ULL);
    CHECK(detail::siphash<2, 4>("", key) == 0x726fdb47dd0e0e31ULL);
}

TEST_CASE("the id index resists ids crafted to collide under a known key") {
    // 1500 ids whose hashes under key K all land in one slot of a 4096-slot
    // table: an attacker who knew K would make every lookup walk them all.
    const detail::sip_key known{1, 2};
    std::vector<std::string> crafted;
    for (std::uint64_t k = 0; crafted.size() < 1500; ++k) {
        std::string id = "u" + std::to_string(k);
        if ((detail::hash_id(id, known) & 4095) == 7) crafted.push_back(std::move(id));
    }
    detail::id_index under_known;
    REQUIRE_FALSE(under_known.build(crafted, known).has_value());
    CHECK(under_known.longest_run() >= 1500);
    detail::id_index fresh;  // a random key, as every community uses
    REQUIRE_FALSE(fresh.build(crafted).has_value());
    CHECK(fresh.longest_run() < 40);
    for (std::size_t i = 0; i < crafted.size(); ++i) CHECK(fresh.find(crafted[i]) == std::optional<std::uint32_t>(i));
    CHECK_FALSE(fresh.find("not there").has_value());
    detail::id_index other;
    (void)other.build(crafted);
    CHECK(other.hash("u0") != fresh.hash("u0"));  // 2^-64 to fail by chance
}

TEST_CASE("a snapshot round trip rebuilds the same community, byte for byte") {
    for (std::uint64_t seed = 1; seed <= 120; ++seed) {
        CAPTURE(seed);
        const community c = with_times(seed);
        const std::string bytes = snapshot_bytes(c);
        const community back = community_from_snapshot(bytes, "s.snap");
        test_support::require_same(c, back);
        CHECK(snapshot_bytes(back) == bytes);
        auto rc = test_support::make_random_case(seed);
        rc.options.blocked.clear();
        CHECK(csv_of(c, recommend_all(c, rc.options)) == csv_of(back, recommend_all(back, rc.options)));
    }
}

TEST_CASE("a snapshot keeps the journey, tags, features and the rows' counts") {
    const std::string members =
        "id,stage,satisfaction,capacity,opted_out,activity,tags,f_0,f_1\n"
        "p1,prospect,3,,0,1.5,go;rust,0.25,-1\n"
        "i1,interested,,2,1,,rust,1e-3,2\n"
        "i2,interested,9,0,0,7,,0,0\n";
    journey j = journey::preset("engage_right");
    j.set_min_peer_satisfaction(5);
    member_table m = parse_members(members, j, "m.csv");
    interaction_table t = parse_interactions(
        "source,target,weight,timestamp\np1,i1,2,2020-01-01\ni1,p1,0.5,\np1,p1,1,2021-01-01\n", m, "i.csv");
    const community c(j, std::move(m), std::move(t));
    const community back = community_from_snapshot(snapshot_bytes(c));
    test_support::require_same(c, back);
    CHECK(back.journey().min_peer_satisfaction() == 5);
    CHECK(back.self_loops_dropped() == 1);
    CHECK(back.duplicate_interactions_merged() == 1);
    CHECK(back.interaction_weight(back.index_of("p1"), back.index_of("i1")) == 2.5);
    CHECK(back.action_times(back.index_of("p1")).size() == 1);
}

TEST_CASE("damaged snapshots are input errors, never a crash or a partial community") {
    const std::string good = snapshot_bytes(with_times(7));
    SUBCASE("every truncation") {
        for (std::size_t len = 0; len < good.size(); ++len) {
            CAPTURE(len);
            const std::string msg = error_of([&] { (void)community_from_snapshot(good.substr(0, len), "s.snap"); });
            CHECK(msg.rfind("s.snap:0: ", 0) == 0);
        }
    }
    SUBCASE("every flipped byte") {
        for (std::size_t at = 0; at < good.size(); ++at) {
            CAPTURE(at);
            std::string bad = good;
            bad[at] = static_cast<char>(bad[at] ^ 0x5a);
            CHECK_THROWS_AS((void)community_from_snapshot(bad, "s.snap"), input_error);
        }
    }
    SUBCASE("named reasons") {
        CHECK(error_of([&] { (void)community_from_snapshot("id,stage\n", "m.csv"); }) ==
              "m.csv:0: not an engage-right snapshot (the file does not start with the snapshot signature)");
        std::string v2 = good;
        v2[8] = 2;
        CHECK(error_of([&] { (void)community_from_snapshot(v2, "s.snap"); }) ==
              "s.snap:0: snapshot format version 2 is not supported (this library reads version 1)");
        std::string flipped = good;
        flipped.back() = static_cast<char>(flipped.back() ^ 1);
        CHECK(error_of([&] { (void)community_from_snapshot(flipped, "s.snap"); }) ==
              "s.snap:0: corrupted snapshot: checksum mismatch");
        CHECK(error_of([&] { (void)community_from_snapshot(good + "x", "s.snap"); }).find("the header announces") !=
              std::string::npos);
    }
}

TEST_CASE("a sealed snapshot with bad contents meets the input rules") {
    const std::string members = "id,stage,satisfaction\nab,prospect,3\ncd,interested,\n";
    const journey j;
    member_table m = parse_members(members, j, "m.csv");
    interaction_table t = parse_interactions("source,target,timestamp\nab,cd,2020-01-01\n", m, "i.csv");
    const std::string good = snapshot_bytes(community(j, std::move(m), std::move(t)));
    const std::size_t json_len = [&] {
        std::uint32_t len;
        std::memcpy(&len, good.data() + 32, 4);
        return std::size_t{len};
    }();
    const std::size_t ids_at = 32 + 4 + json_len + 8;  // the first id's length
    auto edited = [&](std::size_t at, std::string_view with) {
        std::string b = good;
        b.replace(at, with.size(), with);
        return error_of([&] { (void)community_from_snapshot(reseal(b), "s.snap"); });
    };
    CHECK(edited(ids_at + 4, "cd") == "s.snap:0: members row 1: duplicate id 'cd'");
    CHECK(edited(ids_at + 4, std::string("a\0", 2)).find("members row 0: id:") != std::string::npos);
    CHECK(edited(ids_at + 4, "\xff").find("members row 0: id:") != std::string::npos);
    const std::size_t stages_at = ids_at + 2 * (4 + 2);
    CHECK(edited(stages_at, std::string("\x09\x00", 2)).find("stage index 9 out of range") != std::string::npos);
    const std::size_t sat_at = stages_at + 4;
    CHECK(edited(sat_at, "\x0b").find("satisfaction 11 outside 0..10") != std::string::npos);
    // The timestamp of the one interaction row: the last 8 bytes.
    double far = 1e300;
    std::string far_bytes(8, '\0');
    std::memcpy(far_bytes.data(), &far, 8);
    CHECK(edited(good.size() - 8, far_bytes).find("interactions row 0: timestamp:") != std::string::npos);
}

TEST_CASE("save writes atomically and load names the file") {
    namespace fs = std::filesystem;
    const fs::path dir = fs::temp_directory_path() / fmt::format("er-snap-{}", ::getpid());
    fs::create_directories(dir);
    const community c = with_times(3);
    const fs::path p = dir / "c.snap";
    { std::ofstream(p) << "old contents"; }
    save(c, p);
    test_support::require_same(c, load(p));
    std::size_t files = 0;
    for (const auto& e : fs::directory_iterator(dir)) files += e.is_regular_file() ? 1 : 0;
    CHECK(files == 1);  // no temporary left beside it
    CHECK(error_of([&] { save(c, dir / "missing" / "c.snap"); }).find("cannot write (open failed") !=
          std::string::npos);
    CHECK(error_of([&] { save(c, dir); }).find("it is a directory") != std::string::npos);
    CHECK(error_of([&] { (void)load(dir / "absent.snap"); }).find("absent.snap") != std::string::npos);
    fs::remove_all(dir);
}
