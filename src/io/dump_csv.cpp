// The CSV variant of a dump table: one CSV file per table whose header names
// the XML attributes (any case); an empty field is an absent attribute. Read
// with the project's CSV tokenizer (quoted fields span lines: post bodies).

#include "io/dump.hpp"
#include "io/table.hpp"

#include <engage_right/io.hpp>

#include <fmt/format.h>

#include <optional>

namespace engage_right::detail {

namespace {

class csv_locator final : public dump_locator {
public:
    explicit csv_locator(std::string file) : dump_locator(std::move(file)) {}
    std::pair<std::size_t, std::size_t> locate(const dump_record& r, std::size_t k) const override {
        if (k < r.lines.size() && r.lines[k].first > 0) return r.lines[k];
        return r.row_at;
    }
};

}  // namespace

void read_csv_rows(const std::filesystem::path& file, std::span<const std::string_view> names,
                   const std::function<void(const dump_record&)>& on_row, const progress_fn& progress) {
    const std::string text = read_file(file);
    csv_table t(text, file.string());
    csv_locator where(file.string());
    std::vector<std::optional<std::size_t>> col(names.size());
    for (std::size_t k = 0; k < names.size(); ++k) col[k] = t.optional(lower(names[k]));
    dump_record rec;
    rec.names = names;
    rec.locator = &where;
    rec.values.resize(names.size());
    rec.lines.resize(names.size());
    std::vector<csv_field> row;
    std::size_t records = 0;
    while (t.next(row)) {
        rec.row_at = {t.reader().record_line(), 1};
        for (std::size_t k = 0; k < names.size(); ++k) {
            if (col[k]) {
                const csv_field& f = row[*col[k]];
                rec.values[k] = f.text;
                rec.lines[k] = f.text.empty() ? std::pair<std::size_t, std::size_t>{0, 0}
                                              : std::pair<std::size_t, std::size_t>{f.line, f.column};
            } else {
                rec.values[k] = {};
                rec.lines[k] = {0, 0};
            }
        }
        on_row(rec);
        if (progress && ++records % 1000000 == 0)
            progress(fmt::format("{}: {} rows", file.filename().string(), records));
    }
}

}  // namespace engage_right::detail
