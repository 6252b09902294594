#pragma once
// Minimal argument parsing for the engage-right CLI.

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace cli {

/// Bad command-line arguments (exit code 2).
struct usage_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// Output could not be written (disk full, a closed pipe, a failed rename):
/// exit code 1, the message names the destination.
struct write_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// A parsed command line: `--name value`, `--name=value` and `--flag`.
class arguments {
public:
    /// `flags` take no value; every other option in `valued` takes one.
    arguments(const std::vector<std::string>& args, const std::vector<std::string>& valued,
              const std::vector<std::string>& flags);

    bool has(const std::string& name) const { return values_.count(name) > 0; }
    std::optional<std::string> get(const std::string& name) const;
    std::string require(const std::string& name) const;
    /// Parse an integer option within [lo, hi].
    std::optional<long long> get_int(const std::string& name, long long lo, long long hi) const;
    /// Parse a real option within [lo, hi]; `expected` names the range in the
    /// error message (default "a number LO..HI").
    std::optional<double> get_real(const std::string& name, double lo, double hi,
                                   const std::string& expected = {}) const;
    bool help() const { return help_; }

private:
    std::map<std::string, std::string> values_;
    bool help_ = false;
};

}  // namespace cli
