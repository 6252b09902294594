#include <engage_right/detail/csv.hpp>
#include <engage_right/detail/id_index.hpp>
#include <engage_right/error.hpp>
#include <engage_right/lead_scoring.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cmath>
#include <cstring>
#include <array>
#include <deque>
#include <fstream>
#include <ostream>
#include <limits>
#include <numeric>
#include <thread>
#include <unordered_map>

namespace engage_right {

using detail::csv_field;
using detail::csv_reader;
using detail::trim;
using detail::lower;
using detail::shown;
using detail::parse_real;

namespace {

constexpr double nan_v = std::numeric_limits<double>::quiet_NaN();
constexpr double seconds_per_day = 86400.0;

bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        auto x = static_cast<unsigned char>(a[i]);
        auto y = static_cast<unsigned char>(b[i]);
        if (x >= 'A' && x <= 'Z') x = static_cast<unsigned char>(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z') y = static_cast<unsigned char>(y - 'A' + 'a');
        if (x != y) return false;
    }
    return true;
}

struct string_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return detail::hash_id(s); }
};

unsigned worker_count(unsigned requested, std::size_t work) {
    unsigned t = requested ? requested : std::max(1u, std::thread::hardware_concurrency());
    if (work < 20000) t = 1;
    return t;
}

// Run body(first, last) over [0, n) in chunks on `threads` workers.
template <class Body>
void parallel_chunks(std::size_t n, unsigned threads, Body body) {
    constexpr std::size_t chunk = 2048;
    std::atomic<std::size_t> next{0};
    std::exception_ptr failure;
    std::atomic<bool> failed{false};
    auto work = [&] {
        try {
            for (;;) {
                const std::size_t first = next.fetch_add(chunk);
                if (first >= n || failed.load()) return;
                body(first, std::min(n, first + chunk));
            }
        } catch (...) {
            if (!failed.exchange(true)) failure = std::current_exception();
        }
    };
    if (threads <= 1) {
        work();
    } else {
        std::vector<std::thread> pool;
        for (unsigned i = 0; i < threads; ++i) pool.emplace_back(work);
        for (auto& th : pool) th.join();
    }
    if (failure) std::rethrow_exception(failure);
}

}  // namespace

