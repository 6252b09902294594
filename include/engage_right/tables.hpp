#pragma once
/// @file tables.hpp
/// Plain input tables: members and interactions as columns, the form every
/// reader (CSV files, DataFrames) produces and `community` is built from.
/// No Eigen, no community: the bottom of the public headers.

#include <engage_right/types.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace engage_right {

/// Row-major `rows x dims` float features, owned or borrowed (e.g. a numpy
/// array kept alive by `owner`).
struct feature_block {
    std::shared_ptr<const void> owner;  ///< keeps `data` alive
    const float* data = nullptr;        ///< rows * dims floats, row-major
    std::size_t rows = 0;
    std::size_t dims = 0;

    /// Take ownership of a vector of rows * dims floats.
    static feature_block own(std::vector<float> values, std::size_t rows, std::size_t dims);
};

/// Members as columns, in input order. This is what the CSV reader produces
/// and what `community` is built from; all columns but `id` and `stage` may be
/// left empty (then every member gets the default).
struct member_table {
    std::vector<std::string> id;             ///< unique, non-empty
    std::vector<stage_index> stage;          ///< index into the journey's stages
    std::vector<std::int8_t> satisfaction;   ///< 0..10, or unknown_satisfaction (-1)
    std::vector<std::int32_t> capacity;      ///< >= 0, or -1 for the journey default
    std::vector<std::uint8_t> opted_out;     ///< 0 or 1
    std::vector<double> activity;            ///< >= 0, NaN when not given
    std::vector<std::uint32_t> tag_offsets;  ///< CSR offsets (size n+1) into tag_ids, or empty
    std::vector<std::uint32_t> tag_ids;      ///< indices into tag_names
    std::vector<std::string> tag_names;      ///< distinct tags
    feature_block features;                  ///< n x d, or d = 0
    /// When each member joined, unix seconds (NaN when empty); an empty
    /// vector when there is no `created` column. evaluate() leaves members
    /// created at or after the split time out of the replay, fit_ranking()
    /// those created at or after its cut.
    std::vector<double> created;

    /// A column kept as text (see member_read_options::text_columns).
    struct text_column {
        std::string name;                 ///< lower case
        std::vector<std::string> values;  ///< trimmed, one per member
    };
    std::vector<text_column> extra;  ///< extra columns kept as text
    /// Empty when every member has a stage; otherwise 1/0 per member, 0 where
    /// the stage was not given (it is then 0). Only readers with
    /// member_read_options::stage_optional leave stages out.
    std::vector<std::uint8_t> stage_known;

    /// An extra text column by (lower-case) name, or nullptr.
    const text_column* find_extra(std::string_view name) const noexcept {
        for (const auto& c : extra)
            if (c.name == name) return &c;
        return nullptr;
    }

    std::size_t size() const noexcept { return id.size(); }
};

/// Interactions as columns. Endpoints are row positions in the member table
/// they were read against (input order).
struct interaction_table {
    std::vector<std::uint32_t> source;
    std::vector<std::uint32_t> target;
    std::vector<double> weight;     ///< > 0; empty column means 1 for every row
    std::vector<double> timestamp;  ///< unix seconds, NaN when not given; may be empty

    std::size_t size() const noexcept { return source.size(); }
};

/// Stage entries as columns (stages.csv): member `member[k]` entered stage
/// `stage[k]` at `timestamp[k]`. Members are rows of the member table the
/// entries were read against.
struct stage_table {
    std::vector<std::uint32_t> member;
    std::vector<stage_index> stage;
    std::vector<double> timestamp;  ///< unix seconds

    std::size_t size() const noexcept { return member.size(); }
};

/// Content as columns (content.csv: posts, answers, comments), in input
/// order. A thread is a root item (no parent) and every item whose parent
/// chain leads to it.
struct content_table {
    static constexpr std::uint32_t no_parent = 0xffffffffu;

    std::vector<std::string> id;             ///< unique, non-empty
    std::vector<std::string> author;         ///< member id; "" when unknown (deleted or anonymous)
    std::vector<std::string> kind;           ///< lower case, e.g. question, answer, comment
    std::vector<std::uint32_t> parent;       ///< row of the parent item, or no_parent
    std::vector<std::uint32_t> thread;       ///< row of the thread's root item (the item itself for a root)
    std::vector<double> created;             ///< unix seconds
    std::vector<std::uint32_t> tag_offsets;  ///< CSR offsets (size n+1) into tag_ids
    std::vector<std::uint32_t> tag_ids;      ///< indices into tag_names
    std::vector<std::string> tag_names;      ///< distinct tags
    std::vector<double> score;               ///< NaN when empty; empty vector: no score column
    std::vector<std::uint8_t> accepted;      ///< 0 or 1; empty vector: no accepted column
    std::vector<std::string> title;          ///< empty vector: no title column
    std::vector<std::string> url;            ///< empty vector: no url column
    feature_block features;                  ///< n x d, or d = 0

    std::size_t size() const noexcept { return id.size(); }
};

}  // namespace engage_right
