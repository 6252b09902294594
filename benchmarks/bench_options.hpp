#pragma once
// What the benchmark programs share: `--name value` pairs of the command line,
// wall-clock timing and the peak resident set size.

#include <chrono>
#include <fstream>
#include <initializer_list>
#include <iostream>
#include <map>
#include <optional>
#include <string>

namespace bench {

using clock_type = std::chrono::steady_clock;

/// Seconds elapsed since t0.
inline double seconds_since(clock_type::time_point t0) {
    return std::chrono::duration<double>(clock_type::now() - t0).count();
}

/// Peak resident set size of this process in KiB (VmHWM), or -1 when unknown.
inline long peak_rss_kib() {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
    return -1;
}

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

/// parse_options(), then every name of `required` must be given; else the
/// usage line goes to stderr and nullopt comes back (exit code 2).
inline std::optional<std::map<std::string, std::string>> parse_options(int argc, char** argv,
                                                                       std::initializer_list<const char*> required,
                                                                       const char* usage) {
    auto opt = parse_options(argc, argv);
    if (!opt) return opt;
    for (const char* name : required)
        if (!opt->count(name)) {
            std::cerr << "usage: " << usage << "\n";
            return std::nullopt;
        }
    return opt;
}

}  // namespace bench
