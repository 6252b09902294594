// Minimal use of the library: load a community, print each prospect's best peer.
#include <engage_right/engage_right.hpp>

#include <iostream>

int main(int argc, char** argv) {
    if (argc < 2) {
        std::cerr << "usage: " << argv[0] << " members.csv [interactions.csv]\n";
        return 2;
    }
    try {
        std::optional<std::filesystem::path> interactions;
        if (argc > 2) interactions = argv[2];
        const auto c = engage_right::community::from_csv(argv[1], interactions);
        engage_right::recommend_options opt;
        opt.k = 1;
        const engage_right::recommender rec(c, opt);
        const auto prospects = c.stage_members(0);
        for (auto u = prospects.first; u < prospects.last; ++u)
            for (const auto& r : rec.for_member(u))
                std::cout << c.id(u) << " -> " << c.id(r.peer) << " (" << r.score << "): " << r.reason << "\n";
    } catch (const engage_right::error& e) {
        std::cerr << e.what() << "\n";
        return 2;
    }
}
