#include <engage_right/community.hpp>
#include <engage_right/error.hpp>
#include <engage_right/io.hpp>

#include "util/parallel.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <exception>
#include <mutex>
#include <numeric>
#include <thread>

namespace engage_right {

struct community::dated {
    std::once_flag once;
    std::vector<std::uint64_t> offsets;  // size n + 1
    std::vector<double> times;
};

feature_block feature_block::own(std::vector<float> values, std::size_t rows, std::size_t dims) {
    auto holder = std::make_shared<std::vector<float>>(std::move(values));
    feature_block b;
    b.data = holder->data();
    b.owner = std::move(holder);
    b.rows = rows;
    b.dims = dims;
    return b;
}

community::community() : community(engage_right::journey{}, member_table{}) {}
community::community(community&& other) noexcept
    : journey_(std::move(other.journey_)),
      stage_begin_(std::move(other.stage_begin_)),
      ids_(std::move(other.ids_)),
      stage_(std::move(other.stage_)),
      satisfaction_(std::move(other.satisfaction_)),
      capacity_(std::move(other.capacity_)),
      opted_out_(std::move(other.opted_out_)),
      activity_(std::move(other.activity_)),
      input_pos_(std::move(other.input_pos_)),
      by_input_(std::move(other.by_input_)),
      tag_offsets_(std::move(other.tag_offsets_)),
      tag_ids_(std::move(other.tag_ids_)),
      tag_names_(std::move(other.tag_names_)),
      features_(std::move(other.features_)),
      norm_(std::move(other.norm_)),
      adj_offsets_(std::move(other.adj_offsets_)),
      adj_(std::move(other.adj_)),
      adj_weight_(std::move(other.adj_weight_)),
      dated_(std::move(other.dated_)),
      rows_(std::move(other.rows_)),
      self_loops_(other.self_loops_),
      duplicates_(other.duplicates_),
      index_(std::move(other.index_)) {
    index_.rebind(ids_);
}

community& community::operator=(community&& other) noexcept {
    if (this != &other) {
        this->~community();
        new (this) community(std::move(other));
    }
    return *this;
}
community::~community() = default;

community::community(engage_right::journey j, member_table m, interaction_table rows)
    : journey_(std::move(j)), rows_(std::move(rows)) {
    const std::size_t n = m.size();
    const std::size_t stages = journey_.stage_count();
    auto row_error = [](std::size_t row, const std::string& what) {
        throw config_error(fmt::format("members row {}: {}", row, what));
    };
    if (n >= no_member) throw config_error("too many members");
    auto sized = [&](std::size_t got, const char* name) {
        if (got != 0 && got != n)
            throw config_error(fmt::format("members column '{}' has {} values, expected {}", name, got, n));
    };
    sized(m.stage.size(), "stage");
    if (m.stage.size() != n)
        throw config_error(fmt::format("members column 'stage' has {} values, expected {}", m.stage.size(), n));
    sized(m.satisfaction.size(), "satisfaction");
    sized(m.capacity.size(), "capacity");
    sized(m.opted_out.size(), "opted_out");
    sized(m.activity.size(), "activity");
    if (!m.tag_offsets.empty()) {
        if (m.tag_offsets.size() != n + 1 || m.tag_offsets.front() != 0 || m.tag_offsets.back() != m.tag_ids.size())
            throw config_error("members tags: offsets do not match the tag list");
        for (std::size_t i = 0; i < n; ++i)
            if (m.tag_offsets[i] > m.tag_offsets[i + 1]) throw config_error("members tags: offsets decrease");
        for (auto t : m.tag_ids)
            if (t >= m.tag_names.size()) throw config_error("members tags: tag id out of range");
    } else if (!m.tag_ids.empty()) {
        throw config_error("members tags: tag ids given without offsets");
    }
    if (m.features.dims > 0 || m.features.rows > 0) {
        if (m.features.rows != n)
            throw config_error(fmt::format("features have {} rows, expected {}", m.features.rows, n));
        if (m.features.data == nullptr && n > 0 && m.features.dims > 0) throw config_error("features have no data");
    }
    for (std::size_t i = 0; i < n; ++i) {
        if (m.id[i].empty()) row_error(i, "empty id");
        if (m.stage[i] >= stages)
            row_error(i, fmt::format("stage index {} out of range (journey has {} stages)", m.stage[i], stages));
        if (!m.satisfaction.empty() && (m.satisfaction[i] < -1 || m.satisfaction[i] > 10))
            row_error(i, fmt::format("satisfaction {} outside 0..10", m.satisfaction[i]));
        if (!m.capacity.empty() && m.capacity[i] < -1)
            row_error(i, fmt::format("capacity {} is negative", m.capacity[i]));
        if (!m.opted_out.empty() && m.opted_out[i] > 1) row_error(i, "opted_out must be 0 or 1");
        if (!m.activity.empty() && (m.activity[i] < 0 || std::isinf(m.activity[i])))
            row_error(i, fmt::format("activity {} must be a finite number >= 0", m.activity[i]));
    }
    for (std::size_t k = 0; k < n * m.features.dims; ++k)
        if (!std::isfinite(m.features.data[k]))
            row_error(k / m.features.dims, fmt::format("feature f_{} is not a finite number", k % m.features.dims));

    // Order: stage, then id (byte-wise). Ties by id within a stage then map to
    // index order, which the recommender relies on.
    // Sorted on a key of the stage (< 64, one byte) and the id's first seven
    // bytes (big-endian, so integer order is byte order); only equal keys
    // compare whole ids.
    std::vector<std::uint32_t> order(n);
    {
        struct keyed {
            std::uint64_t key;
            std::uint32_t row;
        };
        std::vector<keyed> keys(n);
        for (std::uint32_t r = 0; r < n; ++r) {
            std::uint64_t k = std::uint64_t{m.stage[r]} << 56;
            const std::string& id = m.id[r];
            for (std::size_t b = 0; b < 7 && b < id.size(); ++b)
                k |= std::uint64_t{static_cast<unsigned char>(id[b])} << (48 - 8 * b);
            keys[r] = {k, r};
        }
        std::sort(keys.begin(), keys.end(), [&](const keyed& a, const keyed& b) {
            if (a.key != b.key) return a.key < b.key;
            return m.id[a.row] < m.id[b.row];
        });
        for (std::size_t i = 0; i < n; ++i) order[i] = keys[i].row;
    }
    for (std::size_t i = 1; i < n; ++i)
        if (m.id[order[i]] == m.id[order[i - 1]] && m.stage[order[i]] == m.stage[order[i - 1]])
            row_error(std::max(order[i], order[i - 1]), fmt::format("duplicate id '{}'", m.id[order[i]]));

    ids_.resize(n);
    stage_.resize(n);
    satisfaction_.assign(n, unknown_satisfaction);
    capacity_.assign(n, -1);
    opted_out_.assign(n, 0);
    activity_.assign(n, std::numeric_limits<double>::quiet_NaN());
    input_pos_.resize(n);
    by_input_.resize(n);
    stage_begin_.assign(stages + 1, 0);
    for (std::size_t i = 0; i < n; ++i) {
        const std::uint32_t r = order[i];
        ids_[i] = std::move(m.id[r]);
        stage_[i] = m.stage[r];
        if (!m.satisfaction.empty()) satisfaction_[i] = m.satisfaction[r];
        if (!m.capacity.empty()) capacity_[i] = m.capacity[r];
        if (!m.opted_out.empty()) opted_out_[i] = m.opted_out[r];
        if (!m.activity.empty()) activity_[i] = m.activity[r];
        input_pos_[i] = r;
        by_input_[r] = static_cast<member_index>(i);
        ++stage_begin_[stage_[i] + 1u];
    }
    for (std::size_t s = 0; s < stages; ++s) stage_begin_[s + 1] += stage_begin_[s];

    // The members' attributes and the graph depend on the order alone: on
    // large inputs they are built side by side (each deterministic), and
    // errors are reported in the order a single thread would meet them.
    dated_ = std::make_unique<dated>();
    std::exception_ptr graph_error;
    auto graph = [&] {
        try {
            build_graph();
        } catch (...) {
            graph_error = std::current_exception();
        }
    };
    std::thread worker;
    if (rows_.size() >= (std::size_t{1} << 16) && detail::thread_count(0) > 1) worker = std::thread(graph);
    std::exception_ptr attribute_error;
    try {
        build_attributes(m, order);
    } catch (...) {
        attribute_error = std::current_exception();
    }
    if (worker.joinable()) worker.join();
    else if (!attribute_error) graph();
    if (attribute_error) std::rethrow_exception(attribute_error);
    if (graph_error) std::rethrow_exception(graph_error);
}

void community::build_attributes(member_table& m, const std::vector<std::uint32_t>& order) {
    const std::size_t n = m.size();
    auto row_error = [](std::size_t row, const std::string& what) {
        throw config_error(fmt::format("members row {}: {}", row, what));
    };
    if (auto dup = index_.build(ids_)) row_error(input_pos_[*dup], fmt::format("duplicate id '{}'", ids_[*dup]));

    // Tags numbered in name order (a name given twice is one tag), so that
    // neither the order of the members nor the order of the tags within a
    // cell changes a tag's number; per-member lists in member order, sorted
    // and distinct.
    std::vector<std::uint32_t> tag_rank(m.tag_names.size());
    {
        std::vector<std::uint32_t> by_name(m.tag_names.size());
        std::iota(by_name.begin(), by_name.end(), 0u);
        std::sort(by_name.begin(), by_name.end(),
                  [&](std::uint32_t a, std::uint32_t b) { return m.tag_names[a] < m.tag_names[b]; });
        for (std::uint32_t k : by_name) {
            if (tag_names_.empty() || tag_names_.back() != m.tag_names[k])
                tag_names_.push_back(std::move(m.tag_names[k]));
            tag_rank[k] = static_cast<std::uint32_t>(tag_names_.size() - 1);
        }
    }
    tag_offsets_.assign(n + 1, 0);
    if (!m.tag_offsets.empty()) {
        std::vector<std::uint32_t> t;
        for (std::size_t i = 0; i < n; ++i) {
            const std::uint32_t r = order[i];
            t.clear();
            for (std::uint32_t k = m.tag_offsets[r]; k < m.tag_offsets[r + 1]; ++k) t.push_back(tag_rank[m.tag_ids[k]]);
            std::sort(t.begin(), t.end());
            t.erase(std::unique(t.begin(), t.end()), t.end());
            tag_ids_.insert(tag_ids_.end(), t.begin(), t.end());
            tag_offsets_[i + 1] = static_cast<std::uint32_t>(tag_ids_.size());
        }
    }

    // Features stay in input order (possibly borrowed); norms in member order.
    features_ = std::move(m.features);
    if (features_.dims == 0) {
        features_.rows = n;
        features_.data = nullptr;
    }
    norm_.assign(n, 0.0);
    for (std::size_t i = 0; i < n; ++i) {
        double ss = 0;
        for (float x : features(static_cast<member_index>(i))) ss = std::fma(double(x), double(x), ss);
        norm_[i] = std::sqrt(ss);
    }
}

void community::build_graph() {
    const std::size_t n = ids_.size();
    const interaction_table& inter = rows_;
    // Interactions: canonical (low, high) pairs, merged.
    const std::size_t e = inter.size();
    if (inter.target.size() != e) throw config_error("interactions: source and target differ in length");
    if (!inter.weight.empty() && inter.weight.size() != e) throw config_error("interactions: weight column length");
    struct edge {
        member_index a, b;
        double w;
    };
    std::vector<edge> edges;
    edges.reserve(e);
    for (std::size_t k = 0; k < e; ++k) {
        if (inter.source[k] >= n || inter.target[k] >= n)
            throw config_error(fmt::format("interactions row {}: member row out of range", k));
        const double w = inter.weight.empty() ? 1.0 : inter.weight[k];
        if (!(w > 0) || !std::isfinite(w))
            throw config_error(fmt::format("interactions row {}: weight must be a finite number > 0", k));
        member_index a = by_input_[inter.source[k]];
        member_index b = by_input_[inter.target[k]];
        if (a == b) {
            ++self_loops_;
            continue;
        }
        if (a > b) std::swap(a, b);
        edges.push_back({a, b, w});
    }
    // The timestamp column is checked now; the dated contacts per member
    // are built on first use (action_times()).
    if (!inter.timestamp.empty() && inter.timestamp.size() != e)
        throw config_error("interactions: timestamp column length");
    // Sorted by (a, b), stably, so that repeated pairs add their weights in
    // input order: a counting sort by a (O(n + m)), then each member's short
    // run by b.
    {
        std::vector<std::uint64_t> at(n + 1, 0);
        for (const auto& x : edges) ++at[x.a + 1];
        for (std::size_t i = 0; i < n; ++i) at[i + 1] += at[i];
        std::vector<edge> sorted(edges.size());
        std::vector<std::uint64_t> fill(at.begin(), at.end() - 1);
        for (const auto& x : edges) sorted[fill[x.a]++] = x;
        for (std::size_t i = 0; i < n; ++i)
            std::stable_sort(sorted.begin() + static_cast<std::ptrdiff_t>(at[i]),
                             sorted.begin() + static_cast<std::ptrdiff_t>(at[i + 1]),
                             [](const edge& x, const edge& y) { return x.b < y.b; });
        edges = std::move(sorted);
    }
    std::size_t kept = 0;
    for (std::size_t k = 0; k < edges.size(); ++k) {
        if (kept > 0 && edges[kept - 1].a == edges[k].a && edges[kept - 1].b == edges[k].b) {
            edges[kept - 1].w += edges[k].w;
            ++duplicates_;
        } else {
            edges[kept++] = edges[k];
        }
    }
    edges.resize(kept);
    adj_offsets_.assign(n + 1, 0);
    for (const auto& x : edges) {
        ++adj_offsets_[x.a + 1];
        ++adj_offsets_[x.b + 1];
    }
    for (std::size_t i = 0; i < n; ++i) adj_offsets_[i + 1] += adj_offsets_[i];
    adj_.resize(2 * kept);
    adj_weight_.resize(2 * kept);
    {
        // Two sweeps keep every list sorted: first each vertex's smaller
        // neighbours (edges are sorted by a), then its larger ones (by b).
        std::vector<std::uint64_t> pos(adj_offsets_.begin(), adj_offsets_.end() - 1);
        for (const auto& x : edges) {  // sorted by a: for fixed b, a increases
            adj_[pos[x.b]] = x.a;
            adj_weight_[pos[x.b]++] = x.w;
        }
        for (const auto& x : edges) {  // then the larger neighbours, in b order
            adj_[pos[x.a]] = x.b;
            adj_weight_[pos[x.a]++] = x.w;
        }
    }
}

std::span<const double> community::action_times(member_index i) const {
    // Dated contacts per member (both ends of every row with a timestamp),
    // built once, by whichever query asks first.
    std::call_once(dated_->once, [this] {
        const std::size_t n = size();
        const interaction_table& inter = rows_;
        auto& off = dated_->offsets;
        auto& times = dated_->times;
        off.assign(n + 1, 0);
        if (!inter.timestamp.empty()) {
            const std::size_t e = inter.size();
            for (std::size_t k = 0; k < e; ++k) {
                const member_index a = by_input_[inter.source[k]], b = by_input_[inter.target[k]];
                if (a == b || std::isnan(inter.timestamp[k])) continue;
                ++off[a + 1];
                ++off[b + 1];
            }
            for (std::size_t m = 0; m < n; ++m) off[m + 1] += off[m];
            times.resize(off[n]);
            std::vector<std::uint64_t> fill(off.begin(), off.end() - 1);
            for (std::size_t k = 0; k < e; ++k) {
                const member_index a = by_input_[inter.source[k]], b = by_input_[inter.target[k]];
                if (a == b || std::isnan(inter.timestamp[k])) continue;
                times[fill[a]++] = inter.timestamp[k];
                times[fill[b]++] = inter.timestamp[k];
            }
            for (std::size_t m = 0; m < n; ++m)
                std::sort(times.begin() + static_cast<std::ptrdiff_t>(off[m]),
                          times.begin() + static_cast<std::ptrdiff_t>(off[m + 1]));
        }
    });
    return {dated_->times.data() + dated_->offsets[i], dated_->times.data() + dated_->offsets[i + 1]};
}

std::optional<member_index> community::find(std::string_view id) const noexcept { return index_.find(id); }

member_index community::index_of(std::string_view id) const {
    auto at = index_.find(id);
    if (!at) throw not_found_error(fmt::format("unknown member id '{}'", id));
    return *at;
}

bool community::has_interaction(member_index u, member_index v) const noexcept {
    if (u >= size() || v >= size()) return false;
    auto nb = neighbors(u);
    return std::binary_search(nb.begin(), nb.end(), v);
}

double community::interaction_weight(member_index u, member_index v) const noexcept {
    if (u >= size() || v >= size()) return 0;
    auto nb = neighbors(u);
    auto it = std::lower_bound(nb.begin(), nb.end(), v);
    if (it == nb.end() || *it != v) return 0;
    return neighbor_weights(u)[static_cast<std::size_t>(it - nb.begin())];
}

std::vector<std::size_t> community::stage_counts() const {
    std::vector<std::size_t> out(journey_.stage_count());
    for (std::size_t s = 0; s < out.size(); ++s) out[s] = stage_begin_[s + 1] - stage_begin_[s];
    return out;
}

std::size_t community::memory_bytes() const noexcept {
    std::size_t b = 0;
    for (const auto& s : ids_) b += sizeof(std::string) + (s.size() > 15 ? s.capacity() : 0);
    b += stage_.capacity() * sizeof(stage_index) + satisfaction_.capacity() + capacity_.capacity() * 4 +
         opted_out_.capacity() + activity_.capacity() * 8 + input_pos_.capacity() * 4 + by_input_.capacity() * 4 +
         tag_offsets_.capacity() * 4 + tag_ids_.capacity() * 4 + norm_.capacity() * 8 + adj_offsets_.capacity() * 8 +
         adj_.capacity() * 4 + adj_weight_.capacity() * 8 + rows_.source.capacity() * 4 + rows_.target.capacity() * 4 +
         rows_.weight.capacity() * 8 + rows_.timestamp.capacity() * 8;
    if (features_.owner) b += features_.rows * features_.dims * sizeof(float);
    b += index_.memory_bytes();
    return b;
}

community community::from_csv(const std::filesystem::path& members,
                              const std::optional<std::filesystem::path>& interactions, engage_right::journey j) {
    member_table m = read_members(members, j);
    interaction_table t;
    if (interactions) t = read_interactions(*interactions, m);
    return community(std::move(j), std::move(m), std::move(t));
}

member_table community::to_member_table() const {
    const std::size_t n = size();
    member_table m;
    m.tag_offsets.assign(n + 1, 0);
    for (std::size_t r = 0; r < n; ++r) {
        const member_index i = by_input_[r];
        m.id.push_back(ids_[i]);
        m.stage.push_back(stage_[i]);
        m.satisfaction.push_back(satisfaction_[i]);
        m.capacity.push_back(capacity_[i]);
        m.opted_out.push_back(opted_out_[i]);
        m.activity.push_back(activity_[i]);
        const auto t = tags(i);
        m.tag_ids.insert(m.tag_ids.end(), t.begin(), t.end());
        m.tag_offsets[r + 1] = static_cast<std::uint32_t>(m.tag_ids.size());
    }
    m.tag_names = tag_names_;
    m.features = features_;
    if (m.features.dims == 0) m.features = feature_block{};
    return m;
}

}  // namespace engage_right
