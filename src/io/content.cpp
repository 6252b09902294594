// content.csv and content columns (DataFrames): one row builder, so that a
// cell is accepted or refused the same way from a file and from a frame.
#include "io/member_rows.hpp"
#include "io/table.hpp"

#include <engage_right/detail/csv.hpp>
#include <engage_right/detail/id_index.hpp>
#include <engage_right/error.hpp>
#include <engage_right/io.hpp>

#include <fmt/format.h>

#include <cmath>
#include <functional>
#include <limits>
#include <optional>

namespace engage_right {

using detail::csv_field;
using detail::parse_number;
using detail::shown;
using detail::trim;

namespace {

constexpr double nan_v = std::numeric_limits<double>::quiet_NaN();
constexpr const char* score_expected = "score: expected a finite number or empty";
constexpr const char* accepted_expected = "accepted: expected 1, 0, true, false or empty";

// Row by row; every cell method returns what is wrong with the cell (empty
// when fine), the caller says where.
class content_rows {
public:
    explicit content_rows(std::string (*quote)(std::string_view)) : quote_(quote), tags_(t_.tag_names) {
        t_.tag_offsets.push_back(0);
    }

    std::string id(std::string_view text) {
        if (text.empty()) return "id: expected a unique, non-empty content id, got an empty field";
        t_.id.emplace_back(text);
        return {};
    }
    void author(std::string_view text) { t_.author.emplace_back(trim(text)); }
    std::string kind(std::string_view text) {
        const std::string_view k = trim(text);
        if (k.empty()) return "kind: expected the kind of item (question, answer, comment, ...), got an empty field";
        t_.kind.push_back(detail::lower(k));
        return {};
    }
    void parent(std::string_view text) { parent_text_.emplace_back(trim(text)); }
    std::string created(std::string_view text) {
        if (trim(text).empty()) return "created: expected unix seconds or ISO-8601, got an empty field";
        const auto v = parse_timestamp(text);
        if (!v) return detail::timestamp_expected("created") + ", got " + quote_(text);
        t_.created.push_back(*v);
        return {};
    }
    std::string created(double v) {
        if (auto problem = time_problem(v); !problem.empty()) return "created: " + problem.substr(11);
        t_.created.push_back(v);
        return {};
    }
    void tags(std::string_view joined) {
        tags_.split(joined, t_.tag_ids);
        t_.tag_offsets.push_back(static_cast<std::uint32_t>(t_.tag_ids.size()));
    }
    std::string score(std::string_view text) {
        double v = nan_v;
        if (!trim(text).empty() && !parse_number(text, v))
            return fmt::format("{}, got {}", score_expected, quote_(text));
        t_.score.push_back(v);
        return {};
    }
    std::string score(double v) {
        if (std::isinf(v)) return fmt::format("{}, got {}", score_expected, v);
        t_.score.push_back(v);
        return {};
    }
    template <class V>
    std::string accepted(V value) {
        std::uint8_t f = 0;
        if (!detail::flag_value(value, f)) {
            if constexpr (std::is_same_v<V, double>) return fmt::format("{}, got {}", accepted_expected, value);
            else return fmt::format("{}, got {}", accepted_expected, quote_(value));
        }
        t_.accepted.push_back(f);
        return {};
    }
    void title(std::string_view text) { t_.title.emplace_back(text); }
    void url(std::string_view text) { t_.url.emplace_back(trim(text)); }

    std::size_t rows() const noexcept { return t_.id.size(); }

    // Resolve parents and threads. `where(row, what)` throws at the parent
    // cell of a row.
    template <class Where>
    content_table finish(feature_block features, Where where) {
        const std::size_t n = t_.id.size();
        detail::id_index index;
        if (auto dup = index.build(t_.id))
            where(*dup,
                  fmt::format("duplicate id {} (first in {})", quote_(t_.id[*dup]), first_of(*index.find(t_.id[*dup]))),
                  false);
        t_.parent.assign(n, content_table::no_parent);
        for (std::size_t i = 0; i < n; ++i) {
            if (parent_text_[i].empty()) continue;
            const auto at = index.find(parent_text_[i]);
            if (!at)
                where(i, fmt::format("parent: unknown content id {} (not in the content)", quote_(parent_text_[i])),
                      true);
            if (*at == i) where(i, "parent: an item cannot be its own parent", true);
            t_.parent[i] = static_cast<std::uint32_t>(*at);
        }
        // Threads: follow parent chains (iteratively), marking the path.
        t_.thread.assign(n, content_table::no_parent);
        std::vector<std::uint8_t> state(n, 0);  // 0 new, 1 on the current path, 2 done
        std::vector<std::uint32_t> path;
        for (std::size_t i = 0; i < n; ++i) {
            if (state[i] == 2) continue;
            path.clear();
            auto x = static_cast<std::uint32_t>(i);
            std::uint32_t root = content_table::no_parent;
            for (;;) {
                if (state[x] == 2) {
                    root = t_.thread[x];
                    break;
                }
                if (state[x] == 1)
                    where(x, fmt::format("parent: the parent chain of {} loops", quote_(t_.id[x])), true);
                state[x] = 1;
                path.push_back(x);
                if (t_.parent[x] == content_table::no_parent) {
                    root = x;
                    break;
                }
                x = t_.parent[x];
            }
            for (auto p : path) {
                t_.thread[p] = root;
                state[p] = 2;
            }
        }
        t_.features = std::move(features);
        return std::move(t_);
    }

