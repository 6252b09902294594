#include <engage_right/detail/csv.hpp>
#include <engage_right/error.hpp>
#include <engage_right/io.hpp>
#include <engage_right/snapshot.hpp>

#include <fmt/format.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>

// Layout (little-endian; docs/reliability.md, "Snapshot format"):
//   magic    8 bytes  "\x89ERSNAP\r" (a 7-bit channel or a text-mode copy breaks it)
//   version  u32      snapshot_version
//   reserved u32      0 (readers reject anything else)
//   length   u64      payload bytes
//   checksum u64      XXH3-64 of the payload (seed 0)
//   payload: journey JSON; n; n ids; stage u16[n]; satisfaction i8[n];
//            capacity i32[n]; opted_out u8[n]; activity f64[n];
//            tag names; tag offsets u32[n+1]; tag ids u32[];
//            dims u64; features f32[n*dims];
//            m u64; flags u8 (1 weight, 2 timestamp); source u32[m];
//            target u32[m]; weight f64[m]; timestamp f64[m]
// A string is u32 length + bytes; an array is its elements back to back.

namespace engage_right {

namespace {

constexpr char magic[8] = {'\x89', 'E', 'R', 'S', 'N', 'A', 'P', '\r'};
constexpr std::size_t header_size = 8 + 4 + 4 + 8 + 8;
// XXH3 (xxHash, header-only here): tens of GB/s, so the checksum costs
// little next to reading the file. It guards against damage, not forgery:
// every loaded value goes through the input rules anyway.
std::uint64_t checksum(std::string_view payload) noexcept { return XXH3_64bits(payload.data(), payload.size()); }

template <class T>
T to_little(T v) noexcept {
    if constexpr (std::endian::native == std::endian::big && sizeof(T) > 1) {
        auto bytes = std::bit_cast<std::array<unsigned char, sizeof(T)>>(v);
        std::reverse(bytes.begin(), bytes.end());
        return std::bit_cast<T>(bytes);
    }
    return v;
}

class writer {
public:
    template <class T>
    void put(T v) {
        static_assert(std::is_trivially_copyable_v<T>);
        v = to_little(v);
        out.append(reinterpret_cast<const char*>(&v), sizeof(T));
    }
    template <class T>
    void put_array(const T* data, std::size_t count) {
        if constexpr (std::endian::native == std::endian::little || sizeof(T) == 1) {
            if (count) out.append(reinterpret_cast<const char*>(data), count * sizeof(T));
        } else {
            for (std::size_t k = 0; k < count; ++k) put(data[k]);
        }
    }
    void put_string(std::string_view s) {
        put(static_cast<std::uint32_t>(s.size()));
        out.append(s);
    }
    std::string out;
};

class reader {
public:
    reader(std::string_view bytes, std::string_view source) : bytes_(bytes), source_(source) {}

    [[noreturn]] void fail(const std::string& what) const { throw input_error(std::string(source_), 0, 0, what); }