// ------------------------------------------------------------ reading ---

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
        const std::uint64_t h = detail::hash_id(name);
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
        if (fm.text.empty()) return fail(fm, "member: expected a member id, got an empty field");
        if (ctx.skip_unknown) {
            ++c.skipped;
            return true;
        }
        return fail(fm, fmt::format("member: unknown member id {} (not in the members file)", shown(fm.text)));
    }
    const std::string_view name = trim(fa.text);
    if (name.empty()) return fail(fa, "action: expected an action name, got an empty field");
    const std::uint32_t action = c.actions.find_or_add(name, [&] {
        const action_points* p = ctx.j->lead_scoring().find_action(name);
        c.per_value.push_back(p && p->per_value ? 1 : 0);
    });
    double ts = 0;
    if (!fast_integer_time(ft.text, ts)) {
        const auto parsed = parse_timestamp(ft.text);
        if (!parsed)
            return fail(ft, fmt::format("timestamp: expected unix seconds or ISO-8601 (e.g. 2026-03-14T09:30:00Z), got {}",
                                        shown(ft.text)));
        ts = *parsed;
    }
    double value = nan_v;
    if (fv) {
        if (!trim(fv->text).empty() && !parse_real(fv->text, value))
            return fail(*fv, fmt::format("value: expected a finite number or empty, got {}", shown(fv->text)));
        if (std::isnan(value) && c.per_value[action])
            return fail(*fv, fmt::format("value: action '{}' is scored per value (journey '{}'), so it needs a number here",
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
struct event_columns {
    std::size_t width = 0, member = 0, action = 0, time = 0;
    std::optional<std::size_t> value;
};

// Parse text[begin, end) (whole lines, no quotes, no lone CR) into `c`;
// lines are counted from 0 within the part.
void parse_plain_part(std::string_view text, std::size_t begin, std::size_t end, const event_columns& cols,
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
                        if (n_fields < cols.width) out[n_fields] = {text.substr(field_start, k - field_start), field_start - pos + 1};
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
                    c.error = fmt::format("expected {} fields as in the header, got {}", cols.width, n_fields);
                    break;
                }
                rows[count] = {count * cols.width, c.lines, detail::hash_id(out[cols.member].text)};
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
    for (const char* p = text.data(); (p = static_cast<const char*>(std::memchr(p, '\r', text.size() - std::size_t(p - text.data()))));
         ++p)
        if (p + 1 == text.data() + text.size() || p[1] != '\n') return false;
    return true;
}

}  // namespace

event_table parse_events(std::string_view text, const member_table& members, const journey& j,
                         std::string_view source, const event_read_options& options) {
    csv_reader r(text, std::string(source));
    std::vector<csv_field> row;
    if (!r.next(row)) r.fail(1, 0, "empty file: expected a header line naming the columns");
    const std::size_t header_line = r.record_line();
    detail::csv_header h;
    for (const auto& f : row) h.names.push_back(lower(trim(f.text)));
    const std::vector<csv_field> header_fields = row;
    auto column = [&](std::string_view name, bool required) -> std::optional<std::size_t> {
        const auto at = h.find(name);
        if (!at && required) {
            std::string cols;
            for (const auto& n : h.names) cols += (cols.empty() ? "" : ", ") + n;
            r.fail(header_line, 0, fmt::format("missing required column '{}' (header has: {})", name, cols));
        }
        if (at)
            for (std::size_t i = *at + 1; i < h.names.size(); ++i)
                if (h.names[i] == name) r.fail(header_fields[i], fmt::format("column '{}' appears twice in the header", name));
        return at;
    };
    event_columns cols;
    cols.width = h.names.size();
    cols.member = *column("member", true);
    cols.action = *column("action", true);
    cols.time = *column("timestamp", true);
    cols.value = column("value", false);

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
        const unsigned parts = size < (1u << 22) ? 1u : std::max(1u, std::thread::hardware_concurrency());
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
            if (row.size() != cols.width)
                r.fail(r.record_line(), row.size() > cols.width ? row[cols.width].column : 0,
                       fmt::format("expected {} fields as in the header, got {}", cols.width, row.size()));
            f.clear();
            for (const auto& x : row) f.push_back({x.text, x.column});
            if (!add_event(c, ctx, f[cols.member], f[cols.action], f[cols.time], cols.value ? &f[*cols.value] : nullptr,
                           detail::hash_id(f[cols.member].text)))
                r.fail(r.record_line(), c.error_column, c.error);
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
    const std::string text = read_file(path);
    return parse_events(text, members, j, path.string(), options);
}

// ------------------------------------------------------------ scoring ---

namespace {

struct action_info {
    double points = 0;
    bool per_value = false;
    int slot = -1;  // milestone slot, -1 when no milestone names the action
};

struct compiled_rule {
    std::optional<double> min_score, min_fit, min_engagement;
    std::vector<std::pair<std::vector<std::size_t>, std::uint32_t>> milestones;  // (slots that count, at_least)
};

// Everything the per-member pass needs, resolved once.
struct plan {
    std::vector<action_info> actions;  // per event_table action index
    std::vector<std::string> slot_names;
    std::vector<compiled_rule> rules;  // per stage; [0] unused
    double half_life_seconds = 0;      // 0: no decay
    double as_of = nan_v;
    bool inference = false;
};

plan make_plan(const event_table& events, const journey& j, const lead_options& options, bool inference) {
    plan p;
    p.inference = inference;
    const auto& ls = j.lead_scoring();
    if (ls.half_life_days) p.half_life_seconds = *ls.half_life_days * seconds_per_day;
    if (options.as_of) {
        if (!std::isfinite(*options.as_of)) throw config_error("as_of must be a finite time");
        p.as_of = *options.as_of;
    } else if (!events.timestamp.empty()) {
        p.as_of = *std::max_element(events.timestamp.begin(), events.timestamp.end());
    }
    auto slot_of = [&](const std::string& action) {
        for (std::size_t i = 0; i < p.slot_names.size(); ++i)
            if (p.slot_names[i] == action) return i;
        p.slot_names.push_back(action);
        return p.slot_names.size() - 1;
    };
    if (inference) {
        p.rules.resize(j.stage_count());
        for (std::size_t s = 1; s < j.stage_count(); ++s) {
            const stage_rule* rule = j.rule(static_cast<stage_index>(s));
            if (!rule)
                throw config_error(fmt::format(
                    "journey '{}' has no stage rule for '{}' ($.stage_rules.{}); stage inference needs one for every "
                    "stage after the first ({{}} for no requirement)",
                    j.name(), j.stage_name(static_cast<stage_index>(s)), j.stage_name(static_cast<stage_index>(s))));
            compiled_rule& c = p.rules[s];
            c.min_score = rule->min_score;
            c.min_fit = rule->min_fit;
            c.min_engagement = rule->min_engagement;
            for (const auto& m : rule->milestones) {
                std::vector<std::size_t> slots;
                for (const auto& a : m.actions()) {
                    const std::size_t sl = slot_of(a);
                    if (std::find(slots.begin(), slots.end(), sl) == slots.end()) slots.push_back(sl);
                }
                c.milestones.emplace_back(std::move(slots), m.at_least);
            }
        }
    }
    p.actions.resize(events.action_names.size());
    for (std::size_t a = 0; a < events.action_names.size(); ++a) {
        const std::string& name = events.action_names[a];
        if (const action_points* pts = ls.find_action(name)) {
            p.actions[a].points = pts->points;
            p.actions[a].per_value = pts->per_value;
        }
        for (std::size_t i = 0; i < p.slot_names.size(); ++i)
            if (p.slot_names[i] == name) p.actions[a].slot = static_cast<int>(i);
    }
    for (std::size_t a = 0; a < events.action_names.size(); ++a)
        if (p.actions[a].per_value && events.value.empty())
            throw config_error(fmt::format("action '{}' is scored per value, but the events have no value column",
                                           events.action_names[a]));
    return p;
}

// Fit points of every member row.
std::vector<double> fit_points(const member_table& m, const journey& j) {
    const std::size_t n = m.size();
    std::vector<double> fit(n, 0.0);
    const auto& rules = j.lead_scoring().fit;
    for (std::size_t k = 0; k < rules.size(); ++k) {
        const fit_rule& r = rules[k];
        if (r.type == fit_rule::kind::tag) {
            std::optional<std::uint32_t> tag;
            for (std::size_t t = 0; t < m.tag_names.size(); ++t)
                if (m.tag_names[t] == r.name) tag = static_cast<std::uint32_t>(t);
            if (!tag || m.tag_offsets.size() != n + 1) continue;
            for (std::size_t i = 0; i < n; ++i) {
                const auto* b = m.tag_ids.data() + m.tag_offsets[i];
                const auto* e = m.tag_ids.data() + m.tag_offsets[i + 1];
                if (std::find(b, e, *tag) != e) fit[i] += r.points;
            }
            continue;
        }
        auto add_range = [&](auto value_of) {
            for (std::size_t i = 0; i < n; ++i) {
                const double v = value_of(i);
                if (!std::isnan(v) && v >= r.min && v <= r.max) fit[i] += r.points;
            }
        };
        if (r.name == "activity") {
            if (m.activity.size() == n) add_range([&](std::size_t i) { return m.activity[i]; });
            continue;
        }
        if (r.name == "satisfaction") {
            if (m.satisfaction.size() == n)
                add_range([&](std::size_t i) { return m.satisfaction[i] < 0 ? nan_v : double(m.satisfaction[i]); });
            continue;
        }
        if (r.name == "capacity") {
            if (m.capacity.size() == n)
                add_range([&](std::size_t i) { return m.capacity[i] < 0 ? nan_v : double(m.capacity[i]); });
            continue;
        }
        const auto* col = m.find_extra(r.name);
        if (!col || col->values.size() != n)
            throw config_error(fmt::format("fit rule $.lead_scoring.fit[{}] of journey '{}' needs the members column "
                                           "'{}', which was not read",
                                           k, j.name(), r.name));
        if (r.type == fit_rule::kind::equals) {
            for (std::size_t i = 0; i < n; ++i)
                if (!col->values[i].empty() && iequals(trim(col->values[i]), r.text)) fit[i] += r.points;
        } else {
            for (std::size_t i = 0; i < n; ++i) {
                const std::string_view cell = trim(col->values[i]);
                if (cell.empty()) continue;
                double v = 0;
                if (!parse_real(cell, v))
                    throw config_error(fmt::format("member row {} ({}): column '{}' is {}, expected a number for fit rule "
                                                   "$.lead_scoring.fit[{}]",
                                                   i, shown(m.id[i]), r.name, shown(cell), k));
                if (v >= r.min && v <= r.max) fit[i] += r.points;
            }
        }
    }
    return fit;
}

bool rule_holds(const compiled_rule& r, double fit, double engagement, const std::uint32_t* counts) noexcept {
    const double total = fit + engagement;
    if (r.min_score && !(total >= *r.min_score)) return false;
    if (r.min_fit && !(fit >= *r.min_fit)) return false;
    if (r.min_engagement && !(engagement >= *r.min_engagement)) return false;
    for (const auto& [slots, at_least] : r.milestones) {
        std::uint64_t have = 0;
        for (const std::size_t sl : slots) have += counts[sl];
        if (have < at_least) return false;
    }
    return true;
}

// Highest stage whose prefix of rules holds.
stage_index prefix_level(const plan& p, double fit, double engagement, const std::uint32_t* counts) noexcept {
    std::size_t s = 1;
    while (s < p.rules.size() && rule_holds(p.rules[s], fit, engagement, counts)) ++s;
    return static_cast<stage_index>(s - 1);
}

struct run_output {
    std::vector<lead_score> scores;
    std::vector<stage_index> stage;
    std::vector<double> entered;
    std::vector<std::uint32_t> counts;
};

run_output run(const member_table& members, const event_table& events, const journey& j, const plan& p,
               const lead_options& options) {
    const std::size_t n = members.size();
    const std::size_t e_count = events.size();
    for (std::size_t e = 0; e < e_count; ++e)
        if (events.member[e] >= n)
            throw config_error(fmt::format("event row {}: member row {} is outside the member table ({} rows)", e,
                                           events.member[e], n));
    const std::vector<double> fit = fit_points(members, j);

    // Bucket the events by member (a stable counting sort), copying what the
    // per-member pass reads so that it walks memory in order.
    std::vector<std::uint64_t> offsets(n + 1, 0);
    for (std::size_t e = 0; e < e_count; ++e) ++offsets[events.member[e] + 1];
    std::partial_sum(offsets.begin(), offsets.end(), offsets.begin());
    const bool has_value = !events.value.empty();
    std::vector<double> b_time(e_count), b_points(e_count);
    std::vector<std::uint32_t> b_action(e_count);
    {
        std::vector<std::uint64_t> fill(offsets.begin(), offsets.end() - 1);
        for (std::size_t e = 0; e < e_count; ++e) {
            const std::uint64_t at = fill[events.member[e]]++;
            const std::uint32_t a = events.action[e];
            const action_info& info = p.actions[a];
            b_time[at] = events.timestamp[e];
            b_action[at] = a;
            b_points[at] = info.per_value && has_value ? info.points * events.value[e] : info.points;
        }
    }
    const std::size_t stages = j.stage_count();
    const std::size_t slots = p.slot_names.size();
    run_output out;
    out.scores.resize(n);
    if (p.inference) {
        out.stage.assign(n, 0);
        out.entered.assign(n * stages, nan_v);
        out.counts.assign(n * slots, 0);
    }
    const bool decay = p.half_life_seconds > 0;
    const double as_of = p.as_of;

    const unsigned threads = worker_count(options.threads, e_count + n);
    parallel_chunks(n, threads, [&](std::size_t first, std::size_t last) {
        std::vector<std::uint32_t> mine;  // bucket positions of the member's events up to as_of
        std::vector<std::uint32_t> counts(slots);
        for (std::size_t i = first; i < last; ++i) {
            mine.clear();
            for (std::uint64_t k = offsets[i]; k < offsets[i + 1]; ++k)
                if (b_time[k] <= as_of) mine.push_back(static_cast<std::uint32_t>(k));
            // Time order; ties by action, then file order (bucket positions
            // keep it), so sums are reproducible.
            std::sort(mine.begin(), mine.end(), [&](std::uint32_t a, std::uint32_t b) {
                if (b_time[a] != b_time[b]) return b_time[a] < b_time[b];
                if (b_action[a] != b_action[b]) return b_action[a] < b_action[b];
                return a < b;
            });
            double engagement = 0;
            for (const std::uint32_t k : mine)
                engagement += decay ? b_points[k] * std::exp2(-(as_of - b_time[k]) / p.half_life_seconds) : b_points[k];
            lead_score& sc = out.scores[i];
            sc.fit = fit[i];
            sc.engagement = engagement;
            sc.total = sc.fit + sc.engagement;
            if (!p.inference) continue;

            // History: walk the events, one group per distinct timestamp.
            std::fill(counts.begin(), counts.end(), 0u);
            double* entered = out.entered.data() + i * stages;
            double running = 0, t_prev = 0;
            std::size_t reached = 0;  // stages entered so far: 0..reached-1
            for (std::size_t k = 0; k < mine.size();) {
                const double t = b_time[mine[k]];
                if (decay && k > 0) running *= std::exp2(-(t - t_prev) / p.half_life_seconds);
                for (; k < mine.size() && b_time[mine[k]] == t; ++k) {
                    const std::uint32_t e = mine[k];
                    running += b_points[e];
                    const int slot = p.actions[b_action[e]].slot;
                    if (slot >= 0) ++counts[static_cast<std::size_t>(slot)];
                }
                t_prev = t;
                if (reached < stages) {
                    const std::size_t level = prefix_level(p, fit[i], running, counts.data());
                    for (; reached <= level; ++reached) entered[reached] = t;
                }
            }
            std::copy(counts.begin(), counts.end(), out.counts.begin() + static_cast<std::ptrdiff_t>(i * slots));
            out.stage[i] = prefix_level(p, fit[i], engagement, counts.data());
        }
    });
    return out;
}

std::string number_text(double v) {
    if (std::nearbyint(v) == v && std::fabs(v) < 1e15) return fmt::format("{}", static_cast<long long>(v));
    return fmt::format("{:.2f}", v);
}

}  // namespace

lead_scores_result lead_scores(const member_table& members, const event_table& events, const journey& j,
                               const lead_options& options) {
    const plan p = make_plan(events, j, options, false);
    run_output out = run(members, events, j, p, options);
    return {p.as_of, std::move(out.scores)};
}

stage_inference infer_stages(const member_table& members, const event_table& events, const journey& j,
                             const lead_options& options) {
    const plan p = make_plan(events, j, options, true);
    run_output out = run(members, events, j, p, options);
    stage_inference r;
    r.as_of = p.as_of;
    r.stage_count = j.stage_count();
    r.scores = std::move(out.scores);
    r.stage = std::move(out.stage);
    r.entered = std::move(out.entered);
    r.milestone_actions = p.slot_names;
    r.milestone_counts = std::move(out.counts);
    return r;
}

std::string requirement::text() const {
    switch (type) {
        case kind::score: return fmt::format("score >= {} (has {})", number_text(required), number_text(current));
        case kind::fit: return fmt::format("fit >= {} (has {})", number_text(required), number_text(current));
        case kind::engagement:
            return fmt::format("engagement >= {} (has {})", number_text(required), number_text(current));
        case kind::milestone:
            if (required <= 1) return action;
            return fmt::format("{} x{} (has {})", action, number_text(required), number_text(current));
    }
    return {};
}

std::string checklist_text(std::span<const requirement> items) {
    std::string out;
    for (const auto& item : items) out += (out.empty() ? "" : "; ") + item.text() + (item.met ? ": yes" : ": no");
    return out;
}

namespace {

void check_stage_history(std::span<const std::string> members, std::span<const std::string> stages,
                         std::span<const double> seconds) {
    const std::size_t n = members.size();
    if (stages.size() != n || seconds.size() != n)
        throw config_error("stage history: member, stage and timestamp columns differ in length");
    for (std::size_t k = 0; k < n; ++k)
        if (!std::isfinite(seconds[k]))
            throw config_error(fmt::format("stage history row {}: timestamp: expected a finite time", k));
}

}  // namespace

void write_stage_history(const std::filesystem::path& path, std::span<const std::string> members,
                         std::span<const std::string> stages, std::span<const double> seconds) {
    check_stage_history(members, stages, seconds);
    std::ofstream out(path, std::ios::binary);
    if (!out) throw error(fmt::format("cannot write stage history file '{}'", path.string()));
    write_stage_history(out, members, stages, seconds);
    out.flush();
    if (!out) throw error(fmt::format("writing '{}' failed", path.string()));
}

void write_stage_history(std::ostream& out, std::span<const std::string> members, std::span<const std::string> stages,
                         std::span<const double> seconds) {
    check_stage_history(members, stages, seconds);
    const std::size_t n = members.size();
    out << "member,stage,timestamp\n";
    for (std::size_t k = 0; k < n; ++k)
        out << csv_quote(members[k]) << ',' << csv_quote(stages[k]) << ',' << format_timestamp(seconds[k]) << '\n';
}

void write_stage_history(std::ostream& out, const stage_inference& inference, const member_table& members,
                         const journey& j) {
    out << "member,stage,timestamp\n";
    for (const auto& e : stage_history(inference))
        out << csv_quote(members.id[e.member]) << ',' << csv_quote(j.stage_name(e.stage)) << ','
            << format_timestamp(e.timestamp) << '\n';
}

std::vector<requirement> next_milestone(const stage_inference& inf, const journey& j, std::size_t row) {
    if (row >= inf.size()) throw config_error(fmt::format("member row {} is out of range", row));
    std::vector<requirement> items;
    const std::size_t next = std::size_t{inf.stage[row]} + 1;
    if (next >= j.stage_count()) return items;
    const stage_rule* rule = j.rule(static_cast<stage_index>(next));
    if (!rule) return items;
    const lead_score& sc = inf.scores[row];
    auto add = [&](requirement::kind k, const std::optional<double>& th, double current) {
        if (th) items.push_back({k, {}, *th, current, current >= *th});
    };
    add(requirement::kind::score, rule->min_score, sc.total);
    add(requirement::kind::fit, rule->min_fit, sc.fit);
    add(requirement::kind::engagement, rule->min_engagement, sc.engagement);
    const std::size_t slots = inf.milestone_actions.size();
    for (const auto& m : rule->milestones) {
        std::uint64_t have = 0;
        std::vector<std::string> actions = m.actions();
        std::sort(actions.begin(), actions.end());
        actions.erase(std::unique(actions.begin(), actions.end()), actions.end());
        for (std::size_t s = 0; s < slots; ++s)
            if (std::binary_search(actions.begin(), actions.end(), inf.milestone_actions[s]))
                have += inf.milestone_counts[row * slots + s];
        std::string label = m.action;
        for (const auto& a : m.alternatives) label += " or " + a;
        items.push_back({requirement::kind::milestone, label, double(m.at_least), double(have), have >= m.at_least});
    }
    return items;
}

std::vector<stage_entry> stage_history(const stage_inference& inf) {
    std::vector<stage_entry> out;
    for (std::size_t i = 0; i < inf.size(); ++i)
        for (std::size_t s = 0; s < inf.stage_count; ++s) {
            const double t = inf.entered_at(i, static_cast<stage_index>(s));
            if (!std::isnan(t)) out.push_back({static_cast<std::uint32_t>(i), static_cast<stage_index>(s), t});
        }
    return out;
}

}  // namespace engage_right
