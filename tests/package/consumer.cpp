// A tiny program built against the library as a user would: it must compile
// with only the umbrella header and produce recommendations on the sample.
#include <engage_right/engage_right.hpp>

#include <iostream>

int main(int argc, char** argv) {
    if (argc < 3) {
        std::cerr << "usage: consumer members.csv interactions.csv\n";
        return 2;
    }
    const auto c = engage_right::community::from_csv(argv[1], std::filesystem::path(argv[2]));
    const auto recs = engage_right::recommend_all(c);
    for (const auto& r : recs) {
        if (c.stage(r.peer) != c.stage(r.member) + 1) {
            std::cerr << "peer not one stage to the right\n";
            return 1;
        }
    }
    std::cout << "engage_right " << engage_right::version_string << ": " << c.size() << " members, " << recs.size()
              << " recommendations\n";
    return recs.empty() ? 1 : 0;
}
