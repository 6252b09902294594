// engage-right: the command-line front end of the engage_right library.
//
// Exit codes: 0 ok, 2 bad input or bad arguments (message on stderr naming
// file, line and column where there is one), 1 internal error.
//
// The commands live in cmd_<name>.cpp, each with its usage text; this file
// only lists them and dispatches.

#include "common.hpp"

#include <fmt/format.h>

#include <iostream>
#include <string>
#include <vector>

namespace {

namespace er = engage_right;

// The command table, in the order of 'engage-right --help'.
const cli::command* const commands[] = {&cli::recommend_command,     &cli::explain_command,
                                        &cli::score_command,         &cli::infer_stages_command,
                                        &cli::stats_command,         &cli::match_command,
                                        &cli::export_command,        &cli::simulate_command,
                                        &cli::learn_command,         &cli::check_command,
                                        &cli::evaluate_command,      &cli::fit_command,
                                        &cli::snapshot_command,      &cli::import_stackexchange_command,
                                        &cli::import_threads_command};

std::string tool_usage() {
    std::string text = R"(usage: engage-right <command> [options]

Recommends peer pairings along the customer journey: every member is paired
with happy peers exactly one stage to the right.

commands:
)";
    for (const cli::command* c : commands) {
        std::string summary = c->summary;
        for (std::size_t at = summary.find('\n'); at != std::string::npos; at = summary.find('\n', at + 1))
            summary.insert(at + 1, 16, ' ');
        for (std::size_t at = summary.find('\n'); c->name.size() > 12 && at != std::string::npos;
             at = summary.find('\n', at + 1))
            summary.insert(at + 1, c->name.size() - 12, ' ');
        text += fmt::format("  {:<12}  {}\n", c->name, summary);
    }
    return text + R"(
Run 'engage-right <command> --help' for the options of a command.
Exit codes: 0 ok, 2 bad input or arguments, 1 internal error.
)";
}

// The part every command shares: parse, --help, check --format and the
// required options before any work, run.
int run(const cli::command& c, const std::vector<std::string>& args) {
    const cli::arguments a(args, c.valued(), c.flags());
    if (a.help()) {
        std::cout << c.usage;
        return 0;
    }
    if (c.output == cli::output_kind::graph) cli::graph_format_of(a);
    else cli::format_of(a);
    for (const auto& name : c.required())
        if (name != "members" || !a.has("snapshot")) a.require(name);  // --snapshot stands for --members
    c.run(a);
    return 0;
}

// Bad arguments or bad input (exit code 2) rather than an internal error.
bool is_user_error(const std::exception& e) {
    return dynamic_cast<const cli::usage_error*>(&e) || dynamic_cast<const er::input_error*>(&e) ||
           dynamic_cast<const er::config_error*>(&e) || dynamic_cast<const er::not_found_error*>(&e);
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    try {
        if (args.empty()) {
            std::cerr << tool_usage();
            return 2;
        }
        const std::string name = args[0];
        args.erase(args.begin());
        if (name == "-h" || name == "--help" || name == "help") {
            std::cout << tool_usage();
            return 0;
        }
        if (name == "--version") {
            std::cout << "engage-right " << er::version_string << "\n";
            return 0;
        }
        for (const cli::command* c : commands)
            if (c->name == name) return run(*c, args);
        // Commands of two words: `import stackexchange`, `import threads`.
        std::string kinds;
        for (const cli::command* c : commands)
            if (c->name.starts_with(name + " ")) {
                const std::string kind = c->name.substr(name.size() + 1);
                if (!args.empty() && args[0] == kind) return run(*c, {args.begin() + 1, args.end()});
                kinds += (kinds.empty() ? "" : "|") + kind;
            }
        if (!kinds.empty()) {
            const bool help = !args.empty() && (args[0] == "--help" || args[0] == "-h");
            (help ? std::cout : std::cerr) << fmt::format(
                "usage: engage-right {} {{{}}} [options]\nRun 'engage-right {} <kind> --help' for the options.\n", name,
                kinds, name);
            return help ? 0 : 2;
        }
        throw cli::usage_error(fmt::format("unknown command '{}' (see engage-right --help)", name));
    } catch (const cli::write_error& e) {
        std::cerr << "engage-right: " << e.what() << "\n";
        return 1;
    } catch (const std::exception& e) {
        if (is_user_error(e)) {
            std::cerr << "engage-right: " << e.what() << "\n";
            return 2;
        }
        std::cerr << "engage-right: internal error: " << e.what() << "\n";
        return 1;
    }
}
