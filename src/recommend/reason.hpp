#pragma once
// The reason sentence with the hard rule 5 setting of the run. Private to src/recommend.

#include <engage_right/community.hpp>
#include <engage_right/scoring.hpp>

#include <string>

namespace engage_right::detail {

/// The reason of recommending v to u; `allow_existing` says whether an
/// existing contact is mentioned as such; `gap` how a peer's stage is named.
std::string reason_text(const community& c, member_index u, member_index v, const score_components& comp,
                        bool allow_existing, const stage_gap& gap);

}  // namespace engage_right::detail
