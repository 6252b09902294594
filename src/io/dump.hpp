#pragma once
// Rows of one table of a Stack Exchange data dump, streamed from Name.xml
// (pugixml over a bounded buffer, xml.cpp) or read from Name.csv (the CSV
// variant: the XML attribute names as header, through the project's CSV
// tokenizer). The importer sees the same record either way.

#include <cstddef>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace engage_right::detail {

using progress_fn = std::function<void(const std::string&)>;

class dump_record;

/// Where a record's values are (file, line, column), for error messages.
class dump_locator {
public:
    virtual ~dump_locator() = default;
    /// 1-based line and byte column of value `k` of the current record, or of
    /// the record itself when `k` is absent from it.
    virtual std::pair<std::size_t, std::size_t> locate(const dump_record& r, std::size_t k) const = 0;
    const std::string& file() const noexcept { return file_; }

protected:
    explicit dump_locator(std::string file) : file_(std::move(file)) {}
    std::string file_;
};

/// One row: the wanted attributes in the order asked for; an absent
/// attribute is an empty view. Views stay valid during the callback only.
class dump_record {
public:
    std::string_view operator[](std::size_t k) const noexcept { return values[k]; }
    /// Throw input_error at value `k` (or at the row when it is absent):
    /// `FILE:LINE:COLUMN: NAME: what`.
    [[noreturn]] void fail(std::size_t k, const std::string& what) const;

    std::vector<std::string_view> values;
    std::vector<const char*> where;  ///< XML: the value's place in the buffer (nullptr when absent)
    std::vector<std::pair<std::size_t, std::size_t>> lines;  ///< CSV: (line, column) per value
    std::pair<std::size_t, std::size_t> row_at{0, 0};        ///< CSV: where the record starts
    const char* row_where = nullptr;                         ///< XML: the row element in the buffer
    std::span<const std::string_view> names;
    const dump_locator* locator = nullptr;
};

/// Bytes of the XML buffer (tests make it small to exercise the chunking).
inline constexpr std::size_t default_xml_chunk = std::size_t{4} << 20;

/// Stream the `<row .../>` elements of a dump XML file. Malformed XML throws
/// input_error with the file, line and column; the file is never held whole.
void read_xml_rows(const std::filesystem::path& file, std::span<const std::string_view> names,
                   const std::function<void(const dump_record&)>& on_row, const progress_fn& progress,
                   std::size_t chunk = default_xml_chunk);

/// Read the records of the CSV variant (header = attribute names, matched
/// ignoring case).
void read_csv_rows(const std::filesystem::path& file, std::span<const std::string_view> names,
                   const std::function<void(const dump_record&)>& on_row, const progress_fn& progress);

}  // namespace engage_right::detail
