#pragma once
/// @file io.hpp
/// Readers for members.csv and interactions.csv (DESIGN.md section 2).
///
/// Input is UTF-8 with or without a byte-order mark, LF or CRLF line ends,
/// RFC 4180 quoting ("a ""b"", c" is one field). Every problem throws
/// input_error naming file, line, column and what was expected; readers
/// return complete tables or nothing.

#include <engage_right/journey.hpp>
#include <engage_right/tables.hpp>

#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace engage_right {

/// Options of the members.csv reader beyond DESIGN.md section 2.
struct member_read_options {
    /// The stage column may be missing and its cells empty (stage 0, marked
    /// in member_table::stage_known): for stage inference.
    bool stage_optional = false;
    /// Extra columns to keep as text in member_table::extra (names ignore
    /// case). A column listed here that the header lacks is an input error.
    std::vector<std::string> text_columns;
    /// Of the text columns, those whose non-empty cells must be finite numbers.
    std::vector<std::string> numeric_columns;
    /// Named in the "missing column" error, e.g. "the journey's fit rules".
    std::string needed_by = "the options";
};

/// Parse members.csv text. `source` names the input in error messages.
/// Required columns: id, stage. Optional: satisfaction, capacity, opted_out,
/// activity, tags, created (unix seconds or ISO-8601), f_0 .. f_{d-1}.
/// Unknown columns are ignored.
member_table parse_members(std::string_view text, const journey& j, std::string_view source = "members.csv",
                           const member_read_options& options = {});

/// Read members.csv from a file. @throws input_error.
member_table read_members(const std::filesystem::path& path, const journey& j, const member_read_options& options = {});

/// Options of the interactions.csv reader beyond DESIGN.md section 2.
struct interaction_read_options {
    /// Every row needs a timestamp (the column is required, empty cells are
    /// errors), e.g. to replay history.
    bool timestamp_required = false;
    /// Named in the "missing column" error, e.g. "evaluation replays history".
    std::string needed_by = "the options";
};

/// Parse interactions.csv text against a member table (endpoints are resolved
/// to the table's rows). Required columns: source, target. Optional: weight
/// (> 0, default 1), timestamp (unix seconds or ISO-8601).
interaction_table parse_interactions(std::string_view text, const member_table& members,
                                     std::string_view source = "interactions.csv",
                                     const interaction_read_options& options = {});

/// Read interactions.csv from a file. @throws input_error.
interaction_table read_interactions(const std::filesystem::path& path, const member_table& members,
                                    const interaction_read_options& options = {});

/// Parse stages.csv text (`member,stage,timestamp`: the member entered the
/// stage then; unknown extra columns ignored) against a member table: every
/// member id must be in it. @throws input_error naming file, line and column.
stage_table parse_stage_table(std::string_view text, const member_table& members, const journey& j,
                              std::string_view source = "stages.csv");

/// Read stages.csv from a file against a member table. @throws input_error.
stage_table read_stage_table(const std::filesystem::path& path, const member_table& members, const journey& j);

/// A stage table from in-memory columns (a DataFrame) with the rules of
/// stages.csv: member ids (in `members`), stage names of the journey, finite
/// times. Errors name the 0-based row: `stages row 3: stage: unknown stage
/// 'x' (...)`. @throws config_error.
stage_table build_stage_table(std::span<const std::string> member_ids, std::span<const std::string> stages,
                              std::span<const double> seconds, const member_table& members, const journey& j);

/// One column of in-memory data (a DataFrame column, say): absent, numbers
/// (NaN = empty cell) or text cells ("" or spaces = empty cell). Text cells
/// follow exactly the rules of the same column in a CSV file.
using data_column = std::variant<std::monostate, std::vector<double>, std::vector<std::string>>;

/// Members as in-memory columns, one entry per member, in input order.
struct member_columns {
    std::vector<std::string> id;                    ///< required
    std::optional<std::vector<std::string>> stage;  ///< stage names; nullopt: no stage column
    data_column satisfaction;                       ///< 0-10 integers
    data_column capacity;                           ///< integers >= 0
    data_column opted_out;                          ///< 1/0/true/false
    data_column activity;                           ///< finite numbers >= 0
    std::optional<std::vector<std::string>> tags;   ///< ';'-separated tags per member
    data_column created;                            ///< unix seconds (NaN = empty) or text cells; absent: no column
    feature_block features;                         ///< n x d floats, or d = 0 (borrowed arrays stay borrowed)
    /// Extra text columns by name (member_read_options::text_columns).
    std::vector<member_table::text_column> extra;
};

/// Build a member table from columns with the rules of members.csv (the
/// same code checks both). Errors name the 0-based row: `members row 3:
/// satisfaction: expected an integer 0-10 or empty, got 12`.
/// @throws config_error for the first problem; nothing is kept then.
member_table build_members(const member_columns& columns, const journey& j, const member_read_options& options = {});

