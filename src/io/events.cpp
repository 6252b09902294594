#include "io/table.hpp"
#include "util/parallel.hpp"

#include <engage_right/check.hpp>
#include <engage_right/detail/csv.hpp>
#include <engage_right/detail/id_index.hpp>
#include <engage_right/error.hpp>
#include <engage_right/io.hpp>
#include <engage_right/lead_scoring.hpp>

#include <fmt/format.h>

#include <array>
#include <cmath>
#include <cstring>
#include <deque>
#include <limits>
#include <thread>
#include <unordered_map>

namespace engage_right {

using detail::csv_field;
using detail::parse_real;
using detail::shown;
using detail::trim;

namespace {

constexpr double nan_v = std::numeric_limits<double>::quiet_NaN();

struct string_hash {
    using is_transparent = void;
    detail::sip_key key = detail::random_sip_key();
    std::size_t operator()(std::string_view s) const noexcept { return detail::hash_id(s, key); }
};

}  // namespace

member_read_options lead_read_options(const journey& j) {
    member_read_options o;
    o.stage_optional = true;
    o.needed_by = fmt::format("the fit rules of journey '{}'", j.name());
    for (const auto& r : j.lead_scoring().fit) {
        if (r.type == fit_rule::kind::tag) continue;
        if (r.name == "activity" || r.name == "satisfaction" || r.name == "capacity") continue;
        o.text_columns.push_back(r.name);
        if (r.type == fit_rule::kind::range) o.numeric_columns.push_back(r.name);
    }
    return o;
}

namespace {

struct field_ref {
    std::string_view text;
    std::size_t column = 0;  // 1-based byte column
};

// Action names numbered in order of first appearance. Exports have a handful
// of actions and millions of rows: a flat table with the hash kept beside the
// number beats a node-based map.
class action_index {
public:
    template <class OnNew>
    std::uint32_t find_or_add(std::string_view name, OnNew on_new) {
        const std::uint64_t h = detail::hash_id(name, key_);
        if (slots_.empty()) slots_.assign(64, slot{});
        for (std::size_t p = h & (slots_.size() - 1);; p = (p + 1) & (slots_.size() - 1)) {
            slot& sl = slots_[p];
            if (sl.id == none) {
                sl = {h, static_cast<std::uint32_t>(names.size())};
                names.emplace_back(name);
                on_new();
                if (names.size() * 2 > slots_.size()) grow();
                return static_cast<std::uint32_t>(names.size() - 1);
            }
            if (sl.hash == h && names[sl.id] == name) return sl.id;
        }
    }
    std::deque<std::string> names;

private:
    static constexpr std::uint32_t none = 0xffffffffu;
    struct slot {
        std::uint64_t hash = 0;
        std::uint32_t id = none;
    };
    void grow() {
        std::vector<slot> old(slots_.size() * 2);
        old.swap(slots_);
        for (const slot& sl : old) {
            if (sl.id == none) continue;
            for (std::size_t p = sl.hash & (slots_.size() - 1);; p = (p + 1) & (slots_.size() - 1))
                if (slots_[p].id == none) {
                    slots_[p] = sl;
                    break;
                }
        }
    }
    std::vector<slot> slots_;
    detail::sip_key key_ = detail::random_sip_key();
};

// Events parsed from one part of the file, with actions numbered locally.
struct event_chunk {
    std::vector<std::uint32_t> member, action;
    std::vector<double> timestamp, value;
    action_index actions;
    std::vector<std::uint8_t> per_value;
    std::size_t skipped = 0;
    std::size_t lines = 0;  // line breaks consumed (fast path)
    // First problem, if any.
    bool failed = false;
    std::size_t error_line = 0, error_column = 0;
    std::string error;
};

struct event_context {
    const detail::id_index* ids;
    const journey* j;
    bool skip_unknown;
    bool has_value;
};

// Unix seconds of whole digits, the common case of big exports.
bool fast_integer_time(std::string_view s, double& out) noexcept {
    if (s.empty() || s.size() > 15) return false;
    long long v = 0;
    for (const char ch : s) {
        if (ch < '0' || ch > '9') return false;
        v = v * 10 + (ch - '0');
    }
    out = static_cast<double>(v);
    return true;
}

// Append one event; on a problem record it (column, message) and return false.
bool add_event(event_chunk& c, const event_context& ctx, const field_ref& fm, const field_ref& fa, const field_ref& ft,
               const field_ref* fv, std::uint64_t member_hash) {
    auto fail = [&](const field_ref& at, std::string what) {
        c.failed = true;
        c.error_column = at.column;
        c.error = std::move(what);
        return false;
    };
    const auto who = ctx.ids->find_hashed(fm.text, member_hash);
    if (!who) {
        if (fm.text.empty()) return fail(fm, detail::member_problem("member", fm.text));
        if (ctx.skip_unknown) {
            ++c.skipped;
            return true;
        }
        return fail(fm, detail::member_problem("member", fm.text));
    }
    const std::string_view name = trim(fa.text);
    if (name.empty()) return fail(fa, "action: expected an action name, got an empty field");
    if (auto problem = detail::text_problem(name); !problem.empty()) return fail(fa, "action: " + problem);
    const std::uint32_t action = c.actions.find_or_add(name, [&] {
        const action_points* p = ctx.j->lead_scoring().find_action(name);
        c.per_value.push_back(p && p->per_value ? 1 : 0);
    });
    double ts = 0;
    if (!fast_integer_time(ft.text, ts) || ts > max_timestamp) {
        const auto parsed = parse_timestamp(ft.text);
        if (!parsed) return fail(ft, detail::timestamp_problem(ft.text));
        ts = *parsed;
    }
    double value = nan_v;
    if (fv) {
        if (!trim(fv->text).empty() && !parse_real(fv->text, value))
            return fail(*fv, fmt::format("value: expected a finite number or empty, got {}", shown(fv->text)));
        if (std::isnan(value) && c.per_value[action])
            return fail(*fv,
                        fmt::format("value: action '{}' is scored per value (journey '{}'), so it needs a number here",
                                    name, ctx.j->name()));
    } else if (c.per_value[action]) {
        return fail(fa, fmt::format("action '{}' is scored per value (journey '{}'), but the file has no value column",
                                    name, ctx.j->name()));
    }
    c.member.push_back(*who);
    c.action.push_back(action);
    c.timestamp.push_back(ts);
    if (fv) c.value.push_back(value);
    return true;
}

// Columns of the four known fields.
struct csv_event_layout {
    std::size_t width = 0, member = 0, action = 0, time = 0;
    std::optional<std::size_t> value;
};

// Parse text[begin, end) (whole lines, no quotes, no lone CR) into `c`;
// lines are counted from 0 within the part.
void parse_plain_part(std::string_view text, std::size_t begin, std::size_t end, const csv_event_layout& cols,
                      const event_context& ctx, event_chunk& c) {
    std::vector<field_ref> fields(cols.width);
    {
        // Reserve once: growing 20M-entry vectors costs more than this count.
        std::size_t rows = 1;
        for (const char* p = text.data() + begin;
             (p = static_cast<const char*>(std::memchr(p, '\n', end - std::size_t(p - text.data())))); ++p)
            ++rows;
        c.member.reserve(rows);
        c.action.reserve(rows);
        c.timestamp.reserve(rows);
        if (cols.value) c.value.reserve(rows);
    }
    // Lines are split in batches; the member ids of a batch are hashed and
    // their index slots and ids prefetched before the rows are resolved, so
    // the cache misses of a large id index overlap instead of adding up.
    constexpr std::size_t batch = 32;
    struct pending {
        std::size_t field0 = 0;  // first field in `batch_fields`
        std::size_t line = 0;    // local line number
        std::uint64_t hash = 0;
    };
    std::vector<field_ref> batch_fields(batch * cols.width);
    std::array<pending, batch> rows{};
    std::size_t pos = begin;
    bool done = false;
    while (!done) {
        std::size_t count = 0;
        while (count < batch && pos < end) {
            const char* nl = static_cast<const char*>(std::memchr(text.data() + pos, '\n', end - pos));
            const std::size_t line_end = nl ? static_cast<std::size_t>(nl - text.data()) : end;
            std::size_t stop = line_end;
            if (stop > pos && text[stop - 1] == '\r') --stop;
            if (stop > pos) {  // blank lines are skipped, as by the general reader
                field_ref* out = &batch_fields[count * cols.width];
                std::size_t n_fields = 0, field_start = pos, surplus_column = 0;
                for (std::size_t k = pos;; ++k) {
                    if (k == stop || text[k] == ',') {
                        if (n_fields < cols.width)
                            out[n_fields] = {text.substr(field_start, k - field_start), field_start - pos + 1};
                        else if (n_fields == cols.width) surplus_column = field_start - pos + 1;
                        ++n_fields;
                        field_start = k + 1;
                        if (k == stop) break;
                    }
                }
                if (n_fields != cols.width) {
                    // Resolve the rows before this one first: their errors come first.
                    pos = end;
                    c.failed = true;
                    c.error_line = c.lines;
                    c.error_column = n_fields > cols.width ? surplus_column : 0;
                    c.error = detail::field_count_problem(cols.width, n_fields);
                    break;
                }
                rows[count] = {count * cols.width, c.lines, ctx.ids->hash(out[cols.member].text)};
                ctx.ids->prefetch(rows[count].hash);
                ++count;
            }
            if (!nl) {
                pos = end;
                break;
            }
            ++c.lines;
            pos = line_end + 1;
        }
        for (std::size_t b = 0; b < count; ++b) ctx.ids->prefetch_id(rows[b].hash);
        const bool width_error = c.failed;
        for (std::size_t b = 0; b < count; ++b) {
            const field_ref* f = &batch_fields[rows[b].field0];
            c.failed = false;
            if (!add_event(c, ctx, f[cols.member], f[cols.action], f[cols.time], cols.value ? &f[*cols.value] : nullptr,
                           rows[b].hash)) {
                c.error_line = rows[b].line;
                return;
            }
        }
        if (width_error) {
            c.failed = true;
            return;
        }
        done = pos >= end;
    }
}

// The plain fast path applies to files without quotes and without lone CRs.
bool plain_text(std::string_view text) noexcept {
    if (std::memchr(text.data(), '"', text.size())) return false;
    for (const char* p = text.data();
         (p = static_cast<const char*>(std::memchr(p, '\r', text.size() - std::size_t(p - text.data())))); ++p)
        if (p + 1 == text.data() + text.size() || p[1] != '\n') return false;
    return true;
}

}  // namespace

event_table parse_events(std::string_view text, const member_table& members, const journey& j, std::string_view source,
                         const event_read_options& options) {
    detail::csv_table r(text, std::string(source));
    std::vector<csv_field> row;
    const std::size_t header_line = r.header_line();
    csv_event_layout cols;
    cols.width = r.width();
    cols.member = r.require("member");
    cols.action = r.require("action");
    cols.time = r.require("timestamp");
    cols.value = r.optional("value");

    detail::id_index index;
    (void)index.build(members.id);
    const event_context ctx{&index, &j, options.skip_unknown_members, cols.value.has_value()};

    std::vector<event_chunk> chunks;
    // Where the data starts: just past the header's line break.
    std::size_t data_begin = 0;
    for (std::size_t seen = 1; seen <= header_line && data_begin < text.size(); ++data_begin)
        if (text[data_begin] == '\n') ++seen;
    if (plain_text(text) && data_begin <= text.size()) {
        // Split the data into parts at line breaks and parse them in parallel.
        const std::size_t size = text.size() - data_begin;
        const unsigned parts = size < (1u << 22) ? 1u : detail::thread_count(0);
        std::vector<std::size_t> cut{data_begin};
        for (unsigned k = 1; k < parts; ++k) {
            std::size_t at = std::max(cut.back(), data_begin + size / parts * k);
            const void* nl = at < text.size() ? std::memchr(text.data() + at, '\n', text.size() - at) : nullptr;
            at = nl ? static_cast<std::size_t>(static_cast<const char*>(nl) - text.data()) + 1 : text.size();
            cut.push_back(at);
        }
        cut.push_back(text.size());
        chunks.resize(parts);
        std::vector<std::thread> pool;
        for (unsigned k = 1; k < parts; ++k)
            pool.emplace_back([&, k] { parse_plain_part(text, cut[k], cut[k + 1], cols, ctx, chunks[k]); });
        parse_plain_part(text, cut[0], cut[1], cols, ctx, chunks[0]);
        for (auto& th : pool) th.join();
        std::size_t line = header_line + 1;
        for (const auto& c : chunks) {
            if (c.failed) throw input_error(std::string(source), line + c.error_line, c.error_column, c.error);
            line += c.lines;
        }
    } else {
        event_chunk& c = chunks.emplace_back();
        std::vector<field_ref> f;
        while (r.next(row)) {
            f.clear();
            for (const auto& x : row) f.push_back({x.text, x.column});
            if (!add_event(c, ctx, f[cols.member], f[cols.action], f[cols.time], cols.value ? &f[*cols.value] : nullptr,
                           index.hash(f[cols.member].text)))
                r.fail(r.reader().record_line(), c.error_column, c.error);
        }
    }

    // Concatenate the parts, numbering actions by first appearance in the file.
    event_table t;
    std::size_t total = 0;
    for (const auto& c : chunks) total += c.member.size();
    if (total >= std::numeric_limits<std::uint32_t>::max())
        throw input_error(std::string(source), 0, 0, "too many events (at most 4,294,967,294)");
    t.member.reserve(total);
    t.action.reserve(total);
    t.timestamp.reserve(total);
    if (cols.value) t.value.reserve(total);
    std::unordered_map<std::string_view, std::uint32_t, string_hash, std::equal_to<>> global;
    for (auto& c : chunks) {
        const auto& names = c.actions.names;
        std::vector<std::uint32_t> remap(names.size());
        for (std::size_t a = 0; a < names.size(); ++a) {
            auto it = global.find(names[a]);
            if (it == global.end()) {
                t.action_names.push_back(names[a]);
                it = global.emplace(names[a], static_cast<std::uint32_t>(t.action_names.size() - 1)).first;
            }
            remap[a] = it->second;
        }
        t.member.insert(t.member.end(), c.member.begin(), c.member.end());
        for (const auto a : c.action) t.action.push_back(remap[a]);
        t.timestamp.insert(t.timestamp.end(), c.timestamp.begin(), c.timestamp.end());
        t.value.insert(t.value.end(), c.value.begin(), c.value.end());
        t.skipped_unknown_members += c.skipped;
        std::vector<std::uint32_t>().swap(c.member);
        std::vector<std::uint32_t>().swap(c.action);
        std::vector<double>().swap(c.timestamp);
        std::vector<double>().swap(c.value);
    }
    return t;
}

event_table read_events(const std::filesystem::path& path, const member_table& members, const journey& j,
                        const event_read_options& options) {
    return parse_events(read_file(path), members, j, path.string(), options);
}

// ------------------------------------------------------- from columns ---

event_table build_events(const event_columns& c, std::size_t member_count, const journey& j) {
    const std::size_t n = c.member.size();
    if (c.action.size() != n || c.timestamp.size() != n)
        throw config_error("events: member, action and timestamp columns differ in length");
    if (c.value && c.value_text) throw config_error("events: give the values as numbers or as text, not both");
    if (c.value && c.value->size() != n) throw config_error("events: value column has the wrong length");
    if (c.value_text && c.value_text->size() != n) throw config_error("events: value column has the wrong length");
    if (!c.origin.empty() && c.origin.size() != n) throw config_error("events: origin has the wrong length");
    if (n >= std::numeric_limits<std::uint32_t>::max()) throw config_error("too many events (at most 4,294,967,294)");
    const auto& names = c.action_names;
    // Per action: scored per value?
    std::vector<std::uint8_t> per_value(names.size(), 0);
    for (std::size_t a = 0; a < names.size(); ++a) {
        if (trim(names[a]).empty() || trim(names[a]).size() != names[a].size())
            throw config_error(
                fmt::format("events: action name {} is empty or not trimmed", detail::shown_in_row(names[a])));
        if (auto problem = detail::text_problem(names[a]); !problem.empty())
            throw config_error(fmt::format("events: action name {}: {}", detail::shown_in_row(names[a]), problem));
        for (std::size_t b = 0; b < a; ++b)
            if (names[a] == names[b])
                throw config_error(fmt::format("events: action name {} given twice", detail::shown_in_row(names[a])));
        const action_points* p = j.lead_scoring().find_action(names[a]);
        per_value[a] = p && p->per_value ? 1 : 0;
    }
    event_table out;
    event_table* t = &out;
    const std::uint32_t* r = c.member.data();
    const std::uint32_t* ac = c.action.data();
    const double* ts = c.timestamp.data();
    // Text values: parsed up front; the first bad cell is reported in row order below.
    std::vector<double> parsed;
    std::size_t bad_text = n;
    if (c.value_text) {
        parsed.assign(n, nan_v);
        for (std::size_t k = 0; k < n && bad_text == n; ++k) {
            const std::string& text = (*c.value_text)[k];
            if (!trim(text).empty() && !parse_real(text, parsed[k])) bad_text = k;
        }
    }
    const double* v = c.value ? c.value->data() : c.value_text ? parsed.data() : nullptr;
    const std::int64_t* at = c.origin.empty() ? nullptr : c.origin.data();
    {
        auto row_of = [&](std::size_t k) { return at ? static_cast<long long>(at[k]) : static_cast<long long>(k); };
        for (std::size_t k = 0; k < n; ++k) {
            if (r[k] >= member_count)
                throw config_error(fmt::format("events row {}: member row {} is outside the member table ({} rows)",
                                               row_of(k), r[k], member_count));
            if (ac[k] >= names.size())
                throw config_error(fmt::format("events row {}: action code {} is outside the {} action names",
                                               row_of(k), ac[k], names.size()));
            if (auto problem = time_problem(ts[k]); !problem.empty())
                throw config_error(fmt::format("events row {}: {}", row_of(k), problem));
            if (k == bad_text)
                throw config_error(fmt::format("events row {}: value: expected a finite number or empty, got {}",
                                               row_of(k), detail::shown_in_row((*c.value_text)[k])));
            if (v && std::isinf(v[k]))
                throw config_error(
                    fmt::format("events row {}: value: expected a finite number or empty, got {}", row_of(k), v[k]));
            if (per_value[ac[k]] && !v)
                throw config_error(
                    fmt::format("events row {}: action '{}' is scored per value (journey '{}'), but the "
                                "events have no value column",
                                row_of(k), names[ac[k]], j.name()));
            if (per_value[ac[k]] && std::isnan(v[k]))
                throw config_error(fmt::format(
                    "events row {}: value: action '{}' is scored per value (journey '{}'), so it needs a number here",
                    row_of(k), names[ac[k]], j.name()));
        }
        t->member.assign(r, r + n);
        t->timestamp.assign(ts, ts + n);
        if (v) t->value.assign(v, v + n);
        // Number the actions by first appearance and drop unused names, as
        // the CSV reader does (ties in time are summed in action order, so
        // this keeps results identical to reading the same events from CSV).
        constexpr std::uint32_t unseen = std::numeric_limits<std::uint32_t>::max();
        std::vector<std::uint32_t> renumber(names.size(), unseen);
        t->action.resize(n);
        for (std::size_t k = 0; k < n; ++k) {
            std::uint32_t& to = renumber[ac[k]];
            if (to == unseen) {
                to = static_cast<std::uint32_t>(t->action_names.size());
                t->action_names.push_back(names[ac[k]]);
            }
            t->action[k] = to;
        }
    }
    t->skipped_unknown_members = c.skipped;
    return out;
}

}  // namespace engage_right

// ------------------------------------------------- members of events ---

namespace engage_right {

member_table parse_event_members(std::string_view text, std::string_view source) {
    detail::csv_table r(text, std::string(source));
    const std::size_t col = r.require("member");
    std::vector<csv_field> row;
    member_table t;
    // Ids as the events reader looks them up: the cell's text as it is.
    std::unordered_map<std::string, std::uint32_t, string_hash, std::equal_to<>> seen;
    while (r.next(row)) {
        const csv_field& f = row[col];
        if (f.text.empty()) r.fail(f, detail::member_problem("member", f.text));
        if (seen.find(f.text) != seen.end()) continue;
        seen.emplace(std::string(f.text), static_cast<std::uint32_t>(t.id.size()));
        t.id.emplace_back(f.text);
    }
    t.stage.assign(t.id.size(), 0);
    t.stage_known.assign(t.id.size(), 0);
    return t;
}

member_table read_event_members(const std::filesystem::path& path) {
    return parse_event_members(read_file(path), path.string());
}

}  // namespace engage_right
