#pragma once
// JSON helpers shared by the readers of journey and simulation files. Private
// to the library: nlohmann_json is not part of the public interface.

#include <engage_right/error.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace engage_right::detail {

/// Throw config_error "<source>: <JSON path>: <what>".
[[noreturn]] inline void bad(std::string_view source, const std::string& path, const std::string& what) {
    throw config_error(fmt::format("{}: {}: {}", source, path, what));
}

/// Parse a JSON document that must be an object.
/// @throws config_error "<source>: invalid JSON: ..." or "<source>: $: expected an object, ...".
inline nlohmann::ordered_json parse_json_object(std::string_view text, std::string_view source);

/// "a string", "an array", ... for error messages.
inline const char* type_name(const nlohmann::ordered_json& v) {
    using t = nlohmann::ordered_json::value_t;
    switch (v.type()) {
        case t::null: return "null";
        case t::boolean: return "a boolean";
        case t::string: return "a string";
        case t::array: return "an array";
        case t::object: return "an object";
        case t::discarded: return "nothing";
        default: return "a number";
    }
}

inline nlohmann::ordered_json parse_json_object(std::string_view text, std::string_view source) {
    nlohmann::ordered_json doc;
    try {
        doc = nlohmann::ordered_json::parse(text.begin(), text.end());
    } catch (const nlohmann::ordered_json::parse_error& e) {
        throw config_error(fmt::format("{}: invalid JSON: {}", source, e.what()));
    } catch (const nlohmann::ordered_json::out_of_range& e) {
        // A number beyond a double (e.g. 1e999): nlohmann names the number, not its place.
        throw config_error(
            fmt::format("{}: invalid JSON: {} (a number beyond the range of a double)", source, e.what()));
    }
    if (!doc.is_object()) bad(source, "$", fmt::format("expected an object, got {}", type_name(doc)));
    return doc;
}

}  // namespace engage_right::detail
