#include <engage_right/error.hpp>
#include <engage_right/io.hpp>
#include <engage_right/live.hpp>
#include <engage_right/snapshot.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <mutex>
#include <unordered_map>

// Every version is built by the community constructor from tables, so a
// version equals a fresh load of the same data by construction. A batch
// works on a copy of the current version's tables: rows are appended, or
// marked dead and compacted at the end, so that row numbers stay put while
// the batch runs; a failure anywhere leaves the current version untouched.

namespace engage_right {

live_update live_update::add(std::string id, member_fields f) {
    live_update u;
    u.what = kind::add_member;
    u.id = std::move(id);
    u.fields = std::move(f);
    return u;
}

live_update live_update::update(std::string id, member_fields f) {
    live_update u = add(std::move(id), std::move(f));
    u.what = kind::update_member;
    return u;
}

live_update live_update::interaction(std::string source, std::string target, double weight, double timestamp) {
    live_update u;
    u.what = kind::add_interaction;
    u.id = std::move(source);
    u.other = std::move(target);
    u.weight = weight;
    u.timestamp = timestamp;
    return u;
}

live_update live_update::erase_member(std::string id) {
    live_update u;
    u.what = kind::erase;
    u.id = std::move(id);
    return u;
}

namespace {

constexpr double nan_v = std::numeric_limits<double>::quiet_NaN();

// An error of a one-row builder, named after the update instead of the row.
config_error relabelled(const config_error& e, std::string_view row_prefix, const std::string& update) {
    std::string_view msg = e.what();
    if (msg.starts_with(row_prefix)) msg.remove_prefix(row_prefix.size());
    return config_error(fmt::format("{}: {}", update, msg));
}

// Overwrite the bytes of a string before it is released.
void wipe(std::string& s) noexcept {
    volatile char* p = s.data();
    for (std::size_t k = 0; k < s.size(); ++k) p[k] = 0;
    s.clear();
    s.shrink_to_fit();
}

// The tables of one version, being edited by a batch.
class batch {
public:
    explicit batch(const community& base) : base_(base), j_(base.journey()) {
        m_ = base.to_member_table();
        dims_ = m_.features.dims;
        if (dims_ > 0) feat_.assign(m_.features.data, m_.features.data + m_.size() * dims_);
        m_.features = {};
        rows_ = base.interaction_rows();
        // Explicit columns while the batch runs; dropped again in finish()
        // when they say nothing (every weight 1, no time).
        if (rows_.weight.empty()) rows_.weight.assign(rows_.size(), 1.0);
        if (rows_.timestamp.empty()) rows_.timestamp.assign(rows_.size(), nan_v);
        dead_.assign(m_.size(), 0);
    }

    void run(const live_update& u) {
        switch (u.what) {
            case live_update::kind::add_member: add(u.id, u.fields); break;
            case live_update::kind::update_member: update(u.id, u.fields); break;
            case live_update::kind::add_interaction: interact(u.id, u.other, u.weight, u.timestamp); break;
            case live_update::kind::erase: erase(u.id); break;
        }
    }

    community finish() {
        compact();
        canonical_tags();
        if (std::all_of(rows_.weight.begin(), rows_.weight.end(), [](double w) { return w == 1.0; }))
            rows_.weight.clear();
        if (std::all_of(rows_.timestamp.begin(), rows_.timestamp.end(), [](double t) { return std::isnan(t); }))
            rows_.timestamp.clear();
        if (dims_ > 0) m_.features = feature_block::own(std::move(feat_), m_.size(), dims_);
        return community(j_, std::move(m_), std::move(rows_));
    }

private:
    // The row of a live member, or nullopt.
    std::optional<std::uint32_t> row_of(std::string_view id) const {
        if (auto it = added_.find(std::string(id)); it != added_.end()) return it->second;
        if (auto i = base_.find(id)) {
            const std::uint32_t r = base_.input_position(*i);
            if (!dead_[r]) return r;
        }
        return std::nullopt;
    }
    std::uint32_t require(std::string_view id) const {
        if (auto r = row_of(id)) return *r;
        throw not_found_error(fmt::format("unknown member id '{}'", id));
    }

