#include "io/table.hpp"

#include <engage_right/detail/csv.hpp>
#include <engage_right/detail/id_index.hpp>
#include <engage_right/error.hpp>
#include <engage_right/io.hpp>
#include <engage_right/lead_scoring.hpp>
#include <engage_right/uplift.hpp>

#include <fmt/format.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <ostream>

namespace engage_right {

using detail::csv_field;
using detail::trim;

namespace {

constexpr double nan_v = std::numeric_limits<double>::quiet_NaN();

// The stages.csv rows, with the rules of every stage file: a non-empty
// member, a stage of the journey, a timestamp. `add(member field, stage,
// time)` takes each row (and may refuse its member).
template <class Add>
void for_each_stage_row(std::string_view text, const journey& j, std::string_view source, Add&& add) {
    detail::csv_table r(text, std::string(source));
    const std::size_t c_member = r.require("member");
    const std::size_t c_stage = r.require("stage");
    const std::size_t c_time = r.require("timestamp");
    std::vector<csv_field> row;
    while (r.next(row)) {
        const csv_field& fm = row[c_member];
        if (trim(fm.text).empty()) r.fail(fm, detail::member_problem("member", {}));
        if (auto problem = detail::text_problem(fm.text); !problem.empty()) r.fail(fm, "member: " + problem);
        const csv_field& fs = row[c_stage];
        const auto s = j.find_stage(trim(fs.text));
        if (!s) r.fail(fs, "stage: " + detail::unknown_stage_problem(j, fs.text));
        const double t = detail::timestamp_cell(r, row[c_time], true);
        add(r, fm, *s, t);
    }
}

void parse_stages_into(uplift_history& h, std::string_view text, const journey& j, std::string_view source) {
    for_each_stage_row(text, j, source, [&](const detail::csv_table&, const csv_field& fm, stage_index s, double t) {
        h.entry_member.push_back(h.intern(fm.text));
        h.entry_stage.push_back(s);
        h.entry_time.push_back(t);
    });
}

void parse_contacts_into(uplift_history& h, std::string_view text, std::string_view source) {
    detail::csv_table r(text, std::string(source));
    const std::size_t c_src = r.require("source");
    const std::size_t c_dst = r.require("target");
    const auto c_w = r.optional("weight");
    const std::size_t c_time = r.require("timestamp", " (uplift learning needs the time of every contact)");
    std::vector<csv_field> row;
    while (r.next(row)) {
        const csv_field& fa = row[c_src];
        const csv_field& fb = row[c_dst];
        if (trim(fa.text).empty()) r.fail(fa, detail::member_problem("source", {}));
        if (trim(fb.text).empty()) r.fail(fb, detail::member_problem("target", {}));
        if (auto problem = detail::text_problem(fa.text); !problem.empty()) r.fail(fa, "source: " + problem);
        if (auto problem = detail::text_problem(fb.text); !problem.empty()) r.fail(fb, "target: " + problem);
        if (c_w) detail::weight_cell(r, row[*c_w]);
        const double t = detail::timestamp_cell(r, row[c_time], true);
        h.contact_source.push_back(h.intern(fa.text));
        h.contact_target.push_back(h.intern(fb.text));
        h.contact_time.push_back(t);
    }
}

}  // namespace

void uplift_history::sync() const {
    if (index_.size() == ids.size()) return;
    index_.clear();
    index_.reserve(ids.size());
    for (std::size_t i = 0; i < ids.size(); ++i) index_.emplace(ids[i], static_cast<std::uint32_t>(i));
    if (index_.size() != ids.size()) throw config_error("uplift history: the ids are not distinct");
}

std::optional<std::uint32_t> uplift_history::find(std::string_view id) const {
    sync();
    const auto it = index_.find(std::string(id));
    if (it == index_.end()) return std::nullopt;
    return it->second;
}

std::uint32_t uplift_history::intern(std::string_view id) {
    sync();
    const auto [it, fresh] = index_.try_emplace(std::string(id), static_cast<std::uint32_t>(ids.size()));
    if (fresh) {
        if (ids.size() >= std::numeric_limits<std::uint32_t>::max() - 1) {
            index_.erase(it);
            throw config_error("uplift history: too many members");
        }
        ids.emplace_back(id);
        if (!activity.empty()) activity.push_back(nan_v);
    }
    return it->second;
}

uplift_history_guard::uplift_history_guard(uplift_history& h) noexcept
    : h_(h),
      ids_(h.ids.size()),
      entries_(h.entry_member.size()),
      contacts_(h.contact_source.size()),
      activity_(h.activity.size()) {}

uplift_history_guard::~uplift_history_guard() {
    if (done_) return;
    h_.ids.resize(ids_);
    h_.entry_member.resize(entries_);
    h_.entry_stage.resize(entries_);
    h_.entry_time.resize(entries_);
    h_.contact_source.resize(contacts_);
    h_.contact_target.resize(contacts_);
    h_.contact_time.resize(contacts_);
    h_.activity.resize(activity_);
}

void parse_stage_entries(uplift_history& h, std::string_view text, const journey& j, std::string_view source) {
    uplift_history_guard guard(h);
    parse_stages_into(h, text, j, source);
    guard.commit();
}

void parse_contacts(uplift_history& h, std::string_view text, std::string_view source) {
    uplift_history_guard guard(h);
    parse_contacts_into(h, text, source);
    guard.commit();
}

namespace {

void apply_activity(uplift_history& h, const member_table& m) {
    std::vector<double> activity(h.ids.size(), nan_v);
    for (std::size_t r = 0; r < m.id.size(); ++r)
        if (const auto at = h.find(m.id[r])) activity[*at] = m.activity[r];
    h.activity = std::move(activity);
}

member_read_options activity_read_options() {
    member_read_options mo;
    mo.stage_optional = true;
    return mo;
}

}  // namespace

void read_activity(uplift_history& h, const std::filesystem::path& members, const journey& j) {
    apply_activity(h, read_members(members, j, activity_read_options()));
}

void set_activity(uplift_history& h, const member_columns& members, const journey& j) {
    member_columns only;  // id and activity: the other columns are not read
    only.id = members.id;
    only.activity = members.activity;
    apply_activity(h, build_members(only, j, activity_read_options()));
}

uplift_history parse_uplift_history(std::string_view interactions_text, std::string_view stages_text, const journey& j,
                                    std::string_view interactions_source, std::string_view stages_source) {
    uplift_history h;
    parse_stages_into(h, stages_text, j, stages_source);
    parse_contacts_into(h, interactions_text, interactions_source);
    return h;
}

uplift_history read_uplift_history(const std::filesystem::path& interactions, const std::filesystem::path& stages,
                                   const journey& j, const std::optional<std::filesystem::path>& members) {
    uplift_history h;
    parse_stages_into(h, read_file(stages), j, stages.string());
    parse_contacts_into(h, read_file(interactions), interactions.string());
    if (members) read_activity(h, *members, j);
    return h;
}

// ------------------------------------------------------- from columns ---

namespace {

// The stage-entry rules for row i of in-memory columns: what is wrong
// ("member: ...", "stage: ...", "timestamp: ..."), empty when `stage` was set.
std::string stage_row_problem(std::span<const std::string> members, std::span<const std::string> stages,
                              std::span<const double> seconds, const journey& j, std::size_t i, stage_index& stage) {
    if (trim(members[i]).empty()) return detail::member_problem("member", {});
    if (auto problem = detail::text_problem(members[i]); !problem.empty()) return "member: " + problem;
    const auto s = j.find_stage(trim(stages[i]));
    if (!s) return "stage: " + detail::unknown_stage_problem(j, stages[i], &detail::shown_in_row);
    if (auto problem = time_problem(seconds[i]); !problem.empty()) return problem;
    stage = *s;
    return {};
}

// Apply the rules to every row; add(i, stage) takes the good ones.
template <class Add>
void for_each_stage_entry(std::span<const std::string> members, std::span<const std::string> stages,
                          std::span<const double> seconds, const journey& j, std::string_view what, Add&& add) {
    if (members.size() != stages.size() || members.size() != seconds.size())
        throw config_error(fmt::format("{}: member, stage and timestamp columns differ in length", what));
    for (std::size_t i = 0; i < members.size(); ++i) {
        stage_index s = 0;
        if (auto problem = stage_row_problem(members, stages, seconds, j, i, s); !problem.empty())
            throw config_error(fmt::format("{} row {}: {}", what, i, problem));
        add(i, s);
    }
}

}  // namespace

void add_stage_entries(uplift_history& h, std::span<const std::string> members, std::span<const std::string> stages,
                       std::span<const double> seconds, const journey& j, std::string_view what) {
    uplift_history_guard guard(h);
    for_each_stage_entry(members, stages, seconds, j, what, [&](std::size_t i, stage_index s) {
        h.entry_member.push_back(h.intern(members[i]));
        h.entry_stage.push_back(s);
        h.entry_time.push_back(seconds[i]);
    });
    guard.commit();
}

// --------------------------------------------- stages against members ---

stage_table parse_stage_table(std::string_view text, const member_table& members, const journey& j,
                              std::string_view source) {
    detail::id_index index;
    (void)index.build(members.id);  // a parsed or built member table has distinct ids
    stage_table out;
    for_each_stage_row(text, j, source, [&](const detail::csv_table& r, const csv_field& fm, stage_index s, double t) {
        out.member.push_back(detail::member_cell(r, fm, "member", [&](std::string_view id) { return index.find(id); }));
        out.stage.push_back(s);
        out.timestamp.push_back(t);
    });
    return out;
}

stage_table read_stage_table(const std::filesystem::path& path, const member_table& members, const journey& j) {
    return parse_stage_table(read_file(path), members, j, path.string());
}

stage_table build_stage_table(std::span<const std::string> member_ids, std::span<const std::string> stages,
                              std::span<const double> seconds, const member_table& members, const journey& j) {
    detail::id_index index;
    if (auto dup = index.build(members.id))
        throw config_error(
            fmt::format("members row {}: duplicate id {}", *dup, detail::shown_in_row(members.id[*dup])));
    stage_table out;
    for_each_stage_entry(member_ids, stages, seconds, j, "stages", [&](std::size_t i, stage_index s) {
        const auto at = index.find(member_ids[i]);
        if (!at)
            throw config_error(fmt::format("stages row {}: {}", i, detail::member_problem("member", member_ids[i])));
        out.member.push_back(*at);
        out.stage.push_back(s);
        out.timestamp.push_back(seconds[i]);
    });
    return out;
}

void add_contacts(uplift_history& h, const interaction_columns& contacts, std::string_view what) {
    const std::size_t n = contacts.source.size();
    if (contacts.target.size() != n || contacts.timestamp.size() != n)
        throw config_error(fmt::format("{}: source, target and timestamp columns differ in length", what));
    if (!std::holds_alternative<std::monostate>(contacts.weight) && detail::column_size(contacts.weight) != n)
        throw config_error(fmt::format("{}: the weight column differs in length", what));
    uplift_history_guard guard(h);
    for (std::size_t i = 0; i < n; ++i) {
        for (const auto& [name, id] :
             {std::pair{"source", &contacts.source[i]}, std::pair{"target", &contacts.target[i]}})
            if (trim(*id).empty())
                throw config_error(fmt::format("{} row {}: {}", what, i, detail::member_problem(name, {})));
            else if (auto problem = detail::text_problem(*id); !problem.empty())
                throw config_error(fmt::format("{} row {}: {}: {}", what, i, name, problem));
        double weight = 1.0;  // checked, then unused: a row is one contact
        if (auto problem = detail::weight_row(contacts.weight, i, weight); !problem.empty())
            throw config_error(fmt::format("{} row {}: {}", what, i, problem));
        if (auto problem = time_problem(contacts.timestamp[i]); !problem.empty())
            throw config_error(fmt::format("{} row {}: {}", what, i, problem));
        h.contact_source.push_back(h.intern(contacts.source[i]));
        h.contact_target.push_back(h.intern(contacts.target[i]));
        h.contact_time.push_back(contacts.timestamp[i]);
    }
    guard.commit();
}

// ------------------------------------------------------ stages.csv out ---

namespace {

void check_stage_history(std::span<const std::string> members, std::span<const std::string> stages,
                         std::span<const double> seconds) {
    const std::size_t n = members.size();
    if (stages.size() != n || seconds.size() != n)
        throw config_error("stage history: member, stage and timestamp columns differ in length");
    for (std::size_t k = 0; k < n; ++k)
        if (auto problem = time_problem(seconds[k]); !problem.empty())
            throw config_error(fmt::format("stage history row {}: {}", k, problem));
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

}  // namespace engage_right
