#pragma once
/// @file eigen.hpp
/// Eigen views of library data, for users who compute with Eigen. Kept out
/// of community.hpp so that only code that asks for Eigen compiles it.

#include <engage_right/community.hpp>

#include <Eigen/Core>

namespace engage_right {

/// All features of a community as a read-only Eigen map (rows x d, row-major),
/// rows in input order (see community::input_position()). No copy.
inline Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>> feature_matrix(
    const community& c) noexcept {
    const feature_block& f = c.feature_storage();
    return {f.data, static_cast<Eigen::Index>(f.rows), static_cast<Eigen::Index>(f.dims)};
}

}  // namespace engage_right