    std::function<std::string(std::size_t)> first_of;  // "line N" or "row N" of a row

private:
    std::string (*quote_)(std::string_view);
    content_table t_;
    detail::tag_vocabulary tags_;
    std::vector<std::string> parent_text_;
};

}  // namespace

content_table parse_content(std::string_view text, std::string_view source) {
    detail::csv_table r(text, std::string(source));
    const std::size_t c_id = r.require("id");
    const std::size_t c_author = r.require("author");
    const std::size_t c_kind = r.require("kind");
    const std::size_t c_parent = r.require("parent");
    const std::size_t c_created = r.require("created");
    const std::size_t c_tags = r.require("tags");
    const auto c_score = r.optional("score");
    const auto c_accepted = r.optional("accepted");
    const auto c_title = r.optional("title");
    const auto c_url = r.optional("url");
    const std::vector<std::size_t> feature_col = detail::feature_columns(r);
    const std::size_t d = feature_col.size();

    content_rows t(&shown);
    std::vector<float> feats;
    std::vector<std::size_t> lines;
    std::vector<std::pair<std::size_t, std::size_t>> parent_at;  // (line, column) of each parent cell
    std::vector<csv_field> row;
    auto check = [&](const csv_field& f, const std::string& problem) {
        if (!problem.empty()) r.fail(f, problem);
    };
    while (r.next(row)) {
        check(row[c_id], t.id(row[c_id].text));
        t.author(row[c_author].text);
        check(row[c_kind], t.kind(row[c_kind].text));
        t.parent(row[c_parent].text);
        parent_at.emplace_back(row[c_parent].line, row[c_parent].column);
        check(row[c_created], t.created(row[c_created].text));
        t.tags(row[c_tags].text);
        if (c_score) check(row[*c_score], t.score(row[*c_score].text));
        if (c_accepted) check(row[*c_accepted], t.accepted(std::string_view(row[*c_accepted].text)));
        if (c_title) t.title(row[*c_title].text);
        if (c_url) t.url(row[*c_url].text);
        for (std::size_t k = 0; k < d; ++k) {
            const csv_field& f = row[feature_col[k]];
            float v = 0;
            if (!parse_number(f.text, v)) r.fail(f, detail::member_rows::feature_problem(k, shown(f.text)));
            feats.push_back(v);
        }
        lines.push_back(r.reader().record_line());
        if (t.rows() >= content_table::no_parent) r.fail(r.reader().record_line(), 0, "too many content rows");
    }
    t.first_of = [&](std::size_t i) { return fmt::format("line {}", lines[i]); };
    const std::size_t n = lines.size();
    return t.finish(feature_block::own(std::move(feats), n, d),
                    [&](std::size_t i, const std::string& what, bool at_parent) {
                        if (at_parent) r.fail(parent_at[i].first, parent_at[i].second, what);
                        r.fail(lines[i], 0, what);
                    });
}

content_table read_content(const std::filesystem::path& path) { return parse_content(read_file(path), path.string()); }

content_table build_content(const content_columns& cols) {
    const std::size_t n = cols.id.size();
    auto check_length = [&](std::string_view name, std::size_t got) {
        if (got != n) throw config_error(fmt::format("content column '{}' has {} values, expected {}", name, got, n));
    };
    check_length("author", cols.author.size());
    check_length("kind", cols.kind.size());
    check_length("parent", cols.parent.size());
    check_length("created", cols.created.size());
    if (cols.tags) check_length("tags", cols.tags->size());
    if (!std::holds_alternative<std::monostate>(cols.score)) check_length("score", detail::column_size(cols.score));
    if (!std::holds_alternative<std::monostate>(cols.accepted))
        check_length("accepted", detail::column_size(cols.accepted));
    if (cols.title) check_length("title", cols.title->size());
    if (cols.url) check_length("url", cols.url->size());
    if (cols.features.dims > 0 && cols.features.rows != n)
        throw config_error(fmt::format("content features have {} rows, expected {}", cols.features.rows, n));
    if (n >= content_table::no_parent) throw config_error("content: too many rows");

    content_rows t(&detail::shown_in_row);
    auto check = [](std::size_t row, const std::string& problem) {
        if (!problem.empty()) throw config_error(fmt::format("content row {}: {}", row, problem));
    };
    auto cell = [](const data_column& c, std::size_t i, auto rule) -> std::string {
        if (const auto* d = std::get_if<std::vector<double>>(&c)) return rule((*d)[i]);
        if (const auto* s = std::get_if<std::vector<std::string>>(&c)) return rule(std::string_view((*s)[i]));
        return {};
    };
    const float* f = cols.features.data;
    const std::size_t d = cols.features.dims;
    for (std::size_t i = 0; i < n; ++i) {
        check(i, t.id(cols.id[i]));
        t.author(cols.author[i]);
        check(i, t.kind(cols.kind[i]));
        t.parent(cols.parent[i]);
        check(i, t.created(cols.created[i]));
        t.tags(cols.tags ? std::string_view((*cols.tags)[i]) : std::string_view());
        check(i, cell(cols.score, i, [&](auto v) { return t.score(v); }));
        check(i, cell(cols.accepted, i, [&](auto v) { return t.accepted(v); }));
        if (cols.title) t.title((*cols.title)[i]);
        if (cols.url) t.url((*cols.url)[i]);
        for (std::size_t k = 0; k < d; ++k)
            if (!std::isfinite(f[i * d + k]))
                check(i, detail::member_rows::feature_problem(k, fmt::format("{}", f[i * d + k])));
    }
    t.first_of = [](std::size_t i) { return fmt::format("row {}", i); };
    return t.finish(cols.features, [](std::size_t i, const std::string& what, bool) {
        throw config_error(fmt::format("content row {}: {}", i, what));
    });
}

}  // namespace engage_right