/// Interactions as in-memory columns, one entry per interaction.
struct interaction_columns {
    std::vector<std::string> source;  ///< member ids
    std::vector<std::string> target;  ///< member ids
    data_column weight;               ///< > 0; empty cells mean 1
    std::vector<double> timestamp;    ///< unix seconds, NaN when not given; empty: no timestamps
};

/// Build an interaction table against a member table with the rules of
/// interactions.csv. Errors name the 0-based row. @throws config_error.
interaction_table build_interactions(const interaction_columns& columns, const member_table& members);

/// The times every reader and builder accepts: years 0001 to 9999 (UTC),
/// as unix seconds. A time outside is an input error, so that every time
/// can be written back as ISO-8601 and period arithmetic stays bounded.
inline constexpr double min_timestamp = -62135596800.0;    ///< 0001-01-01T00:00:00Z
inline constexpr double max_timestamp = 253402300799.999;  ///< 9999-12-31T23:59:59.999Z

/// What is wrong with a time given as unix seconds: empty when it is within
/// [min_timestamp, max_timestamp], else "timestamp: expected a time in years
/// 0001-9999, got X" (NaN and infinities included).
std::string time_problem(double unix_seconds);

/// Parse a timestamp: unix seconds (integer or decimal) or ISO-8601
/// (`YYYY-MM-DD`, optionally `THH:MM[:SS[.fff]]` and `Z` or `+HH:MM`; no zone
/// means UTC). Returns unix seconds, or nullopt when malformed or outside
/// [min_timestamp, max_timestamp].
std::optional<double> parse_timestamp(std::string_view text) noexcept;

/// ISO-8601 UTC form of unix seconds, `YYYY-MM-DDTHH:MM:SSZ`, with
/// milliseconds (`.fffZ`) when the time is not a whole second; "" for NaN.
/// @throws config_error for a time outside [min_timestamp, max_timestamp].
std::string format_timestamp(double unix_seconds);

/// An empty cell: "" or only spaces and tabs (what every reader treats as
/// "not given").
bool is_blank(std::string_view text) noexcept;

/// Quote text for one CSV output field (RFC 4180): fields holding a comma,
/// quote, CR or LF, or starting or ending with a space, are wrapped in
/// quotes with quotes doubled; others are returned unchanged.
std::string csv_quote(std::string_view s);

/// Read a whole file into a string. @throws input_error (line 0) when unreadable.
std::string read_file(const std::filesystem::path& path);

/// Write `bytes` to `path` so that a crash or a full disk never leaves a
/// partial file: they go to a temporary file beside `path`, are flushed to
/// the disk (fsync), and the temporary is renamed over `path`; the folder is
/// synced too. On failure the temporary is removed and `path` is untouched.
/// @throws error naming the path and the system's reason.
void write_file_atomically(const std::filesystem::path& path, std::string_view bytes);

/// Parse content.csv text (DESIGN.md section 5):
/// `id,author,kind,parent,created,tags[,score][,accepted][,title][,url][,f_*]`.
/// `id` unique and non-empty; `author` a member id or empty (unknown);
/// `kind` non-empty text (kept lower-cased); `parent` empty for a thread's
/// root or the id of another row of the file (a parent chain may not loop);
/// `created` unix seconds or ISO-8601; `tags` `;`-separated as in
/// members.csv; `score` a finite number or empty; `accepted` 1/0/true/false
/// or empty; `title`, `url` text; `f_0 .. f_{d-1}` finite numbers. Unknown
/// columns are ignored. Authors are not resolved here: content may name
/// people who are not (or not yet) members.
/// @throws input_error naming file, line and column.
content_table parse_content(std::string_view text, std::string_view source = "content.csv");

/// Read content.csv from a file. @throws input_error.
content_table read_content(const std::filesystem::path& path);

/// Content as in-memory columns (a DataFrame), one entry per item.
struct content_columns {
    std::vector<std::string> id;                   ///< required
    std::vector<std::string> author;               ///< required; "" = unknown
    std::vector<std::string> kind;                 ///< required
    std::vector<std::string> parent;               ///< required; "" = a root
    std::vector<double> created;                   ///< required, unix seconds
    std::optional<std::vector<std::string>> tags;  ///< ';'-separated tags per item
    data_column score;                             ///< finite numbers
    data_column accepted;                          ///< 1/0/true/false
    std::optional<std::vector<std::string>> title;
    std::optional<std::vector<std::string>> url;
    feature_block features;  ///< n x d floats, or d = 0
};

/// Build a content table from columns with the rules of content.csv (the
/// same code checks both). Errors name the 0-based row:
/// `content row 3: parent: unknown content id 'x'`. @throws config_error.
content_table build_content(const content_columns& columns);

}  // namespace engage_right
