#pragma once
/// @file community.hpp
/// An immutable, stage-labelled community: members, their attributes and
/// features, and the undirected interaction graph.

#include <engage_right/detail/id_index.hpp>
#include <engage_right/journey.hpp>
#include <engage_right/tables.hpp>
#include <engage_right/types.hpp>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace engage_right {

/// Half-open range of member indices [first, last).
struct index_range {
    member_index first = 0;
    member_index last = 0;
    std::size_t size() const noexcept { return last - first; }
    bool contains(member_index i) const noexcept { return i >= first && i < last; }
};

/// An immutable community. Members are re-ordered by (stage, id), so every
/// stage is one contiguous block of indices; `input_position()` maps back to
/// the order of the input. Interactions form a simple undirected graph stored
/// as sorted adjacency lists (duplicates merged with weights added, self-loops
/// dropped and counted). Cheap to share between threads: all methods are const.
class community {
public:
    /// An empty community on the default journey.
    community();

    /// Build from tables. @throws config_error (not input_error: tables have
    /// no file) naming the row of the first problem; nothing is kept then.
    /// The interaction rows are kept as given (see interaction_rows()).
    community(engage_right::journey j, member_table members, interaction_table interactions = {});

    community(const community&) = delete;
    community& operator=(const community&) = delete;
    community(community&&) noexcept;
    community& operator=(community&&) noexcept;
    ~community();

    /// Read members.csv and, when given, interactions.csv (DESIGN.md section 2).
    /// @throws input_error with file, line and column; nothing is half-loaded.
    static community from_csv(const std::filesystem::path& members,
                              const std::optional<std::filesystem::path>& interactions = std::nullopt,
                              engage_right::journey j = {});

    const engage_right::journey& journey() const noexcept { return journey_; }

    /// Number of members.
    std::size_t size() const noexcept { return ids_.size(); }

    /// Members of a stage: a contiguous index range.
    index_range stage_members(stage_index s) const noexcept { return {stage_begin_[s], stage_begin_[s + 1u]}; }

    /// Index of a member id, or nullopt. O(1) expected.
    std::optional<member_index> find(std::string_view id) const noexcept;
    /// Index of a member id. @throws not_found_error.
    member_index index_of(std::string_view id) const;

    const std::string& id(member_index i) const { return ids_[i]; }
    stage_index stage(member_index i) const noexcept { return stage_[i]; }
    /// 0..10, or nullopt when unknown.
    std::optional<int> satisfaction(member_index i) const noexcept {
        return satisfaction_[i] < 0 ? std::nullopt : std::optional<int>(satisfaction_[i]);
    }
    /// Raw satisfaction: 0..10 or -1 for unknown.
    std::int8_t satisfaction_raw(member_index i) const noexcept { return satisfaction_[i]; }
    /// Capacity with the journey default applied.
    int capacity(member_index i) const noexcept {
        return capacity_[i] < 0 ? journey_.default_capacity() : capacity_[i];
    }
    /// True when the member's capacity was given rather than defaulted.
    bool capacity_given(member_index i) const noexcept { return capacity_[i] >= 0; }
    bool opted_out(member_index i) const noexcept { return opted_out_[i] != 0; }
    /// Activity score; NaN when not given.
    double activity(member_index i) const noexcept { return activity_[i]; }
    /// Row of this member in the input table.
    std::uint32_t input_position(member_index i) const noexcept { return input_pos_[i]; }
    /// Member at a row of the input table.
    member_index at_input_position(std::uint32_t row) const noexcept { return by_input_[row]; }

    /// Sorted, distinct tag ids of a member. Tags are numbered in name
    /// (byte) order, whatever the order of the input.
    std::span<const std::uint32_t> tags(member_index i) const noexcept {
        return {tag_ids_.data() + tag_offsets_[i], tag_ids_.data() + tag_offsets_[i + 1]};
    }
    const std::string& tag_name(std::uint32_t tag) const { return tag_names_[tag]; }
    std::size_t tag_count() const noexcept { return tag_names_.size(); }

