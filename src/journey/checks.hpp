#pragma once
// The journey's value rules, shared by the setters (config_error) and the
// JSON reader (errors naming the JSON path). Private to src/journey.

#include <engage_right/journey.hpp>

#include <functional>
#include <string>

namespace engage_right::detail {

/// Reports a problem: (path suffix such as ".actions.buy", what is wrong).
using journey_fail = std::function<void(const std::string&, const std::string&)>;

/// Check a lead scoring section; calls `fail` for the first problem.
void check_lead_scoring(const lead_scoring_config& c, const journey_fail& fail);

/// Check a stage rule; calls `fail` for the first problem.
void check_rule(const stage_rule& r, const journey_fail& fail);

}  // namespace engage_right::detail
