#pragma once
/// @file columns.hpp
/// Output column names, one list per result: the CLI's csv/json/table
/// output and the Python DataFrames both take them from here.

#include <array>
#include <string_view>

namespace engage_right::columns {

/// recommend / er.recommend: one row per (member, peer) recommendation.
inline constexpr std::array<std::string_view, 12> recommend = {"member",    "member_stage", "peer",       "peer_stage",
                                                               "rank",      "score",        "similarity", "tags",
                                                               "proximity", "happiness",    "channel",    "reason"};

/// match / er.match: one row per pair of the plan.
inline constexpr std::array<std::string_view, 7> match = {"member", "member_stage", "peer",  "peer_stage",
                                                          "score",  "channel",      "reason"};

/// match / er.match(with_unmatched=True): members with fewer peers than asked.
inline constexpr std::array<std::string_view, 4> unmatched = {"member", "member_stage", "matched", "reason"};

/// score / er.lead_scores.
inline constexpr std::array<std::string_view, 4> lead = {"member", "fit", "engagement", "total"};

/// infer-stages / er.infer_stages (which adds `missing`, the unmet items as a list).
inline constexpr std::array<std::string_view, 8> infer = {
    "member", "recorded_stage", "stage", "fit", "engagement", "total", "next_stage", "next_milestone"};

/// learn / er.estimate_uplift: one row per step.
inline constexpr std::array<std::string_view, 21> uplift = {
    "from",      "to",           "windows",       "members",    "treated",        "advanced",        "treated_advanced",
    "base_rate", "treated_rate", "mean_contacts", "odds_ratio", "odds_ratio_low", "odds_ratio_high", "p_value",
    "base",      "base_round",   "lift",          "lift_low",   "lift_high",      "converged",       "status"};

/// fit / er.fit_ranking: one row per feature of the model.
inline constexpr std::array<std::string_view, 4> ranking_model = {"feature", "coefficient", "mean", "scale"};

/// stats / er.funnel: the columns of each stage row (after the stage name).
inline constexpr std::array<std::string_view, 9> funnel_stage = {
    "members", "share", "reached", "conversion", "promoters", "passives", "detractors", "unknown", "nps"};

/// stats / er.funnel: the columns of each step (after the step's stages).
inline constexpr std::array<std::string_view, 8> funnel_step = {
    "enabled", "channel", "seekers", "seekers_without_peer", "peers", "seats", "seats_per_seeker", "bottleneck"};

/// check / er.check_journey: one row per finding (check.hpp).
inline constexpr std::array<std::string_view, 6> check = {"kind",  "subject", "stage", "reachable_stage",
                                                          "count", "message"};

/// er.nps: one row per stage.
inline constexpr std::array<std::string_view, 6> nps = {"promoters", "passives",  "detractors",
                                                        "unknown",   "responses", "nps"};

}  // namespace engage_right::columns
