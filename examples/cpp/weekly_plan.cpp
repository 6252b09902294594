// A community team's week with the C++ library: the capacity-aware plan of
// who meets whom, and whether Engage Right pairing makes the journey viral.
//
//   engage_right_example_weekly_plan members.csv [interactions.csv]
#include <engage_right/engage_right.hpp>

#include <iostream>

namespace er = engage_right;

namespace {

// Who meets whom: the exact maximum total score, no peer over capacity.
void print_plan(const er::community& c) {
    er::match_options mo;
    mo.per_member = 1;
    mo.candidates = 50;
    const er::match_result plan = er::match(c, mo);
    std::cout << "plan: " << plan.pairs.size() << " pairs, total score " << plan.total_score << ", "
              << plan.unmatched.size() << " members without a peer\n";
    for (std::size_t i = 0; i < plan.pairs.size() && i < 5; ++i) {
        const auto& p = plan.pairs[i];
        std::cout << "  " << c.id(p.member) << " -> " << c.id(p.peer) << " (" << p.score << ", "
                  << er::to_string(p.medium) << "): " << p.reason << "\n";
    }
}

// Can the journey go viral? R per contact policy, expected counts.
void print_viral_numbers(const er::community& c) {
    for (const auto policy : {er::sim_policy::engage_right, er::sim_policy::random, er::sim_policy::none}) {
        er::simulation_options so;
        so.rounds = 52;
        so.policy = policy;
        so.engine = er::sim_engine::mean_field;
        const auto run = er::simulate(c, so);
        const std::size_t last = run.stages - 1;
        std::cout << er::to_string(policy) << ": R = " << run.viral_r << " -> " << run.viral_r_final
                  << ", members at the last stage after a year: " << run.count(run.rounds, last) << "\n";
    }
}

}  // namespace

int main(int argc, char** argv) try {
    if (argc < 2 || argc > 3) {
        std::cerr << "usage: " << argv[0] << " members.csv [interactions.csv]\n";
        return 2;
    }
    const auto interactions = argc == 3 ? std::optional<std::filesystem::path>(argv[2]) : std::nullopt;
    const er::community c = er::community::from_csv(argv[1], interactions);
    print_plan(c);
    print_viral_numbers(c);
} catch (const er::error& e) {
    std::cerr << e.what() << "\n";
    return 2;
}