    // Bytes for `count` elements of `size`, checked before anything is allocated.
    const char* take(std::size_t count, std::size_t size, const char* what) {
        const std::size_t left = bytes_.size() - at_;
        if (size != 0 && count > left / size)
            fail(fmt::format("truncated snapshot: {} needs {} x {} bytes at offset {}, {} left", what, count, size,
                             header_size + at_, left));
        const char* p = bytes_.data() + at_;
        at_ += count * size;
        return p;
    }
    template <class T>
    T get(const char* what) {
        T v;
        std::memcpy(&v, take(1, sizeof(T), what), sizeof(T));
        return to_little(v);
    }
    template <class T>
    void get_array(std::vector<T>& v, std::size_t count, const char* what) {
        const char* p = take(count, sizeof(T), what);
        v.resize(count);
        if (count) std::memcpy(v.data(), p, count * sizeof(T));
        if constexpr (std::endian::native == std::endian::big && sizeof(T) > 1)
            for (auto& x : v) x = to_little(x);
    }
    std::string get_string(const char* what) {
        const auto len = get<std::uint32_t>(what);
        return std::string(take(len, 1, what), len);
    }
    std::size_t count(const char* what) {
        const auto c = get<std::uint64_t>(what);
        // Every counted element takes at least one byte.
        if (c > bytes_.size() - at_)
            fail(fmt::format("truncated snapshot: {} says {} entries, {} bytes left", what, c, bytes_.size() - at_));
        return static_cast<std::size_t>(c);
    }
    bool at_end() const noexcept { return at_ == bytes_.size(); }

private:
    std::string_view bytes_;
    std::string_view source_;
    std::size_t at_ = 0;
};

}  // namespace

std::string snapshot_bytes(const community& c) {
    const member_table m = c.to_member_table();
    const interaction_table& t = c.interaction_rows();
    const std::size_t n = m.size();
    writer w;
    w.put_string(c.journey().to_json());
    w.put(static_cast<std::uint64_t>(n));
    for (const auto& id : m.id) w.put_string(id);
    w.put_array(m.stage.data(), n);
    w.put_array(m.satisfaction.data(), n);
    w.put_array(m.capacity.data(), n);
    w.put_array(m.opted_out.data(), n);
    w.put_array(m.activity.data(), n);
    w.put(static_cast<std::uint64_t>(m.tag_names.size()));
    for (const auto& name : m.tag_names) w.put_string(name);
    w.put_array(m.tag_offsets.data(), n + 1);
    w.put_array(m.tag_ids.data(), m.tag_ids.size());
    const std::size_t dims = m.features.dims;
    w.put(static_cast<std::uint64_t>(dims));
    w.put_array(m.features.data, n * dims);
    const std::size_t rows = t.size();
    w.put(static_cast<std::uint64_t>(rows));
    const std::uint8_t flags = (t.weight.empty() ? 0 : 1) | (t.timestamp.empty() ? 0 : 2);
    w.put(flags);
    w.put_array(t.source.data(), rows);
    w.put_array(t.target.data(), rows);
    if (flags & 1) w.put_array(t.weight.data(), rows);
    if (flags & 2) w.put_array(t.timestamp.data(), rows);

    writer h;
    h.out.append(magic, sizeof magic);
    h.put(snapshot_version);
    h.put(std::uint32_t{0});
    h.put(static_cast<std::uint64_t>(w.out.size()));
    h.put(checksum(w.out));
    h.out += w.out;
    return std::move(h.out);
}

community community_from_snapshot(std::string_view bytes, std::string_view source) {
    auto fail = [&](const std::string& what) -> void { throw input_error(std::string(source), 0, 0, what); };
    if (bytes.size() < sizeof magic || std::memcmp(bytes.data(), magic, sizeof magic) != 0)
        fail("not an engage-right snapshot (the file does not start with the snapshot signature)");
    if (bytes.size() < header_size)
        fail(fmt::format("truncated snapshot: {} bytes, the header alone takes {}", bytes.size(), header_size));
    reader head(bytes.substr(sizeof magic, header_size - sizeof magic), source);
    const auto version = head.get<std::uint32_t>("version");
    if (version != snapshot_version)
        fail(fmt::format("snapshot format version {} is not supported (this library reads version {})", version,
                         snapshot_version));
    if (const auto reserved = head.get<std::uint32_t>("reserved"); reserved != 0)
        fail(fmt::format("snapshot header field 'reserved' is {}, expected 0", reserved));
    const auto length = head.get<std::uint64_t>("length");
    const auto sum = head.get<std::uint64_t>("checksum");
    const std::string_view payload = bytes.substr(header_size);
    if (length != payload.size())
        fail(fmt::format("truncated or extended snapshot: the header announces {} payload bytes, the file has {}",
                         length, payload.size()));
    if (checksum(payload) != sum) fail("corrupted snapshot: checksum mismatch");

    reader r(payload, source);
    journey j;
    try {
        j = journey::from_json(r.get_string("journey"), fmt::format("{} (journey)", source));
    } catch (const input_error&) {
        throw;
    } catch (const error& e) {
        fail(fmt::format("journey: {}", e.what()));
    }
    member_table m;
    const std::size_t n = r.count("members");
    m.id.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        m.id.push_back(r.get_string("member id"));
        if (m.id.back().empty()) fail(fmt::format("members row {}: empty id", i));
        if (auto problem = detail::text_problem(m.id.back()); !problem.empty())
            fail(fmt::format("members row {}: id: {}", i, problem));
    }
    r.get_array(m.stage, n, "stages");
    r.get_array(m.satisfaction, n, "satisfaction");
    r.get_array(m.capacity, n, "capacity");
    r.get_array(m.opted_out, n, "opted_out");
    r.get_array(m.activity, n, "activity");
    const std::size_t tags = r.count("tag names");
    m.tag_names.reserve(tags);
    for (std::size_t k = 0; k < tags; ++k) {
        m.tag_names.push_back(r.get_string("tag name"));
        if (auto problem = detail::text_problem(m.tag_names.back()); !problem.empty())
            fail(fmt::format("tag {}: {}", k, problem));
    }
    r.get_array(m.tag_offsets, n + 1, "tag offsets");
    if (m.tag_offsets.front() != 0) fail("tag offsets do not start at 0");
    r.get_array(m.tag_ids, m.tag_offsets.back(), "tag ids");
    const std::size_t dims = r.count("feature dimensions");
    if (dims != 0) {
        if (n > std::numeric_limits<std::size_t>::max() / dims) fail("feature block too large");
        std::vector<float> values;
        r.get_array(values, n * dims, "features");
        m.features = feature_block::own(std::move(values), n, dims);
    }
    interaction_table t;
    const std::size_t rows = r.count("interaction rows");
    const auto flags = r.get<std::uint8_t>("interaction flags");
    if (flags > 3) fail(fmt::format("unknown interaction flags {}", flags));
    r.get_array(t.source, rows, "interaction sources");
    r.get_array(t.target, rows, "interaction targets");
    if (flags & 1) r.get_array(t.weight, rows, "interaction weights");
    if (flags & 2) {
        r.get_array(t.timestamp, rows, "interaction timestamps");
        for (std::size_t k = 0; k < rows; ++k)
            if (!std::isnan(t.timestamp[k]))
                if (auto problem = time_problem(t.timestamp[k]); !problem.empty())
                    fail(fmt::format("interactions row {}: timestamp: {}", k, problem));
    }
    if (!r.at_end()) fail("snapshot has data past its last section");
    try {
        return community(std::move(j), std::move(m), std::move(t));
    } catch (const config_error& e) {
        fail(e.what());
    }
    throw error("unreachable");
}

void save(const community& c, const std::filesystem::path& path) { write_file_atomically(path, snapshot_bytes(c)); }

community load(const std::filesystem::path& path) {
    const std::string bytes = read_file(path);
    return community_from_snapshot(bytes, path.string());
}

}  // namespace engage_right