    /// Feature dimension d (0 when there are no features).
    std::size_t dimensions() const noexcept { return features_.dims; }
    /// The feature vector of a member (d floats).
    std::span<const float> features(member_index i) const noexcept {
        return {features_.data + std::size_t{input_pos_[i]} * features_.dims, features_.dims};
    }
    /// The feature storage (shared with whoever owns it).
    const feature_block& feature_storage() const noexcept { return features_; }
    /// Euclidean norm of the member's features (0 for a zero vector).
    double feature_norm(member_index i) const noexcept { return norm_[i]; }

    /// Sorted neighbours in the interaction graph.
    std::span<const member_index> neighbors(member_index i) const noexcept {
        return {adj_.data() + adj_offsets_[i], adj_.data() + adj_offsets_[i + 1]};
    }
    /// Merged weights, aligned with neighbors(i).
    std::span<const double> neighbor_weights(member_index i) const noexcept {
        return {adj_weight_.data() + adj_offsets_[i], adj_weight_.data() + adj_offsets_[i + 1]};
    }
    std::size_t degree(member_index i) const noexcept { return adj_offsets_[i + 1] - adj_offsets_[i]; }
    /// Number of undirected edges (distinct pairs).
    std::size_t edge_count() const noexcept { return adj_.size() / 2; }
    /// True when u and v have interacted. O(log degree).
    bool has_interaction(member_index u, member_index v) const noexcept;
    /// Sum of the weights of the (u, v) interactions, 0 when none.
    double interaction_weight(member_index u, member_index v) const noexcept;
    /// Times (unix seconds, ascending) of the member's dated contacts: one
    /// entry per interaction row with a timestamp that has the member at
    /// either end (self-loops excluded). Empty without timestamps.
    /// Built on the first call (thread-safe), O(rows + n).
    std::span<const double> action_times(member_index i) const;
    /// Self-loops found in the interaction input and dropped.
    std::size_t self_loops_dropped() const noexcept { return self_loops_; }
    /// Interaction rows merged into an existing pair.
    std::size_t duplicate_interactions_merged() const noexcept { return duplicates_; }

    /// The interaction rows the community was built from, in input order,
    /// self-loops and repeated pairs included; endpoints are input positions
    /// (see input_position()). With to_member_table() this is everything the
    /// community holds: `community(journey(), to_member_table(),
    /// interaction_rows())` is an identical community.
    const interaction_table& interaction_rows() const noexcept { return rows_; }
    /// The members as a table in input order; features are shared, not
    /// copied. Tag names are all the (distinct) names the community was built
    /// with, in name order.
    member_table to_member_table() const;

    /// Members per stage.
    std::vector<std::size_t> stage_counts() const;

    /// Approximate heap memory held, in bytes.
    std::size_t memory_bytes() const noexcept;

private:
    void build_attributes(member_table& m, const std::vector<std::uint32_t>& order);
    void build_graph();

    engage_right::journey journey_;
    std::vector<member_index> stage_begin_;  // size stages + 1
    std::vector<std::string> ids_;
    std::vector<stage_index> stage_;
    std::vector<std::int8_t> satisfaction_;
    std::vector<std::int32_t> capacity_;
    std::vector<std::uint8_t> opted_out_;
    std::vector<double> activity_;
    std::vector<std::uint32_t> input_pos_;
    std::vector<member_index> by_input_;
    std::vector<std::uint32_t> tag_offsets_;
    std::vector<std::uint32_t> tag_ids_;
    std::vector<std::string> tag_names_;
    feature_block features_;
    std::vector<double> norm_;
    std::vector<std::uint64_t> adj_offsets_;
    std::vector<member_index> adj_;
    std::vector<double> adj_weight_;
    struct dated;
    std::unique_ptr<dated> dated_;  // action_times(), built on first use
    interaction_table rows_;
    std::size_t self_loops_ = 0;
    std::size_t duplicates_ = 0;
    detail::id_index index_;  // over ids_ (re-pointed on move)
};

}  // namespace engage_right
