#include "same_community.hpp"
#include "test_helpers.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <engage_right/engage_right.hpp>

#include <unistd.h>
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <thread>

using namespace engage_right;
using test_support::error_of;

namespace {

// member_fields with some fields set (designated initializers would do, but
// GCC 12 warns about the fields they leave out).
template <class Set>
member_fields with_fields(Set set) {
    member_fields f;
    set(f);
    return f;
}

// The data a live community should hold, kept the plain way: members in the
// order they were added, interaction rows in the order they were added.
struct model {
    struct member {
        std::string id, stage;
        std::optional<int> satisfaction, capacity;
        bool opted_out = false;
        std::optional<double> activity;
        std::vector<std::string> tags;
        std::vector<float> features;
    };
    struct row {
        std::string a, b;
        double weight;
        std::optional<long long> time;
    };
    std::vector<member> members;
    std::vector<row> rows;
    std::size_t dims = 0;

    member* find(const std::string& id) {
        for (auto& m : members)
            if (m.id == id) return &m;
        return nullptr;
    }
    void erase(const std::string& id) {
        std::erase_if(members, [&](const member& m) { return m.id == id; });
        std::erase_if(rows, [&](const row& r) { return r.a == id || r.b == id; });
    }
    // A community read from CSV text, the way a fresh load would see the data.
    community rebuild(const journey& j) const {
        std::string text = "id,stage,satisfaction,capacity,opted_out,activity,tags";
        for (std::size_t k = 0; k < dims; ++k) text += fmt::format(",f_{}", k);
        text += "\n";
        for (const auto& m : members) {
            std::string tags;
            for (const auto& t : m.tags) tags += (tags.empty() ? "" : ";") + t;
            text += fmt::format("{},{},{},{},{},{},{}", m.id, m.stage,
                                m.satisfaction ? std::to_string(*m.satisfaction) : "",
                                m.capacity ? std::to_string(*m.capacity) : "", m.opted_out ? 1 : 0,
                                m.activity ? fmt::format("{}", *m.activity) : "", tags);
            for (float f : m.features) text += fmt::format(",{}", f);
            text += "\n";
        }
        member_table t = parse_members(text, j, "members.csv");
        std::string inter = "source,target,weight,timestamp\n";
        for (const auto& r : rows)
            inter += fmt::format("{},{},{},{}\n", r.a, r.b, r.weight, r.time ? std::to_string(*r.time) : "");
        interaction_table it = parse_interactions(inter, t, "interactions.csv");
        return community(j, std::move(t), std::move(it));
    }
};

std::string recommendations(const community& c) {
    std::string s;
    recommend_options o;
    o.k = 3;
    for (const auto& r : recommend_all(c, o))
        s += fmt::format("{} {} {:.17g} {}\n", c.id(r.member), c.id(r.peer), r.score, r.reason);
    return s;
}

// Random updates against a live community and the model, checked after each step.
class driver {
public:
    driver(std::uint64_t seed, std::size_t dims) : rng_(seed) { m_.dims = dims; }

