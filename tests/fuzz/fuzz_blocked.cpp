// blocked.csv (match --blocked) against a community.
#include "fuzz.hpp"

using namespace engage_right;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return fuzz::csv_reader(
        "blocked.csv", [&] { parse_blocked(fuzz::as_text(data, size), fuzz::fixture_community(), "blocked.csv"); });
}
