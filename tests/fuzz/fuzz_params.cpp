// simulation parameters JSON (simulate --params FILE), resolved for journeys
// of 5 stages (the default) and of 2. Parameters that load must load again
// from their own JSON form.
#include "fuzz.hpp"

using namespace engage_right;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text = fuzz::as_text(data, size);
    for (const std::size_t stages : {5, 2}) {
        fuzz::json_reader("params.json", [&] {
            const simulation_params p = simulation_params::from_json(text, stages, "params.json");
            try {
                simulation_params::from_json(p.to_json(), stages, "params.json");
            } catch (const error& e) {
                fuzz::finding("parameters that do not load from their own JSON", "params.json", e.what());
            }
        });
    }
    return 0;
}