    // One row checked by the members rules (build_members), from the fields
    // given and, for an update, the member's current values.
    member_table checked_row(std::string_view id, const member_fields& f, std::optional<std::uint32_t> r,
                             std::string_view what) const {
        member_columns c;
        c.id = {std::string(id)};
        auto num = [](std::optional<double> given, double current) {
            return data_column(std::vector<double>{given ? *given : current});
        };
        std::string stage = f.stage ? *f.stage : (r ? j_.stage_name(m_.stage[*r]) : std::string());
        if (!f.stage && !r) throw config_error(fmt::format("{} '{}': a new member needs a stage", what, id));
        c.stage = std::vector<std::string>{stage};
        c.satisfaction = num(f.satisfaction, r && m_.satisfaction[*r] >= 0 ? m_.satisfaction[*r] : nan_v);
        c.capacity = num(f.capacity, r && m_.capacity[*r] >= 0 ? m_.capacity[*r] : nan_v);
        c.opted_out = num(f.opted_out ? std::optional<double>(*f.opted_out ? 1.0 : 0.0) : std::nullopt,
                          r ? m_.opted_out[*r] : 0.0);
        c.activity = num(f.activity, r ? m_.activity[*r] : nan_v);
        std::string joined;
        if (f.tags) {
            for (const auto& t : *f.tags) {
                if (t.find(';') != std::string::npos)
                    throw config_error(fmt::format("{} '{}': tags: a tag may not contain ';', got '{}'", what, id, t));
                joined += (joined.empty() ? "" : ";") + t;
            }
        } else if (r) {
            for (auto t : tags_of(*r)) joined += (joined.empty() ? "" : ";") + m_.tag_names[t];
        }
        c.tags = std::vector<std::string>{joined};
        std::vector<float> feats;
        if (f.features) {
            if (f.features->size() != dims_)
                throw config_error(
                    fmt::format("{} '{}': features: expected {} values (the community's dimension), got {}", what, id,
                                dims_, f.features->size()));
            feats = *f.features;
        } else if (r && dims_ > 0) {
            feats.assign(feat_.begin() + static_cast<std::ptrdiff_t>(*r * dims_),
                         feat_.begin() + static_cast<std::ptrdiff_t>((*r + 1) * dims_));
        } else {
            feats.assign(dims_, 0.0f);
        }
        if (dims_ > 0) c.features = feature_block::own(std::move(feats), 1, dims_);
        try {
            return build_members(c, j_);
        } catch (const config_error& e) {
            // "members row 0: satisfaction: ..." -> "update_member 'ada': satisfaction: ..."
            throw relabelled(e, "members row 0: ", fmt::format("{} '{}'", what, id));
        }
    }

    std::vector<std::uint32_t> tags_of(std::uint32_t r) const {
        if (auto it = new_tags_.find(r); it != new_tags_.end()) return it->second;
        if (r + 1 >= m_.tag_offsets.size()) return {};
        return {m_.tag_ids.begin() + m_.tag_offsets[r], m_.tag_ids.begin() + m_.tag_offsets[r + 1]};
    }

    std::uint32_t tag_id(const std::string& name) {
        if (tag_of_.empty())
            for (std::uint32_t k = 0; k < m_.tag_names.size(); ++k) tag_of_.emplace(m_.tag_names[k], k);
        auto [it, fresh] = tag_of_.emplace(name, static_cast<std::uint32_t>(m_.tag_names.size()));
        if (fresh) m_.tag_names.push_back(name);
        return it->second;
    }

    void store(std::uint32_t r, const member_table& row) {
        m_.stage[r] = row.stage[0];
        m_.satisfaction[r] = row.satisfaction.empty() ? unknown_satisfaction : row.satisfaction[0];
        m_.capacity[r] = row.capacity.empty() ? -1 : row.capacity[0];
        m_.opted_out[r] = row.opted_out.empty() ? 0 : row.opted_out[0];
        m_.activity[r] = row.activity.empty() ? nan_v : row.activity[0];
        std::vector<std::uint32_t> t;
        if (!row.tag_offsets.empty())
            for (std::uint32_t k = row.tag_offsets[0]; k < row.tag_offsets[1]; ++k)
                t.push_back(tag_id(row.tag_names[row.tag_ids[k]]));
        new_tags_[r] = std::move(t);
        if (dims_ > 0)
            std::copy(row.features.data, row.features.data + dims_, feat_.begin() + std::ptrdiff_t(r * dims_));
    }

    void add(const std::string& id, const member_fields& f) {
        if (row_of(id)) throw config_error(fmt::format("add_member '{}': the id is taken", id));
        const member_table row = checked_row(id, f, std::nullopt, "add_member");
        const auto r = static_cast<std::uint32_t>(m_.size());
        if (r + 1u >= no_member) throw config_error("add_member: too many members");
        m_.id.push_back(row.id[0]);
        m_.stage.push_back(0);
        m_.satisfaction.push_back(unknown_satisfaction);
        m_.capacity.push_back(-1);
        m_.opted_out.push_back(0);
        m_.activity.push_back(nan_v);
        m_.tag_offsets.push_back(m_.tag_offsets.back());  // the row's tags live in new_tags_
        feat_.resize(feat_.size() + dims_);
        dead_.push_back(0);
        store(r, row);
        added_[id] = r;
    }

