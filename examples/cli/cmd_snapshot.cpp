// engage-right snapshot: a community in one binary file, for fast loading.

#include "common.hpp"

#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <iostream>

namespace cli {
namespace {

constexpr const char* usage = R"(usage: engage-right snapshot --members FILE --out FILE [options]

Writes the community (journey, members, interaction rows) as one snapshot
file: binary, versioned and checksummed, written to a temporary file, synced
and renamed, so a crash never leaves a half-written snapshot. Every command
that takes --members also takes --snapshot FILE in place of --members,
--interactions and --journey, and loads it without parsing CSV. The format
and its limits: docs/reliability.md.

options:
  --members FILE           members.csv
  --interactions FILE      interactions.csv
  --journey PRESET|FILE    engage_right (default), four_phase, loyalty_loop,
                           inbound, success, or a journey JSON file
  --out FILE               the snapshot file to write (required)
)";

void run(const arguments& a) {
    const auto start = std::chrono::steady_clock::now();
    const er::community c = load_community(a);
    const std::string out = a.require("out");
    try {
        er::save(c, out);
    } catch (const er::input_error&) {
        throw;
    } catch (const er::error& e) {
        throw write_error(e.what());
    }
    std::error_code ec;
    const auto bytes = std::filesystem::file_size(out, ec);
    std::cerr << fmt::format("engage-right snapshot: wrote {} ({} members, {} interaction rows, {} bytes, {:.2f} s)\n",
                             out, c.size(), c.interaction_rows().size(), ec ? 0 : bytes,
                             std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
}

}  // namespace

const command snapshot_command{"snapshot", "write the community as one snapshot file (fast to load)", usage,
                               "members interactions journey snapshot out!", run};

}  // namespace cli
