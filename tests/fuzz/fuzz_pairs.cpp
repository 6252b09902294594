// pairs.csv (match --history) against a community: from memory, and from a
// file as read_pairs (the CLI) reads it, which must agree.
#include "fuzz.hpp"

using namespace engage_right;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const community& c = fuzz::fixture_community();
    const fuzz::memory_file file(data, size);
    bool parsed = false;
    pairing_history from_text;
    fuzz::csv_reader("pairs.csv", [&] {
        from_text = parse_pairs(fuzz::as_text(data, size), c, "pairs.csv");
        parsed = true;
    });
    return fuzz::csv_reader(file.path(), [&] {
        try {
            const pairing_history h = read_pairs(file.path(), c);
            if (!parsed || h.member != from_text.member || h.peer != from_text.peer ||
                h.timestamp != from_text.timestamp)
                fuzz::finding("read_pairs and parse_pairs disagree", "pairs.csv", file.path().c_str());
        } catch (const input_error&) {
            if (parsed) fuzz::finding("read_pairs fails where parse_pairs reads", "pairs.csv", file.path().c_str());
            throw;
        }
    });
}
