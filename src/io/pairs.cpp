#include "io/table.hpp"

#include <engage_right/detail/csv.hpp>
#include <engage_right/io.hpp>
#include <engage_right/matching.hpp>

namespace engage_right {

using detail::csv_field;

namespace {

// Read a two- or three-column pair file; calls add(member, peer, row, time).
template <class Add>
void read_pair_file(std::string_view text, const community& c, std::string_view source, bool with_time, Add add) {
    detail::csv_table r(text, std::string(source));
    std::vector<csv_field> row;
    const std::size_t c_member = r.require("member"), c_peer = r.require("peer");
    const std::size_t c_time = with_time ? r.require("timestamp") : 0;
    auto find = [&](std::string_view id) { return c.find(id); };
    while (r.next(row)) {
        const member_index u = detail::member_cell(r, row[c_member], "member", find);
        const member_index v = detail::member_cell(r, row[c_peer], "peer", find);
        add(u, v, with_time ? detail::timestamp_cell(r, row[c_time], false) : 0.0);
    }
}

}  // namespace

pairing_history parse_pairs(std::string_view text, const community& c, std::string_view source) {
    pairing_history h;
    read_pair_file(text, c, source, true, [&](member_index u, member_index v, double t) {
        h.member.push_back(u);
        h.peer.push_back(v);
        h.timestamp.push_back(t);
    });
    return h;
}

pairing_history read_pairs(const std::filesystem::path& path, const community& c) {
    return parse_pairs(read_file(path), c, path.string());
}

std::vector<std::pair<member_index, member_index>> parse_blocked(std::string_view text, const community& c,
                                                                 std::string_view source) {
    std::vector<std::pair<member_index, member_index>> out;
    read_pair_file(text, c, source, false, [&](member_index u, member_index v, double) { out.emplace_back(u, v); });
    return out;
}

std::vector<std::pair<member_index, member_index>> read_blocked(const std::filesystem::path& path, const community& c) {
    return parse_blocked(read_file(path), c, path.string());
}

}  // namespace engage_right
