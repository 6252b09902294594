// journey JSON (--journey FILE). A journey that loads must survive its own
// JSON form unchanged (journey.hpp: from_json(to_json()) gives an equal journey).
#include "fuzz.hpp"

using namespace engage_right;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return fuzz::json_reader("journey.json", [&] {
        const journey j = journey::from_json(fuzz::as_text(data, size), "journey.json");
        const std::string again = j.to_json();
        if (!(journey::from_json(again, "journey.json") == j))
            fuzz::finding("a journey that differs after a round trip", "journey.json", again.c_str());
    });
}
