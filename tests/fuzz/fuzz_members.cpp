// members.csv: as recommend, match, export read it (then a community is built
// from the table), and as the lead-scoring commands read it (stage optional,
// the columns of the journey's fit rules kept).
#include "fuzz.hpp"

using namespace engage_right;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text = fuzz::as_text(data, size);
    const journey& j = fuzz::fixture_journey();
    fuzz::csv_reader("members.csv", [&] { community c(j, parse_members(text, j, "members.csv")); });
    return fuzz::csv_reader("members.csv", [&] { parse_members(text, j, "members.csv", lead_read_options(j)); });
}
