// interactions.csv: against a member table (recommend, match, ...; then a
// community is built), and as contacts of the uplift history (learn).
#include "fuzz.hpp"

using namespace engage_right;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text = fuzz::as_text(data, size);
    const journey& j = fuzz::fixture_journey();
    const member_table& m = fuzz::fixture_members();
    fuzz::csv_reader("interactions.csv", [&] { community c(j, m, parse_interactions(text, m, "interactions.csv")); });
    fuzz::csv_reader("interactions.csv", [&] {
        interaction_read_options o;
        o.timestamp_required = true;
        parse_interactions(text, m, "interactions.csv", o);
    });
    return fuzz::csv_reader("interactions.csv", [&] {
        uplift_history h;
        parse_contacts(h, text, "interactions.csv");
    });
}
