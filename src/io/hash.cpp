#include <engage_right/detail/siphash.hpp>

#include <random>

namespace engage_right::detail {

sip_key random_sip_key() {
    // One key per index: collisions crafted against one process or one
    // index do not carry over to the next.
    std::random_device rd;
    auto word = [&] { return (std::uint64_t{rd()} << 32) ^ std::uint64_t{rd()}; };
    return {word(), word()};
}

}  // namespace engage_right::detail
