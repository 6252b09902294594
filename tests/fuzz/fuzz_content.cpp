// content.csv, then its threads resolved against a community (recommend and
// match with --model --content).
#include "fuzz.hpp"

using namespace engage_right;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return fuzz::csv_reader("content.csv", [&] {
        const content_table t = parse_content(fuzz::as_text(data, size), "content.csv");
        content_threads threads(fuzz::fixture_community(), t);
    });
}
