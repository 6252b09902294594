// The one-sentence reason of a recommendation.
#include "recommend/reason.hpp"
#include "scoring/kernel.hpp"
#include "util/parallel.hpp"

#include <engage_right/error.hpp>
#include <engage_right/recommend.hpp>
#include <engage_right/scoring.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cmath>
#include <limits>
#include <mutex>
#include <thread>

namespace engage_right {

namespace {

// What the reason sentence needs about a pair, gathered in one pass.
struct pair_facts {
    score_components comp;
    std::uint32_t shared_tag_ids[3] = {};
    std::size_t shared_tags = 0;
    std::size_t mutual = 0;
    bool existing = false;
};

// The facts the sentence needs, given the components: merges are skipped
// where a component already says there is nothing to find.
pair_facts gather_for_sentence(const community& c, member_index u, member_index v, const score_components& comp,
                               bool may_have_met) {
    pair_facts f;
    f.comp = comp;
    if (comp.tags > 0)
        detail::for_each_common(c.tags(u), c.tags(v), [&](std::uint32_t t) {
            if (f.shared_tags < 3) f.shared_tag_ids[f.shared_tags] = t;
            ++f.shared_tags;
        });
    if (comp.proximity > 0) f.mutual = common_neighbors(c, u, v);
    // Without allow_existing, rule 5 has already excluded every contact.
    f.existing = may_have_met && c.has_interaction(u, v);
    return f;
}

std::string sentence(const community& c, member_index u, member_index v, const pair_facts& f, bool wide) {
    std::string out;
    out.reserve(96);
    auto sep = [&] {
        if (!out.empty()) out += "; ";
    };
    if (f.shared_tags > 0) {
        out += "shares ";
        const std::size_t shown = std::min<std::size_t>(f.shared_tags, 3);
        for (std::size_t i = 0; i < shown; ++i) {
            if (i) out += ", ";
            out += c.tag_name(f.shared_tag_ids[i]);
        }
        if (f.shared_tags > shown) fmt::format_to(std::back_inserter(out), " and {} more", f.shared_tags - shown);
    }
    if (f.mutual > 0) {
        sep();
        fmt::format_to(std::back_inserter(out), "{} mutual contact{}", f.mutual, f.mutual == 1 ? "" : "s");
    }
    if (f.existing) {
        sep();
        out += "already in contact";
    }
    if (f.comp.similarity >= 0.5) {
        sep();
        fmt::format_to(std::back_inserter(out), "{}similar profile ({:.2f})", f.comp.similarity >= 0.8 ? "very " : "",
                       f.comp.similarity);
    }
    if (out.empty()) {
        const int distance = int{c.stage(v)} - int{c.stage(u)};
        if (wide && distance > 1)
            fmt::format_to(std::back_inserter(out), "{} stages right ({})", distance,
                           c.journey().stage_name(c.stage(v)));
        else fmt::format_to(std::back_inserter(out), "next-stage peer ({})", c.journey().stage_name(c.stage(v)));
    }
    sep();
    const auto sat = c.satisfaction(v);
    if (!sat) out += "satisfaction unknown";
    else
        fmt::format_to(std::back_inserter(out), "{} ({}/10)",
                       *sat >= 9   ? "promoter"
                       : *sat >= 7 ? "passive"
                                   : "detractor",
                       *sat);
    return out;
}

}  // namespace

namespace detail {

std::string reason_text(const community& c, member_index u, member_index v, const score_components& comp,
                        bool allow_existing, const stage_gap& gap) {
    return sentence(c, u, v, gather_for_sentence(c, u, v, comp, allow_existing), !gap.one_stage());
}

}  // namespace detail

std::string reason_sentence(const community& c, member_index u, member_index v, const score_components& comp) {
    return sentence(c, u, v, gather_for_sentence(c, u, v, comp, true), false);
}

std::string reason_sentence(const community& c, member_index u, member_index v, const score_components& comp,
                            const stage_gap& gap) {
    return sentence(c, u, v, gather_for_sentence(c, u, v, comp, true), !gap.one_stage());
}

}  // namespace engage_right
