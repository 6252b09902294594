#pragma once
// `--name value` pairs of a benchmark program's command line.

#include <iostream>
#include <map>
#include <optional>
#include <string>

namespace bench {

/// The options from argv[1] on, or nullopt (after a message) when an
/// argument is not of the form `--name value`.
inline std::optional<std::map<std::string, std::string>> parse_options(int argc, char** argv) {
    std::map<std::string, std::string> opt;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string a = argv[i];
        if (a.rfind("--", 0) != 0) {
            std::cerr << "unexpected argument " << a << "\n";
            return std::nullopt;
        }
        opt[a.substr(2)] = argv[i + 1];
    }
    return opt;
}

}  // namespace bench
