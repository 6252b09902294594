#pragma once
// What the engage-right commands share: the command table entry, and the
// options and inputs that several commands read the same way.

#include "options.hpp"
#include "output.hpp"

#include <engage_right/engage_right.hpp>

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace cli {

namespace er = ::engage_right;

/// How a command checks `--format` before any work: table|csv|json, or the
/// required graph format of export.
enum class output_kind { table, graph };

/// One entry of the command table. main() parses the arguments against
/// `valued` and `flags`, prints `usage` for --help, checks --format and the
/// `required` options (in this order), then calls `run`, which reports
/// failures by throwing (usage_error, er::input_error, ...).
struct command {
    std::string name;
    /// One line for 'engage-right --help'; a '\n' continues it, indented.
    std::string summary;
    const char* usage = "";
    /// The options, space-separated: `name` takes a value, `name!` takes a
    /// value and is required (checked in this order), `+name` is a flag.
    std::string options;
    void (*run)(const arguments&) = nullptr;
    output_kind output = output_kind::table;

    std::vector<std::string> valued() const;
    std::vector<std::string> flags() const;
    std::vector<std::string> required() const;
};

// One per cmd_<name>.cpp, listed in main.cpp.
extern const command recommend_command;
extern const command snapshot_command;
extern const command explain_command;
extern const command score_command;
extern const command infer_stages_command;
extern const command stats_command;
extern const command match_command;
extern const command export_command;
extern const command simulate_command;
extern const command learn_command;
extern const command check_command;
extern const command evaluate_command;
extern const command fit_command;
extern const command import_stackexchange_command;
extern const command import_threads_command;

/// "" for one, "s" otherwise.
inline const char* plural(std::size_t n) { return n == 1 ? "" : "s"; }
/// "engage-right: warning: MESSAGE" on standard error.
void warn(const std::string& message);
/// Warns "FILE: N NOUN[s] REST" when n > 0.
void warn_count(const std::string& file, std::size_t n, const std::string& noun, const std::string& rest);

/// Run `parse`; an er::config_error becomes a usage_error of `--option`.
template <class Parse>
auto parsed_option(const std::string& option, Parse parse) -> decltype(parse()) {
    try {
        return parse();
    } catch (const er::config_error& e) {
        throw usage_error("option --" + option + ": " + e.what());
    }
}

/// A time option (unix seconds or ISO-8601), e.g. --as-of, --origin.
std::optional<double> time_option(const arguments& a, const std::string& name);

/// --journey PRESET|FILE (default engage_right).
er::journey journey_of(const arguments& a);
/// --members, --interactions, --journey (or --snapshot in their place);
/// warns about dropped self-loops.
er::community load_community(const arguments& a);
/// --weights, --min-satisfaction, --allow-existing, --stage-gap, and --model
/// (with --content and --as-of) where the command takes it.
er::recommend_options recommend_options_of(const arguments& a, const er::community& c);
/// --stage-gap MIN:MAX (default 1:1), checked against the journey. A command
/// takes it by listing `stage-gap` in its options (recommend_options_of reads
/// it) and the --help lines:
///   --stage-gap MIN:MAX      peers stand MIN to MAX stages right (default 1:1,
///                            the Engage Right rule; e.g. 1:2)
er::stage_gap stage_gap_of(const arguments& a, const er::journey& j);
/// --model FILE (with --content FILE and --as-of TIME): the learned ranking
/// applied to `c`, or null without --model.
std::shared_ptr<const er::ranking_scorer> model_of(const arguments& a, const er::community& c);

/// Members and events for lead scoring and stage inference.
struct lead_inputs {
    er::lead_options options;
    er::journey j;
    er::member_table members;
    er::event_table events;
};
/// --as-of, --members, --events, --journey, --skip-unknown-members.
lead_inputs load_lead_inputs(const arguments& a);

/// --strict with findings of the journey check: exit code 2, as bad input.
struct findings_error : usage_error {
    using usage_error::usage_error;
};

/// The findings of a journey check as warnings on standard error
/// (er::finding_summary: members recorded beyond their reach are summed up
/// per recorded stage; the check command lists every one on stdout). check,
/// score, infer-stages and stats --events print the same lines.
void warn_findings(const er::journey& j, const std::vector<er::finding>& findings);
/// Under --strict, findings are an error. @throws findings_error.
void strict_findings(const arguments& a, const std::vector<er::finding>& findings);
/// check_journey on the inputs of a lead command (reusing its inference when
/// there is one), then warn_findings and strict_findings.
void check_lead_inputs(const arguments& a, const lead_inputs& in, const er::stage_inference* inference = nullptr);

/// export's --format dot|graphml (required).
er::graph_format graph_format_of(const arguments& a);

/// The value options of match; export takes them too, to shape its plan.
/// The options of match (command::options form), shared by export.
extern const char* const match_option_spec;
/// The plan options of match (see match_valued).
er::match_options match_options_of(const arguments& a, const er::community& c);

}  // namespace cli
