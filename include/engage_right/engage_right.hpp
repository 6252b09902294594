#pragma once
/// @file engage_right.hpp
/// Umbrella header: everything a user of the library needs.
///
/// Engage Right pairs each member of a community with happy peers exactly one
/// stage to the right on the customer journey.

#include <engage_right/adapters.hpp>
#include <engage_right/check.hpp>
#include <engage_right/columns.hpp>
#include <engage_right/community.hpp>
#include <engage_right/eigen.hpp>
#include <engage_right/error.hpp>
#include <engage_right/evaluate.hpp>
#include <engage_right/export.hpp>
#include <engage_right/io.hpp>
#include <engage_right/journey.hpp>
#include <engage_right/lead_scoring.hpp>
#include <engage_right/live.hpp>
#include <engage_right/matching.hpp>
#include <engage_right/ranking.hpp>
#include <engage_right/recommend.hpp>
#include <engage_right/scoring.hpp>
#include <engage_right/simulate.hpp>
#include <engage_right/snapshot.hpp>
#include <engage_right/stats.hpp>
#include <engage_right/tables.hpp>
#include <engage_right/types.hpp>
#include <engage_right/uplift.hpp>
#include <engage_right/version.hpp>
