#include "io/table.hpp"

#include <engage_right/detail/csv.hpp>
#include <engage_right/detail/id_index.hpp>
#include <engage_right/error.hpp>
#include <engage_right/io.hpp>

#include <limits>

namespace engage_right {

using detail::csv_field;

interaction_table parse_interactions(std::string_view text, const member_table& members, std::string_view source,
                                     const interaction_read_options& options) {
    detail::csv_table r(text, std::string(source));
    const std::size_t c_src = r.require("source");
    const std::size_t c_dst = r.require("target");
    const auto c_w = r.optional("weight");
    const bool required = options.timestamp_required;
    const auto c_t = r.column("timestamp", required, " (" + options.needed_by + ")");

    detail::id_index index;
    (void)index.build(members.id);  // duplicates are impossible in a parsed table

    interaction_table t;
    std::vector<csv_field> row;
    auto find = [&](std::string_view id) { return index.find(id); };
    while (r.next(row)) {
        const std::uint32_t a = detail::member_cell(r, row[c_src], "source", find);
        const std::uint32_t b = detail::member_cell(r, row[c_dst], "target", find);
        const double w = c_w ? detail::weight_cell(r, row[*c_w]) : 1.0;
        double ts = std::numeric_limits<double>::quiet_NaN();
        if (c_t && (required || !detail::trim(row[*c_t].text).empty()))
            ts = detail::timestamp_cell(r, row[*c_t], required);
        t.source.push_back(a);
        t.target.push_back(b);
        t.weight.push_back(w);
        t.timestamp.push_back(ts);
    }
    return t;
}

interaction_table read_interactions(const std::filesystem::path& path, const member_table& members,
                                    const interaction_read_options& options) {
    return parse_interactions(read_file(path), members, path.string(), options);
}

}  // namespace engage_right
