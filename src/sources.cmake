# The library's sources, one folder per component (docs/design.md).
set(ENGAGE_RIGHT_SOURCES
  community/community.cpp
  export/export.cpp
  io/csv.cpp
  io/events.cpp
  io/history.cpp
  io/interactions.cpp
  io/members.cpp
  io/pairs.cpp
  io/table.cpp
  io/time.cpp
  journey/journey.cpp
  lead_scoring/lead_scoring.cpp
  matching/dense.cpp
  matching/match.cpp
  matching/optimal.cpp
  matching/stable_greedy.cpp
  recommend/recommend.cpp
  scoring/kernel.cpp
  scoring/scoring.cpp
  simulate/mean_field.cpp
  simulate/monte_carlo.cpp
  simulate/params.cpp
  simulate/simulate.cpp
  stats/stats.cpp
  uplift/uplift.cpp)
list(TRANSFORM ENGAGE_RIGHT_SOURCES PREPEND "${CMAKE_CURRENT_LIST_DIR}/")
