// pairs.csv (match --history) against a community.
#include "fuzz.hpp"

using namespace engage_right;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return fuzz::csv_reader("pairs.csv",
                            [&] { parse_pairs(fuzz::as_text(data, size), fuzz::fixture_community(), "pairs.csv"); });
}
