#pragma once
/// @file snapshot.hpp
/// Snapshots: a community in one binary file that loads without parsing CSV.
/// The format is versioned and checksummed (docs/reliability.md, "Snapshot
/// format"); a snapshot holds the journey, the member table in input order
/// and the interaction rows, so loading rebuilds exactly the saved community
/// through the same checks as any other input.

#include <engage_right/community.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace engage_right {

/// The snapshot format version this library writes (and the only one it reads).
inline constexpr std::uint32_t snapshot_version = 1;

/// The snapshot of a community as bytes. O(size of the community).
std::string snapshot_bytes(const community& c);

/// A community from snapshot bytes. `source` names them in errors.
/// @throws input_error (line 0) when the bytes are not a snapshot, have
/// another version, are truncated or corrupted (checksum), or hold data
/// that breaks an input rule; nothing is half-loaded.
community community_from_snapshot(std::string_view bytes, std::string_view source = "<snapshot>");

/// Write a snapshot file atomically (write_file_atomically: a temporary file,
/// synced and renamed), so a crash mid-save never leaves a broken snapshot.
/// @throws error naming the path when it cannot be written.
void save(const community& c, const std::filesystem::path& path);

/// Read a snapshot file. @throws input_error naming the file.
community load(const std::filesystem::path& path);

}  // namespace engage_right
