#pragma once
/// @file adapters.hpp
/// Importers of real community exports (the `io` component): a Stack
/// Exchange data dump (XML or its CSV variant) and a generic thread/reply
/// export (Discourse, Slack, Discord, IRC, ... reduced to one posts table).
/// Both produce the same engage-right files: members.csv, interactions.csv,
/// events.csv, content.csv, stages.csv and journey.json (docs/import.md).
///
/// The dump's XML is streamed row by row through pugixml (a bounded buffer,
/// no document of the file); what grows with the dump is only what the
/// output needs (one small record per member, post and dated change).

#include <engage_right/io.hpp>
#include <engage_right/journey.hpp>

#include <climits>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace engage_right {

/// How imported members get their stage (docs/import.md, "Stages").
struct stage_mapping {
    enum class kind : std::uint8_t {
        /// What a member did (needs 5 stages): reputation >= `advocate_reputation`
        /// -> 5th, answered (replied) -> 4th, asked (started a thread) -> 3rd,
        /// commented or reputation > 1 -> 2nd, else 1st.
        participation,
        /// One reputation threshold per stage: the last stage whose threshold
        /// the reputation reaches (below the first: the first stage).
        reputation,
        /// Contributions (posts and comments): one count threshold per stage,
        /// or without thresholds equal-size groups of the active members.
        activity
    };
    kind type = kind::participation;
    /// reputation / activity thresholds, one per stage, non-decreasing.
    std::vector<double> thresholds;
    /// participation: the reputation of the last stage.
    double advocate_reputation = 1000;
};

/// Parse `participation[:R]`, `reputation:T1,...,Tn` or `activity[:C1,...,Cn]`
/// (n = the journey's stage count). @throws config_error naming the problem.
stage_mapping parse_stage_mapping(std::string_view spec, const journey& j);

/// Options of both importers.
struct import_options {
    /// Keep only what existed strictly before this time (unix seconds), and
    /// reconstruct reputations and scores as of then.
    std::optional<double> as_of;
    /// Default: participation (Stack Exchange), activity (threads).
    std::optional<stage_mapping> stages;
    /// The journey whose stages are assigned; its lead scoring and stage rules
    /// are kept in journey.json where they fit the imported actions.
    journey base{};
    /// Tags per member (the most frequent in the threads they took part in).
    std::size_t top_tags = 3;
    /// Called with a progress line now and then during long reads (e.g.
    /// "Posts.xml: 120 of 512 MB"); may be empty.
    std::function<void(const std::string&)> progress;
};

/// One output column: text cells, text cells coded as numbers into a list of
/// labels (member ids, stage and action names), integers, reals written with
/// a fixed number of decimals, or times (milliseconds since 1970, UTC)
/// written as ISO-8601.
struct import_column {
    enum class kind : std::uint8_t { text, coded, integer, real, time };
    std::string name;
    kind type = kind::text;
    std::vector<std::string> text;      ///< kind::text
    std::vector<std::int64_t> integer;  ///< kind::integer, kind::time, kind::coded; missing_integer = empty cell
    std::vector<std::string> labels;    ///< kind::coded: the text of each code
    std::vector<double> real;           ///< kind::real; NaN = empty cell
    int decimals = 4;                   ///< kind::real

    static constexpr std::int64_t missing_integer = INT64_MIN;
    std::size_t size() const noexcept;
    /// The cell as written to CSV (unquoted).
    std::string cell(std::size_t row) const;
};

/// One output table (a CSV file): named columns of equal length.
struct import_table {
    std::string name;  ///< file stem: members, interactions, events, content, stages
    std::vector<import_column> columns;

    std::size_t rows() const noexcept { return columns.empty() ? 0 : columns.front().size(); }
    /// The column of a name, or nullptr.
    const import_column* find(std::string_view column) const noexcept;
};

/// An imported community: the tables of the output files, the journey, the
/// warnings (what optional input was missing and what it loses, rows
/// dropped) and counts for a summary.
struct imported_community {
    import_table members;           ///< id,stage,satisfaction,capacity,opted_out,activity,tags,created,reputation,f_*
    import_table interactions;      ///< source,target,weight,timestamp,kind,content
    import_table events;            ///< member,action,timestamp,value
    import_table content;           ///< id,author,kind,parent,created,tags,score,accepted[,title]
    import_table stages;            ///< member,stage,timestamp
    engage_right::journey journey;  ///< with lead_scoring over the actions that occur
    std::vector<std::string> warnings;
    /// Named counts (rows read per input file, rows dropped, ...), in order.
    std::vector<std::pair<std::string, std::size_t>> counts;

    /// The five tables, in file order.
    std::vector<const import_table*> tables() const { return {&members, &interactions, &events, &content, &stages}; }
};

/// Import a Stack Exchange data dump: the folder holding Users, Posts
/// (required), Comments, Votes and Badges, each as `.xml` or `.csv` (the CSV
/// variant: one file per table, the XML attribute names as header). A missing
/// optional table adds a warning naming what is lost.
/// @throws input_error naming file:line:column for malformed input or a
///         missing required table; config_error for bad options.
imported_community import_stackexchange(const std::filesystem::path& dump, const import_options& options = {});

/// Posts of a thread export as in-memory columns (a DataFrame): one entry per
/// post. `parent_id` or `thread_id` (or both) must be given.
struct thread_columns {
    std::vector<std::string> post_id;                   ///< unique, non-empty
    std::vector<std::string> author;                    ///< member id; "" = unknown (deleted) author
    std::optional<std::vector<std::string>> parent_id;  ///< the post replied to; "" = none
    std::optional<std::vector<std::string>> thread_id;  ///< the thread; its first post is the one replied to
    data_column created;                                ///< unix seconds (numbers) or text cells
    std::optional<std::vector<std::string>> tags;       ///< ';'-separated
    data_column score;                                  ///< finite numbers, empty allowed
};

/// Known members of a thread export (optional): `id` and, when known, the
/// account's creation time and a reputation.
struct thread_member_columns {
    std::vector<std::string> id;
    data_column created;
    data_column reputation;
};

/// Import a thread export from posts.csv (`post_id,author,parent_id|thread_id,
/// created[,tags][,score]`) and an optional members.csv (`id[,created]
/// [,reputation]`). @throws input_error naming file:line:column.
imported_community import_threads(const std::filesystem::path& posts,
                                  const std::optional<std::filesystem::path>& members,
                                  const import_options& options = {});

/// The same from in-memory columns; errors name the 0-based row
/// (`posts row 3: created: ...`). @throws config_error.
imported_community import_threads(const thread_columns& posts, const thread_member_columns* members,
                                  const import_options& options = {});

/// Write one table as CSV (header line, LF line ends, RFC 4180 quoting).
void write_import_table(std::ostream& out, const import_table& table);

/// Write members.csv, interactions.csv, events.csv, content.csv, stages.csv
/// and journey.json into `folder` (created when missing).
/// @throws error when a file cannot be written.
void write_imported(const imported_community& community, const std::filesystem::path& folder);

}  // namespace engage_right
