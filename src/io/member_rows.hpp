#pragma once
// The member rules of DESIGN.md section 2, written once: members.csv and
// in-memory columns (DataFrames) both build their table row by row through
// member_rows. Every cell method returns what is wrong with the cell (empty
// when it is fine); the caller says where (file:line:column or row).

#include "io/table.hpp"

#include <engage_right/io.hpp>
#include <engage_right/journey.hpp>
#include <engage_right/tables.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace engage_right::detail {

class member_rows {
public:
    /// `quote` shows a bad value in a message (CSV: "x", frames: 'x').
    member_rows(const journey& j, bool stage_optional, std::string (*quote)(std::string_view));

    /// Declare the extra text columns (after member_read_options), in order.
    void add_extra(std::string name, bool numeric);

    std::string id(std::string_view text);
    /// `given`: the file or frame has a stage column.
    std::string stage(std::string_view text, bool given);
    std::string satisfaction(std::string_view text);
    std::string satisfaction(double value);  ///< NaN: empty
    std::string capacity(std::string_view text);
    std::string capacity(double value);
    std::string opted_out(std::string_view text);
    std::string opted_out(double value);
    std::string activity(std::string_view text);
    std::string activity(double value);
    /// ';'-separated, trimmed, lower-cased, deduplicated; every tag follows text_problem.
    std::string tags(std::string_view joined);
    /// The file or frame has a `created` column: every row then has a cell.
    void use_created() noexcept { has_created_ = true; }
    std::string created(std::string_view text);  ///< unix seconds or ISO-8601, or empty
    std::string created(double value);           ///< NaN: empty
    std::string extra(std::size_t k, std::string_view text);
    /// Close the row: columns not given get their defaults.
    void end_row();

    std::size_t rows() const noexcept { return table_.id.size(); }
    /// (row, first row) of the first id of a table that is not unique.
    static std::optional<std::pair<std::size_t, std::size_t>> duplicate_of(const member_table& m);
    /// The table, with `features` (checked by the caller).
    member_table finish(feature_block features);

    static std::string feature_problem(std::size_t k, std::string_view shown_value);

private:
    const journey& j_;
    bool stage_optional_;
    std::string (*quote_)(std::string_view);
    member_table table_;
    std::vector<std::uint8_t> extra_numeric_;
    tag_vocabulary tags_;
    std::vector<std::uint32_t> row_tags_;
    bool all_stages_known_ = true;
    bool has_created_ = false;
    // the current row
    std::optional<stage_index> stage_;
    bool stage_known_ = true;
    std::int8_t sat_ = unknown_satisfaction;
    std::int32_t cap_ = -1;
    std::uint8_t opted_ = 0;
    double act_;
    double created_;
    bool has_id_ = false;
    std::string id_;
};

}  // namespace engage_right::detail
