// Snapshot files: the bytes as a whole file, and (so that the fuzzer gets
// past the checksum, which it cannot forge) the bytes as the payload of a
// header with the right length and checksum.
#include "fuzz.hpp"

#define XXH_INLINE_ALL
#include <xxhash.h>

#include <cstring>

using namespace engage_right;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view bytes = fuzz::as_text(data, size);
    fuzz::csv_reader("s.snap", [&] { (void)community_from_snapshot(bytes, "s.snap"); });
    std::string sealed(
        "\x89"
        "ERSNAP\r",
        8);
    const std::uint32_t version = snapshot_version, reserved = 0;
    const std::uint64_t length = size, sum = XXH3_64bits(data, size);
    sealed.append(reinterpret_cast<const char*>(&version), 4);
    sealed.append(reinterpret_cast<const char*>(&reserved), 4);
    sealed.append(reinterpret_cast<const char*>(&length), 8);
    sealed.append(reinterpret_cast<const char*>(&sum), 8);
    sealed.append(bytes);
    return fuzz::csv_reader("s.snap", [&] {
        const community c = community_from_snapshot(sealed, "s.snap");
        // What loads saves in a canonical form, which loads back to itself.
        const std::string once = snapshot_bytes(c);
        if (snapshot_bytes(community_from_snapshot(once, "s.snap")) != once)
            fuzz::finding("a snapshot whose canonical form does not load back to itself", "s.snap", "");
    });
}