    void update(const std::string& id, const member_fields& f) {
        const std::uint32_t r = require(id);
        store(r, checked_row(id, f, r, "update_member"));
    }

    void interact(const std::string& a, const std::string& b, double weight, double timestamp) {
        interaction_columns c;
        c.source = {a};
        c.target = {b};
        c.weight = std::vector<double>{weight};
        c.timestamp = {timestamp};
        // The interactions rules (build_interactions) against the live rows.
        member_table ids;
        const std::uint32_t ra = require(a), rb = require(b);
        ids.id = {a, b};
        if (a == b) ids.id = {a};
        interaction_table one;
        try {
            one = build_interactions(c, ids);
        } catch (const config_error& e) {
            throw relabelled(e, "interactions row 0: ", fmt::format("add_interaction '{}' '{}'", a, b));
        }
        rows_.source.push_back(ra);
        rows_.target.push_back(rb);
        rows_.weight.push_back(one.weight.empty() ? 1.0 : one.weight[0]);
        rows_.timestamp.push_back(one.timestamp.empty() ? nan_v : one.timestamp[0]);
    }

    void erase(const std::string& id) {
        const std::uint32_t r = require(id);
        dead_[r] = 1;
        added_.erase(id);
    }

    // Drop dead rows (and their interaction rows), renumbering the rest.
    void compact() {
        const std::size_t n = m_.size();
        std::vector<std::uint32_t> to(n, no_member);
        std::uint32_t kept = 0;
        for (std::size_t r = 0; r < n; ++r)
            if (!dead_[r]) to[r] = kept++;
        if (kept == n) return;
        member_table out;
        out.tag_names = std::move(m_.tag_names);
        out.tag_offsets.push_back(0);
        std::vector<float> feat;
        feat.reserve(std::size_t{kept} * dims_);
        std::unordered_map<std::uint32_t, std::vector<std::uint32_t>> tags;
        for (std::size_t r = 0; r < n; ++r) {
            if (dead_[r]) {
                wipe(m_.id[r]);
                std::fill(feat_.begin() + std::ptrdiff_t(r * dims_), feat_.begin() + std::ptrdiff_t((r + 1) * dims_),
                          0.0f);
                continue;
            }
            out.id.push_back(std::move(m_.id[r]));
            out.stage.push_back(m_.stage[r]);
            out.satisfaction.push_back(m_.satisfaction[r]);
            out.capacity.push_back(m_.capacity[r]);
            out.opted_out.push_back(m_.opted_out[r]);
            out.activity.push_back(m_.activity[r]);
            tags[to[r]] = tags_of(static_cast<std::uint32_t>(r));
            out.tag_offsets.push_back(0);
            feat.insert(feat.end(), feat_.begin() + std::ptrdiff_t(r * dims_),
                        feat_.begin() + std::ptrdiff_t((r + 1) * dims_));
        }
        interaction_table rows;
        for (std::size_t k = 0; k < rows_.size(); ++k) {
            const auto a = to[rows_.source[k]], b = to[rows_.target[k]];
            if (a == no_member || b == no_member) continue;
            rows.source.push_back(a);
            rows.target.push_back(b);
            rows.weight.push_back(rows_.weight[k]);
            rows.timestamp.push_back(rows_.timestamp[k]);
        }
        m_ = std::move(out);
        m_.tag_ids.clear();
        new_tags_ = std::move(tags);
        std::fill(feat_.begin(), feat_.end(), 0.0f);
        feat_ = std::move(feat);
        rows_ = std::move(rows);
        dead_.assign(m_.size(), 0);
    }

    // Tags numbered by first appearance in row order, unused names dropped:
    // what the members.csv reader makes of the same data.
    void canonical_tags() {
        const std::size_t n = m_.size();
        std::vector<std::uint32_t> to(m_.tag_names.size(), no_member);
        std::vector<std::string> names;
        std::vector<std::uint32_t> offsets{0}, ids;
        for (std::uint32_t r = 0; r < n; ++r) {
            for (auto t : tags_of(r)) {
                if (to[t] == no_member) {
                    to[t] = static_cast<std::uint32_t>(names.size());
                    names.push_back(m_.tag_names[t]);
                }
                ids.push_back(to[t]);
            }
            offsets.push_back(static_cast<std::uint32_t>(ids.size()));
        }
        for (std::size_t t = 0; t < to.size(); ++t)
            if (to[t] == no_member) wipe(m_.tag_names[t]);
        m_.tag_names = std::move(names);
        m_.tag_offsets = std::move(offsets);
        m_.tag_ids = std::move(ids);
        new_tags_.clear();
    }

