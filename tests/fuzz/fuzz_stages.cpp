// stages.csv: the stage history of learn (uplift), and the stage table
// against a member table.
#include "fuzz.hpp"

using namespace engage_right;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text = fuzz::as_text(data, size);
    const journey& j = fuzz::fixture_journey();
    fuzz::csv_reader("stages.csv", [&] {
        uplift_history h;
        parse_stage_entries(h, text, j, "stages.csv");
    });
    return fuzz::csv_reader("stages.csv", [&] { parse_stage_table(text, fuzz::fixture_members(), j, "stages.csv"); });
}