    int uni(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
    bool coin(double p) { return std::bernoulli_distribution(p)(rng_); }

    std::string some_member() { return m_.members[static_cast<std::size_t>(uni(0, int(m_.members.size()) - 1))].id; }

    // Random fields; `all` for a new member.
    std::pair<member_fields, model::member> fields(const model::member& base, bool all) {
        static const char* stages[] = {"prospect", "interested", "new_customer", "loyal", "advocate"};
        static const char* tags[] = {"go", "rust", "k8s", "ml", "ops", "web"};
        member_fields f;
        model::member m = base;
        if (all || coin(0.4)) {
            m.stage = stages[uni(0, 4)];
            f.stage = coin(0.2) ? std::string("  ") + m.stage : m.stage;  // trimmed like a CSV cell
        }
        if (all || coin(0.3)) {
            m.satisfaction = coin(0.2) ? std::nullopt : std::optional<int>(uni(0, 10));
            f.satisfaction = m.satisfaction ? double(*m.satisfaction) : std::nan("");
        }
        if (all || coin(0.3)) {
            m.capacity = coin(0.5) ? std::nullopt : std::optional<int>(uni(0, 3));
            f.capacity = m.capacity ? double(*m.capacity) : std::nan("");
        }
        if (coin(0.1) && (opt_in || !m.opted_out)) {
            m.opted_out = opt_in ? coin(0.5) : true;
            f.opted_out = m.opted_out;
        }
        if (all || coin(0.3)) {
            m.activity = coin(0.2) ? std::nullopt : std::optional<double>(uni(0, 40) / 4.0);
            f.activity = m.activity ? *m.activity : std::nan("");
        }
        if (all || coin(0.3)) {
            m.tags.clear();
            f.tags.emplace();
            for (const char* t : tags)
                if (coin(0.3)) {
                    m.tags.push_back(t);
                    f.tags->push_back(coin(0.2) ? fmt::format(" {} ", t) : t);
                }
            // A tag of its own, so that erasing the member must drop it.
            if (coin(0.2)) {
                m.tags.push_back("own-" + m.id);
                f.tags->push_back("own-" + m.id);
            }
        }
        if (all || coin(0.3)) {
            m.features.clear();
            for (std::size_t k = 0; k < m_.dims; ++k) m.features.push_back(static_cast<float>(uni(-4, 4)) / 2);
            f.features = m.features;
        }
        if (all && !f.features) m.features.assign(m_.dims, 0.0f);
        return {f, m};
    }

    // One random update, as (update, what the model becomes), or a bad one.
    live_update next(bool& bad) {
        bad = false;
        const int kind = m_.members.size() < 4 ? 0 : uni(0, 9);
        if (kind <= 2) {
            model::member base;
            base.id = fmt::format("m{}", fresh_++);
            auto made = fields(base, true);
            pending_ = [this, m = made.second] { m_.members.push_back(m); };
            return live_update::add(base.id, made.first);
        }
        if (kind <= 5) {
            const std::string id = some_member();
            auto made = fields(*m_.find(id), false);
            pending_ = [this, id, m = made.second] { *m_.find(id) = m; };
            return live_update::update(id, made.first);
        }
        if (kind <= 8) {
            model::row r{some_member(), some_member(), coin(0.5) ? 1.0 : uni(1, 12) / 4.0, std::nullopt};
            if (coin(0.6)) r.time = 1600000000LL + uni(0, 1000000);
            pending_ = [this, r] { m_.rows.push_back(r); };
            return live_update::interaction(r.a, r.b, r.weight, r.time ? double(*r.time) : std::nan(""));
        }
        if (coin(0.15)) {  // a bad update: nothing may change
            bad = true;
            pending_ = [] {};
            switch (uni(0, 5)) {
                case 0:
                    return live_update::update(some_member(),
                                               with_fields([&](member_fields& f) { f.satisfaction = 11.0; }));
                case 1:
                    return live_update::update(some_member(),
                                               with_fields([&](member_fields& f) { f.stage = "nowhere"; }));
                case 2:
                    return live_update::add(some_member(), with_fields([&](member_fields& f) { f.stage = "loyal"; }));
                case 3: return live_update::interaction(some_member(), "nobody");
                case 4: return live_update::interaction(some_member(), some_member(), -1.0);
                default:
                    return live_update::update(some_member(), with_fields([&](member_fields& f) {
                                                   f.features = std::vector<float>(m_.dims + 1);
                                               }));
            }
        }
        const std::string id = some_member();
        pending_ = [this, id] { m_.erase(id); };
        return live_update::erase_member(id);
    }
    void accept() { pending_(); }

    model m_;
    bool opt_in = true;  ///< false: an opted-out member stays out

private:
    std::mt19937_64 rng_;
    std::size_t fresh_ = 0;
    std::function<void()> pending_;
};

}  // namespace

TEST_CASE("live updates give exactly the community a fresh load of the same data gives") {
    const journey j;
    for (std::uint64_t seed = 1; seed <= 40; ++seed) {
        CAPTURE(seed);
        driver d(seed, seed % 3);
        live_community live(j, d.m_.dims);
        if (seed % 2 == 0) live = live_community(d.m_.rebuild(j));
        for (int step = 0; step < 60; ++step) {
            CAPTURE(step);
            // Single updates, and batches of up to five; a bad update in a
            // batch leaves every update of the batch undone.
            const int size = d.coin(0.7) ? 1 : d.uni(2, 5);
            std::vector<live_update> batch;
            std::vector<std::function<void()>> effects;
            bool any_bad = false;
            model before = d.m_;
            for (int k = 0; k < size; ++k) {
                bool bad = false;
                batch.push_back(d.next(bad));
                any_bad = any_bad || bad;
                d.accept();  // the model follows the batch as it goes
            }
            const auto version = live.version();
            if (any_bad) {
                CHECK_THROWS_AS(live.apply(batch), error);
                d.m_ = before;
                CHECK(live.version() == version);
            } else {
                live.apply(batch);
                CHECK(live.version() == version + 1);
            }
            const auto now = live.current();
            const community fresh = d.m_.rebuild(j);
            test_support::require_same(*now, fresh);
            if (step % 10 == 9) CHECK(recommendations(*now) == recommendations(fresh));
        }
    }
}

TEST_CASE("an update is checked by the members rules and names what is wrong") {
    live_community live =
        live_community(community(journey{}, parse_members("id,stage\nada,prospect\nbob,loyal\n", journey{}, "m.csv")));
    CHECK(error_of([&] { live.update_member("ada", with_fields([&](member_fields& f) { f.satisfaction = 11.0; })); }) ==
          "update_member 'ada': satisfaction: expected an integer 0-10 or empty, got 11");
    MESSAGE(error_of([&] { live.update_member("ada", with_fields([&](member_fields& f) { f.stage = "nowhere"; })); }));
    CHECK(error_of([&] { live.add_member("bob", with_fields([&](member_fields& f) { f.stage = "loyal"; })); }) ==
          "add_member 'bob': the id is taken");
    CHECK(error_of([&] {
              live.add_member("c\x01", with_fields([&](member_fields& f) { f.stage = "loyal"; }));
          }).starts_with("add_member 'c\x01': id: "));
    CHECK(error_of([&] { live.add_member("cy", {}); }) == "add_member 'cy': a new member needs a stage");
    CHECK(error_of([&] { live.update_member("zed", {}); }) == "unknown member id 'zed'");
    CHECK(
        error_of([&] { live.add_interaction("ada", "bob", 0.0); }).starts_with("add_interaction 'ada' 'bob': weight"));
    CHECK(error_of([&] {
              live.add_interaction("ada", "bob", 1.0, 1e300);
          }).starts_with("add_interaction 'ada' 'bob': timestamp"));
    CHECK(error_of([&] {
              live.apply({live_update::add("cy", with_fields([&](member_fields& f) { f.stage = "loyal"; })),
                          live_update::erase_member("nobody")});
          }) == "update 1: unknown member id 'nobody'");
    CHECK_FALSE(live.current()->find("cy").has_value());  // all or nothing
    CHECK(live.version() == 0);
    live.update_member("ada", with_fields([&](member_fields& f) {
                           f.satisfaction = 9.0;
                           f.tags = std::vector<std::string>{" Go ", "ML"};
                       }));
    const auto c = live.current();
    const member_index ada = c->index_of("ada");
    CHECK(c->satisfaction(ada) == 9);
    REQUIRE(c->tags(ada).size() == 2);
    CHECK(c->tag_name(c->tags(ada)[0]) == "go");
}

TEST_CASE("erase forgets a member: no later version, snapshot or result holds them") {
    const journey j;
    member_table m = parse_members(
        "id,stage,satisfaction,tags,f_0\nsecret-ann,prospect,9,ann-only-tag;go,0.5\nbo,interested,9,go,1\n"
        "cy,interested,10,go,1\ndi,prospect,8,go,0\n",
        j, "m.csv");
    interaction_table t = parse_interactions("source,target\nsecret-ann,bo\nbo,cy\ndi,secret-ann\n", m, "i.csv");
    live_community live(community(j, std::move(m), std::move(t)));
    const auto before = live.current();
    live.erase("secret-ann");
    const auto after = live.current();
    CHECK_FALSE(after->find("secret-ann").has_value());
    CHECK(after->size() == 3);
    CHECK(after->edge_count() == 1);
    for (std::uint32_t k = 0; k < after->tag_count(); ++k) CHECK(after->tag_name(k) != "ann-only-tag");
    const std::string bytes = snapshot_bytes(*after);
    CHECK(bytes.find("secret-ann") == std::string::npos);
    CHECK(bytes.find("ann-only-tag") == std::string::npos);
    CHECK(recommendations(*after).find("secret-ann") == std::string::npos);
    // A version handed out before the erase is unchanged while it is held.
    CHECK(before->find("secret-ann").has_value());
    CHECK(error_of([&] { live.erase("secret-ann"); }) == "unknown member id 'secret-ann'");
    // The id is free again: a new member may take it.
    live.add_member("secret-ann", with_fields([&](member_fields& f) { f.stage = "prospect"; }));
    CHECK(live.current()->degree(live.current()->index_of("secret-ann")) == 0);
}

TEST_CASE("a live community saves and loads through snapshots" * doctest::test_suite("live")) {
    namespace fs = std::filesystem;
    const fs::path p = fs::temp_directory_path() / fmt::format("er-live-{}.snap", ::getpid());
    live_community live(journey::preset("four_phase"));
    live.add_member("a", with_fields([&](member_fields& f) {
                        f.stage = "awareness";
                        f.satisfaction = 3.0;
                    }));
    live.add_member("b", with_fields([&](member_fields& f) {
                        f.stage = "evaluation";
                        f.satisfaction = 9.0;
                    }));
    live.add_interaction("a", "b", 2.0, 1.7e9);
    live.save(p);
    live_community back = live_community::load(p);
    test_support::require_same(*live.current(), *back.current());
    back.erase("a");
    CHECK(back.current()->size() == 1);
    CHECK(live.current()->size() == 2);
    fs::remove(p);
}

TEST_CASE("stress: queries on many threads while one thread applies updates and erasures" *
          doctest::test_suite("concurrency")) {
    // ENGAGE_RIGHT_STRESS_UPDATES shortens the run under sanitizers.
    const char* env = std::getenv("ENGAGE_RIGHT_STRESS_UPDATES");
    const std::size_t total = env ? std::strtoull(env, nullptr, 10) : 100000;
    const journey j;
    driver d(99, 2);
    d.opt_in = false;
    live_community live(j, d.m_.dims);
    // Ids are never reused, so "seen after its erasure" is well defined:
    // gone_at[id] is the number of the batch that erased the member or
    // opted them out; `published` the number of batches applied so far.
    constexpr std::size_t never = std::numeric_limits<std::size_t>::max();
    std::vector<std::atomic<std::size_t>> gone_at(total + 16);
    for (auto& g : gone_at) g.store(never);
    std::atomic<std::size_t> published{0};
    std::atomic<bool> done{false};
    std::atomic<std::size_t> queries{0}, violations{0};
    auto number = [](const std::string& id) { return static_cast<std::size_t>(std::stoull(id.substr(1))); };
    std::vector<std::thread> readers;
    for (int t = 0; t < 8; ++t)
        readers.emplace_back([&, t] {
            std::mt19937_64 rng(static_cast<std::uint64_t>(t));
            while (!done.load()) {
                // What was gone before the query started must stay out of it.
                const std::size_t before = published.load();
                auto was_gone = [&](const std::string& id) { return gone_at[number(id)].load() <= before; };
                const auto c = live.current();
                if (c->size() == 0) continue;
                recommend_options o;
                o.k = 3;
                o.threads = 1;
                const recommender r(*c, o);
                const auto u =
                    static_cast<member_index>(std::uniform_int_distribution<std::size_t>(0, c->size() - 1)(rng));
                for (const auto& rec : r.for_member(u)) {
                    const bool rules = r.check(rec.member, rec.peer).eligible && !c->opted_out(rec.peer) &&
                                       !c->opted_out(rec.member) && c->stage(rec.peer) == c->stage(rec.member) + 1;
                    if (!rules || was_gone(c->id(rec.peer)) || was_gone(c->id(rec.member))) violations.fetch_add(1);
                }
                queries.fetch_add(1);
            }
        });
    std::size_t applied = 0;
    while (applied < total) {
        std::vector<live_update> batch;
        const std::size_t size = std::min<std::size_t>(total - applied, static_cast<std::size_t>(d.uni(1, 100)));
        for (std::size_t k = 0; k < size; ++k) {
            bool bad = false;
            live_update u = d.next(bad);
            if (bad) {
                --k;
                continue;
            }
            d.accept();
            batch.push_back(std::move(u));
        }
        // Marked before the batch is published, under the number it will have.
        const std::size_t number_of_batch = published.load() + 1;
        for (const auto& u : batch) {
            if (u.what == live_update::kind::erase || u.fields.opted_out.value_or(false))
                gone_at[number(u.id)].store(std::min(gone_at[number(u.id)].load(), number_of_batch));
        }
        live.apply(batch);
        published.store(number_of_batch);
        applied += size;
    }
    done.store(true);
    for (auto& th : readers) th.join();
    CHECK(violations.load() == 0);
    CHECK(queries.load() > 0);
    test_support::require_same(*live.current(), d.m_.rebuild(j));
    MESSAGE(fmt::format("{} updates in {} versions, {} queries", total, live.version(), queries.load()));
}