    const community& base_;
    journey j_;
    member_table m_;
    std::vector<float> feat_;
    std::size_t dims_ = 0;
    interaction_table rows_;
    std::vector<std::uint8_t> dead_;
    std::unordered_map<std::string, std::uint32_t> added_;
    std::unordered_map<std::uint32_t, std::vector<std::uint32_t>> new_tags_;
    std::unordered_map<std::string, std::uint32_t> tag_of_;
};

}  // namespace

// The current version sits behind a mutex held only to copy or swap the
// pointer (nanoseconds): readers never wait for a rebuild, which runs
// outside it. (std::atomic<std::shared_ptr> would do the same; libstdc++ 12
// implements it with a lock bit ThreadSanitizer cannot see, so the
// sanitizer run could not check this contract.)
struct live_community::impl {
    mutable std::mutex current_lock;
    std::shared_ptr<const community> current;
    std::atomic<std::uint64_t> version{0};
    std::mutex writer;  // one update at a time

    std::shared_ptr<const community> get() const {
        std::lock_guard<std::mutex> lock(current_lock);
        return current;
    }
    void publish(std::shared_ptr<const community> next) {
        {
            std::lock_guard<std::mutex> lock(current_lock);
            current.swap(next);
        }
        // `next` now holds the old version: released here, outside the lock.
    }
};

live_community::live_community(engage_right::journey j, std::size_t dimensions) : impl_(std::make_unique<impl>()) {
    member_table empty;
    if (dimensions > 0) empty.features = feature_block::own({}, 0, dimensions);
    impl_->publish(std::make_shared<const community>(std::move(j), std::move(empty)));
}

live_community::live_community(const community& c) : impl_(std::make_unique<impl>()) {
    impl_->publish(std::make_shared<const community>(c.journey(), c.to_member_table(), c.interaction_rows()));
}

live_community live_community::from_csv(const std::filesystem::path& members,
                                        const std::optional<std::filesystem::path>& interactions,
                                        engage_right::journey j) {
    live_community live(engage_right::journey{});
    live.impl_->publish(std::make_shared<const community>(community::from_csv(members, interactions, std::move(j))));
    return live;
}

live_community live_community::load(const std::filesystem::path& path) {
    live_community live(engage_right::journey{});
    live.impl_->publish(std::make_shared<const community>(engage_right::load(path)));
    return live;
}

live_community::live_community(live_community&&) noexcept = default;
live_community& live_community::operator=(live_community&&) noexcept = default;
live_community::~live_community() = default;

std::shared_ptr<const community> live_community::current() const { return impl_->get(); }

std::uint64_t live_community::version() const { return impl_->version.load(); }

void live_community::apply(const std::vector<live_update>& updates) {
    std::lock_guard<std::mutex> lock(impl_->writer);
    const std::shared_ptr<const community> base = impl_->get();
    batch b(*base);
    for (std::size_t k = 0; k < updates.size(); ++k) {
        try {
            b.run(updates[k]);
        } catch (const not_found_error& e) {
            if (updates.size() == 1) throw;
            throw not_found_error(fmt::format("update {}: {}", k, e.what()));
        } catch (const config_error& e) {
            if (updates.size() == 1) throw;
            throw config_error(fmt::format("update {}: {}", k, e.what()));
        }
    }
    impl_->publish(std::make_shared<const community>(b.finish()));
    impl_->version.fetch_add(1);
}

void live_community::add_member(std::string id, const member_fields& fields) {
    apply({live_update::add(std::move(id), fields)});
}

void live_community::update_member(std::string_view id, const member_fields& fields) {
    apply({live_update::update(std::string(id), fields)});
}

void live_community::add_interaction(std::string_view source, std::string_view target, double weight,
                                     double timestamp) {
    apply({live_update::interaction(std::string(source), std::string(target), weight, timestamp)});
}

void live_community::erase(std::string_view id) { apply({live_update::erase_member(std::string(id))}); }

void live_community::save(const std::filesystem::path& path) const { engage_right::save(*current(), path); }

}  // namespace engage_right
