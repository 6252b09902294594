#include "options.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace cli {

arguments::arguments(const std::vector<std::string>& args, const std::vector<std::string>& valued,
                     const std::vector<std::string>& flags) {
    auto known = [](const std::vector<std::string>& list, const std::string& n) {
        return std::find(list.begin(), list.end(), n) != list.end();
    };
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a == "-h" || a == "--help") {
            help_ = true;
            continue;
        }
        if (a.rfind("--", 0) != 0) throw usage_error("unexpected argument '" + a + "'");
        std::string name = a.substr(2);
        std::optional<std::string> value;
        if (auto eq = name.find('='); eq != std::string::npos) {
            value = name.substr(eq + 1);
            name = name.substr(0, eq);
        }
        if (known(flags, name)) {
            if (value) throw usage_error("option --" + name + " takes no value");
            values_[name] = "1";
        } else if (known(valued, name)) {
            if (!value) {
                if (i + 1 >= args.size()) throw usage_error("option --" + name + " needs a value");
                value = args[++i];
            }
            if (values_.count(name)) throw usage_error("option --" + name + " given twice");
            values_[name] = *value;
        } else {
            throw usage_error("unknown option --" + name + " (see --help)");
        }
    }
}

std::optional<std::string> arguments::get(const std::string& name) const {
    auto it = values_.find(name);
    if (it == values_.end()) return std::nullopt;
    return it->second;
}

std::string arguments::require(const std::string& name) const {
    auto v = get(name);
    if (!v) throw usage_error("missing required option --" + name);
    return *v;
}

std::optional<long long> arguments::get_int(const std::string& name, long long lo, long long hi) const {
    auto v = get(name);
    if (!v) return std::nullopt;
    long long x = 0;
    auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), x);
    if (ec != std::errc() || p != v->data() + v->size() || x < lo || x > hi)
        throw usage_error("option --" + name + ": expected an integer " + std::to_string(lo) + ".." +
                          std::to_string(hi) + ", got '" + *v + "'");
    return x;
}

std::optional<double> arguments::get_real(const std::string& name, double lo, double hi,
                                          const std::string& expected) const {
    auto v = get(name);
    if (!v) return std::nullopt;
    double x = 0;
    auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), x);
    if (ec != std::errc() || p != v->data() + v->size() || !(x >= lo && x <= hi))
        throw usage_error(fmt::format("option --{}: expected {}, got '{}'", name,
                                      expected.empty() ? fmt::format("a number {}..{}", lo, hi) : expected, *v));
    return x;
}

}  // namespace cli
