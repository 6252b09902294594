// The imported tables as CSV: the cells of an import_column as text and the
// writer of import_table / imported_community (write_imported).
#include "io/adapter.hpp"
#include "io/calendar.hpp"

#include <engage_right/error.hpp>
#include <engage_right/io.hpp>

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <ostream>

namespace engage_right {

// ------------------------------------------------------------ columns ---

std::size_t import_column::size() const noexcept {
    switch (type) {
        case kind::text: return text.size();
        case kind::real: return real.size();
        default: return integer.size();
    }
}

std::string import_column::cell(std::size_t row) const {
    switch (type) {
        case kind::text: return text[row];
        case kind::coded:
            return integer[row] == missing_integer ? std::string() : labels[static_cast<std::size_t>(integer[row])];
        case kind::integer: return integer[row] == missing_integer ? std::string() : fmt::format("{}", integer[row]);
        case kind::time: return integer[row] == missing_integer ? std::string() : detail::format_time_ms(integer[row]);
        case kind::real: {
            const double v = real[row];
            if (std::isnan(v)) return {};
            return fmt::format("{:.{}f}", v, decimals);
        }
    }
    return {};
}

const import_column* import_table::find(std::string_view column) const noexcept {
    for (const auto& c : columns)
        if (c.name == column) return &c;
    return nullptr;
}

namespace {

bool needs_quotes(std::string_view s) noexcept {
    for (char c : s)
        if (c == ',' || c == '"' || c == '\n' || c == '\r') return true;
    return !s.empty() && (s.front() == ' ' || s.back() == ' ');
}

// Appends cells to a buffer that goes to the stream in large blocks.
class csv_out {
public:
    explicit csv_out(std::ostream& out) : out_(out) { buf_.reserve(block + 4096); }
    ~csv_out() { flush(); }
    void text(std::string_view s) {
        if (needs_quotes(s)) {
            const std::string q = csv_quote(s);
            buf_.append(q);
        } else {
            buf_.append(s);
        }
    }
    void raw(std::string_view s) { buf_.append(s); }
    void put(char c) { buf_.push_back(c); }
    void integer(std::int64_t v) {
        char tmp[24];
        const auto r = std::to_chars(tmp, tmp + sizeof tmp, v);
        buf_.append(tmp, r.ptr);
    }
    void time(std::int64_t t) {
        char tmp[32];
        buf_.append(tmp, detail::format_time_ms(t, tmp));
    }
    void real(double v, int decimals) { fmt::format_to(std::back_inserter(buf_), "{:.{}f}", v, decimals); }
    void end_line() {
        buf_.push_back('\n');
        if (buf_.size() >= block) flush();
    }
    void flush() {
        out_.write(buf_.data(), static_cast<std::streamsize>(buf_.size()));
        buf_.clear();
    }

private:
    static constexpr std::size_t block = std::size_t{1} << 20;
    std::ostream& out_;
    std::string buf_;
};

}  // namespace

void write_import_table(std::ostream& out, const import_table& t) {
    csv_out w(out);
    for (std::size_t c = 0; c < t.columns.size(); ++c) {
        if (c) w.put(',');
        w.text(t.columns[c].name);
    }
    w.end_line();
    // Labels quoted once.
    std::vector<std::vector<std::string>> quoted(t.columns.size());
    for (std::size_t c = 0; c < t.columns.size(); ++c)
        if (t.columns[c].type == import_column::kind::coded)
            for (const auto& l : t.columns[c].labels) quoted[c].push_back(csv_quote(l));
    const std::size_t n = t.rows();
    for (std::size_t r = 0; r < n; ++r) {
        for (std::size_t c = 0; c < t.columns.size(); ++c) {
            if (c) w.put(',');
            const import_column& col = t.columns[c];
            switch (col.type) {
                case import_column::kind::text: w.text(col.text[r]); break;
                case import_column::kind::coded:
                    if (col.integer[r] != import_column::missing_integer)
                        w.raw(quoted[c][static_cast<std::size_t>(col.integer[r])]);
                    break;
                case import_column::kind::integer:
                    if (col.integer[r] != import_column::missing_integer) w.integer(col.integer[r]);
                    break;
                case import_column::kind::time:
                    if (col.integer[r] != import_column::missing_integer) w.time(col.integer[r]);
                    break;
                case import_column::kind::real:
                    if (!std::isnan(col.real[r])) w.real(col.real[r], col.decimals);
                    break;
            }
        }
        w.end_line();
    }
}

void write_imported(const imported_community& community, const std::filesystem::path& folder) {
    std::error_code ec;
    std::filesystem::create_directories(folder, ec);
    if (ec) throw error(fmt::format("cannot create folder '{}': {}", folder.string(), ec.message()));
    for (const import_table* t : community.tables()) {
        const auto path = folder / (t->name + ".csv");
        std::ofstream out(path, std::ios::binary);
        if (!out) throw error(fmt::format("cannot write '{}'", path.string()));
        write_import_table(out, *t);
        out.flush();
        if (!out) throw error(fmt::format("writing '{}' failed", path.string()));
    }
    community.journey.save(folder / "journey.json");
}

}  // namespace engage_right
