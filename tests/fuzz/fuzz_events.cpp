// events.csv: its members alone (check without members.csv), then the events
// against them, and against a member table skipping unknown members.
#include "fuzz.hpp"

using namespace engage_right;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text = fuzz::as_text(data, size);
    const journey& j = fuzz::fixture_journey();
    fuzz::csv_reader("events.csv", [&] {
        const member_table m = parse_event_members(text, "events.csv");
        parse_events(text, m, j, "events.csv");
    });
    return fuzz::csv_reader("events.csv", [&] {
        event_read_options o;
        o.skip_unknown_members = true;
        parse_events(text, fuzz::fixture_members(), j, "events.csv", o);
    });
}
