// The streaming reader of dump XML files. A dump is one root element holding
// millions of `<row .../>` elements. The prolog and the root's start and end
// tags are checked here; the rows in between are parsed by pugixml, one
// buffer at a time: the buffer is cut before the last '<' it holds (a '<'
// never occurs inside an attribute value), the complete elements before the
// cut are parsed in place as an XML fragment, and the rest moves to the front
// for the next read. Memory is the buffer plus pugixml's nodes for it,
// whatever the size of the file; a single row larger than the buffer grows it.

#include "io/dump.hpp"

#include <engage_right/detail/csv.hpp>
#include <engage_right/error.hpp>

#include <fmt/format.h>
#include <pugixml.hpp>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <memory>

namespace engage_right::detail {

void dump_record::fail(std::size_t k, const std::string& what) const {
    const auto [line, column] = locator->locate(*this, k);
    throw input_error(locator->file(), line, column, fmt::format("{}: {}", names[k], what));
}

namespace {

struct file_closer {
    void operator()(std::FILE* f) const noexcept { std::fclose(f); }
};

bool is_space(char c) noexcept { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

bool is_name_char(char c) noexcept { return !is_space(c) && c != '>' && c != '/' && c != '<' && c != '='; }

class xml_stream final : public dump_locator {
public:
    xml_stream(const std::filesystem::path& path, std::size_t chunk)
        : dump_locator(path.string()), f_(std::fopen(path.c_str(), "rb")), buf_(std::max<std::size_t>(chunk, 64)) {
        if (!f_) throw input_error(file_, 0, 0, "cannot open file");
        std::error_code ec;
        total_ = static_cast<std::size_t>(std::filesystem::file_size(path, ec));
    }

    // Line and column of a place in the current buffer.
    std::pair<std::size_t, std::size_t> at(std::size_t pos) const {
        // newlines_ indexes the part of the buffer being parsed (before the
        // parse changed it); beyond it, count directly.
        const auto it = std::lower_bound(newlines_.begin(), newlines_.end(), pos);
        const std::size_t before = static_cast<std::size_t>(it - newlines_.begin());
        if (before == 0) return {line_, column_ + pos};
        return {line_ + before, pos - *(it - 1)};
    }

    std::pair<std::size_t, std::size_t> locate(const dump_record& r, std::size_t k) const override {
        const char* p = k < r.where.size() && r.where[k] ? r.where[k] : r.row_where;
        if (!p) return {line_, 0};
        return at(static_cast<std::size_t>(p - buf_.data()));
    }

    [[noreturn]] void fail_at(std::size_t pos, const std::string& what) {
        if (indexed_ == npos || pos > indexed_) index_lines(std::min(pos, len_));  // outside a parsed part
        const auto [line, column] = at(pos);
        throw input_error(file_, line, column, what);
    }

    // Read more of the file after the `len_` bytes held; false at the end.
    bool fill() {
        if (eof_) return false;
        if (len_ == buf_.size()) buf_.resize(buf_.size() * 2);  // one element larger than the buffer
        const std::size_t got = std::fread(buf_.data() + len_, 1, buf_.size() - len_, f_.get());
        if (got == 0) {
            if (std::ferror(f_.get())) throw input_error(file_, line_, 0, "cannot read file");
            eof_ = true;
            return false;
        }
        len_ += got;
        return true;
    }

    // Index the newlines of buf_[0, end) for at().
    void index_lines(std::size_t end) {
        indexed_ = end;
        newlines_.clear();
        const char* b = buf_.data();
        for (const char* p = b; (p = static_cast<const char*>(std::memchr(p, '\n', end - (p - b)))); ++p)
            newlines_.push_back(static_cast<std::size_t>(p - b));
    }

    // Drop buf_[0, n): the line count moves on. The newlines are counted
    // before a parse changes the buffer (it turns newlines inside attribute
    // values into spaces), so a parsed part keeps its index.
    void consume(std::size_t n) {
        if (indexed_ != n) index_lines(n);
        indexed_ = npos;
        if (newlines_.empty()) column_ += n;
        else {
            line_ += newlines_.size();
            column_ = n - newlines_.back();
        }
        newlines_.clear();
        std::memmove(buf_.data(), buf_.data() + n, len_ - n);
        len_ -= n;
        done_ += n;
    }

    // Skip the byte-order mark, the XML declaration, comments and white
    // space, and the root's start tag. Returns false for an empty root
    // (`<posts/>`).
    bool prolog() {
        while (len_ < 4096 && fill()) {
        }
        std::size_t p = 0;
        if (len_ >= 3 && std::memcmp(buf_.data(), "\xEF\xBB\xBF", 3) == 0) p = 3;
        auto need = [&](std::size_t want) {
            while (len_ < want && fill()) {
            }
            return len_ >= want;
        };
        auto find = [&](std::size_t from, std::string_view what) -> std::size_t {
            for (;;) {
                const std::string_view held(buf_.data(), len_);
                const auto at = held.find(what, from);
                if (at != std::string_view::npos) return at;
                if (!fill()) return std::string_view::npos;
            }
        };
        for (;;) {
            while (need(p + 1) && is_space(buf_[p])) ++p;
            if (!need(p + 1)) fail_at(p, "empty file: expected an XML document with one root element of <row/>s");
            if (buf_[p] != '<') fail_at(p, "expected '<' (the XML declaration or the root element)");
            need(p + 9);
            const std::string_view rest(buf_.data() + p, len_ - p);
            if (rest.starts_with("<?")) {
                const std::size_t end = find(p, "?>");
                if (end == std::string_view::npos) fail_at(p, "unterminated XML declaration (no '?>')");
                const std::string decl = lower(std::string_view(buf_.data() + p, end - p));
                const auto enc = decl.find("encoding");
                if (enc != std::string::npos) {
                    const auto q = decl.find_first_of("\"'", enc);
                    const auto close = q == std::string::npos ? q : decl.find(decl[q], q + 1);
                    const std::string name = close == std::string::npos ? "" : decl.substr(q + 1, close - q - 1);
                    if (name != "utf-8" && name != "utf8")
                        fail_at(p + enc, fmt::format("unsupported encoding '{}': dumps are UTF-8", name));
                }
                p = end + 2;
                continue;
            }
            if (rest.starts_with("<!--")) {
                const std::size_t end = find(p + 4, "-->");
                if (end == std::string_view::npos) fail_at(p, "unterminated comment (no '-->')");
                p = end + 3;
                continue;
            }
            if (rest.starts_with("<!")) fail_at(p, "a DOCTYPE or other declaration is not expected in a dump");
            break;
        }
        // The root's start tag.
        std::size_t q = p + 1;
        while (need(q + 1) && is_name_char(buf_[q])) ++q;
        root_.assign(buf_.data() + p + 1, q - p - 1);
        if (root_.empty()) fail_at(p, "expected the name of the root element after '<'");
        const std::size_t gt = find(q, ">");
        if (gt == std::string_view::npos) fail_at(p, fmt::format("unterminated start tag <{}>", root_));
        const bool empty_root = gt > p && buf_[gt - 1] == '/';
        consume(gt + 1);
        return !empty_root;
    }

    // After the root's end tag (or an empty root), only white space and
    // comments may follow.
    void epilog(std::size_t from) {
        std::size_t p = from;
        for (;;) {
            while (p < len_ || fill()) {
                if (!is_space(buf_[p])) break;
                ++p;
            }
            if (p >= len_) return;
            const std::string_view rest(buf_.data() + p, len_ - p);
            if (rest.starts_with("<!--")) {
                const auto end = rest.find("-->");
                if (end == std::string_view::npos) fail_at(p, "unterminated comment (no '-->')");
                p += end + 3;
                continue;
            }
            fail_at(p, fmt::format("unexpected content after the root element </{}>", root_));
        }
    }

    void run(std::span<const std::string_view> names, const std::function<void(const dump_record&)>& on_row,
             const progress_fn& progress) {
        if (!prolog()) {
            epilog(0);
            return;
        }
        dump_record rec;
        rec.names = names;
        rec.locator = this;
        rec.values.resize(names.size());
        rec.where.resize(names.size());
        std::vector<std::size_t> name_size(names.size());
        for (std::size_t k = 0; k < names.size(); ++k) name_size[k] = names[k].size();
        const std::string end_tag = "</" + root_;
        std::size_t next_report = std::size_t{64} << 20;
        pugi::xml_document doc;
        for (;;) {
            fill();
            // Cut before the last '<' held: what precedes it is complete elements.
            std::size_t cut = len_;
            const char* last = nullptr;
            for (std::size_t back = len_; back > 0; --back)
                if (buf_[back - 1] == '<') {
                    last = buf_.data() + back - 1;
                    break;
                }
            auto is_end_tag = [&](std::string_view at) {
                return at.starts_with(end_tag) && at.size() > end_tag.size() &&
                       (at[end_tag.size()] == '>' || is_space(at[end_tag.size()]));
            };
            std::string_view tail = last ? std::string_view(last, len_ - (last - buf_.data())) : "";
            bool at_end_tag = is_end_tag(tail);
            if (eof_ && !at_end_tag) {
                // The root may end before the last element: what follows it is then an error of its own.
                const std::string_view held(buf_.data(), len_);
                for (auto at = held.find(end_tag); at != std::string_view::npos; at = held.find(end_tag, at + 1))
                    if (is_end_tag(held.substr(at))) {
                        last = buf_.data() + at;
                        tail = held.substr(at);
                        at_end_tag = true;
                        break;
                    }
            }
            if (last) cut = static_cast<std::size_t>(last - buf_.data());
            if (eof_ || at_end_tag) {
                if (!last || !at_end_tag) {
                    if (!eof_) {
                        // the end tag may not be complete yet
                        if (len_ == buf_.size()) buf_.resize(buf_.size() * 2);
                        if (fill()) continue;
                    }
                    // Cut short inside an element, or after the last complete one.
                    if (last && tail.find('>') == std::string_view::npos)
                        fail_at(cut, fmt::format("unexpected end of file inside this element (the file is cut "
                                                 "short?): expected '>' or '/>' and then </{}>",
                                                 root_));
                    fail_at(len_, fmt::format("unexpected end of file: expected the end tag </{}>", root_));
                }
            } else if (cut == 0) {
                // A single element longer than the buffer: read on.
                if (len_ == buf_.size()) buf_.resize(buf_.size() * 2);
                if (fill() || !eof_) continue;
            }
            if (cut > 0) parse(doc, cut, rec, name_size, on_row);
            if (at_end_tag) {
                consume(cut);
                const std::size_t gt = std::string_view(buf_.data(), len_).find('>');
                if (gt == std::string_view::npos) fail_at(0, fmt::format("unterminated end tag </{}>", root_));
                for (std::size_t i = end_tag.size(); i < gt; ++i)
                    if (!is_space(buf_[i])) fail_at(i, fmt::format("expected '>' to close </{}>", root_));
                epilog(gt + 1);
                return;
            }
            consume(cut);
            if (progress && done_ >= next_report) {
                progress(fmt::format("{}: {} of {} MB", std::filesystem::path(file_).filename().string(), done_ >> 20,
                                     total_ >> 20));
                next_report += std::size_t{64} << 20;
            }
        }
    }

private:
    void parse(pugi::xml_document& doc, std::size_t cut, dump_record& rec, const std::vector<std::size_t>& name_size,
               const std::function<void(const dump_record&)>& on_row) {
        index_lines(cut);
        const pugi::xml_parse_result r =
            doc.load_buffer_inplace(buf_.data(), cut, pugi::parse_default | pugi::parse_fragment, pugi::encoding_utf8);
        if (!r) fail_at(static_cast<std::size_t>(r.offset), fmt::format("malformed XML: {}", r.description()));
        const std::size_t n = name_size.size();
        for (pugi::xml_node row = doc.first_child(); row; row = row.next_sibling()) {
            if (row.type() != pugi::node_element || std::strcmp(row.name(), "row") != 0) continue;
            for (std::size_t k = 0; k < n; ++k) {
                rec.values[k] = {};
                rec.where[k] = nullptr;
            }
            rec.row_where = row.name() - 1;
            for (pugi::xml_attribute a = row.first_attribute(); a; a = a.next_attribute()) {
                const char* name = a.name();
                const std::size_t len = std::strlen(name);
                for (std::size_t k = 0; k < n; ++k)
                    if (name_size[k] == len && std::memcmp(rec.names[k].data(), name, len) == 0) {
                        rec.values[k] = a.value();
                        rec.where[k] = a.value();
                        break;
                    }
            }
            on_row(rec);
        }
    }

    std::unique_ptr<std::FILE, file_closer> f_;
    std::vector<char> buf_;
    std::size_t len_ = 0;
    bool eof_ = false;
    std::size_t total_ = 0, done_ = 0;
    std::size_t line_ = 1, column_ = 1;  // of buf_[0]
    std::vector<std::size_t> newlines_;
    static constexpr std::size_t npos = static_cast<std::size_t>(-1);
    std::size_t indexed_ = npos;  // newlines_ indexes buf_[0, indexed_)
    std::string root_;
};

}  // namespace

void read_xml_rows(const std::filesystem::path& file, std::span<const std::string_view> names,
                   const std::function<void(const dump_record&)>& on_row, const progress_fn& progress,
                   std::size_t chunk) {
    xml_stream s(file, chunk);
    s.run(names, on_row, progress);
}

}  // namespace engage_right::detail
