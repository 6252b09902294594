#pragma once
/// @file scoring.hpp
/// The reference scoring of DESIGN.md section 4, component by component.
///
/// Every function here is the canonical definition: the batch recommender
/// computes bit-identical values, so scores and ties agree between a single
/// pair, one member and a whole community.

#include <engage_right/community.hpp>
#include <engage_right/types.hpp>

#include <cstdint>
#include <span>
#include <vector>

namespace engage_right {

/// Cosine similarity of two members' features; 0 when either vector is zero
/// or there are no features. O(d).
score_t cosine_similarity(const community& c, member_index u, member_index v) noexcept;

/// Cosine similarity of two vectors (0 when either is all-zero). O(d).
score_t cosine_similarity(std::span<const float> a, std::span<const float> b) noexcept;

/// Jaccard index |A ∩ B| / |A ∪ B| of two sorted, distinct id lists; 0 when
/// both are empty. O(|A| + |B|).
score_t jaccard_index(std::span<const std::uint32_t> a, std::span<const std::uint32_t> b) noexcept;

/// Adamic-Adar index of u and v over the interaction graph (simple, weights
/// ignored): sum over common neighbours w of 1 / ln(deg(w)), the quantity of
/// networkx.adamic_adar_index. 0 when u == v. O(deg(u) + deg(v)).
score_t adamic_adar(const community& c, member_index u, member_index v) noexcept;

/// Number of common neighbours of u and v. O(deg(u) + deg(v)).
std::size_t common_neighbors(const community& c, member_index u, member_index v) noexcept;

/// The tags u and v share (sorted tag ids).
std::vector<std::uint32_t> shared_tags(const community& c, member_index u, member_index v);

/// Maps an Adamic-Adar index to [0, 1): aa / (1 + aa).
constexpr score_t proximity_from_adamic_adar(score_t aa) noexcept { return aa / (1.0 + aa); }

/// satisfaction / 10, or 0.5 when unknown.
score_t happiness(const community& c, member_index v) noexcept;

/// The four raw components for member u and candidate peer v.
score_components components(const community& c, member_index u, member_index v) noexcept;

/// Weighted score of (u, v): combine(components(c, u, v), w).
score_t score(const community& c, member_index u, member_index v, const score_weights& w) noexcept;

/// Weighted sum of the components in a fixed order, without fused
/// multiply-adds: (w_sim * similarity + w_happy * happiness) +
/// (w_tags * tags + w_prox * proximity). Equal inputs give bit-identical
/// scores everywhere; the recommender uses exactly this.
score_t combine(const score_components& comp, const score_weights& w) noexcept;

}  // namespace engage_right
