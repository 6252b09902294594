#pragma once
// Shared parts of the libFuzzer targets (tests/fuzz/CMakeLists.txt).
//
// A target feeds the fuzzed bytes to a reader's in-memory entry point, the
// one its read_* function (and so the CLI) calls after reading the file. An
// input error is the expected answer to bad bytes; anything else escaping
// (another exception, a crash, a sanitizer report, a leak, a timeout) is a
// finding. Readers of CSV files must answer with an input_error naming the
// file, the others (JSON) with an engage_right::error whose message starts
// with the file name.

#include <engage_right/engage_right.hpp>

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace engage_right::fuzz {

/// The lead-scoring journey of examples/data/quantumcomputing (stages of the
/// default journey, actions with and without values, fit rules).
const journey& fixture_journey();
/// tests/fuzz/fixture/members.csv: ids of examples/data/sample and
/// examples/data/quantumcomputing that the seed corpora name.
const member_table& fixture_members();
/// A community of fixture_members() under fixture_journey().
const community& fixture_community();

/// The fuzzed bytes as text.
inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

[[noreturn]] inline void finding(const char* what, std::string_view source, const char* message) {
    std::fprintf(stderr, "fuzz finding: %s from the %.*s reader: %s\n", what, static_cast<int>(source.size()),
                 source.data(), message);
    std::abort();
}

/// The fuzzed bytes as a file, for readers that take only a path: an
/// in-memory file (memfd) named by /proc/self/fd/N, closed at scope exit.
class memory_file {
public:
    memory_file(const std::uint8_t* data, std::size_t size) : fd_(memfd_create("fuzz", 0)) {
        if (fd_ < 0) std::abort();
        for (std::size_t done = 0; done < size;) {
            const ssize_t n = ::write(fd_, data + done, size - done);
            if (n <= 0) std::abort();
            done += static_cast<std::size_t>(n);
        }
        path_ = "/proc/self/fd/" + std::to_string(fd_);
    }
    memory_file(const memory_file&) = delete;
    memory_file& operator=(const memory_file&) = delete;
    ~memory_file() { ::close(fd_); }

    /// The path to give the reader; errors name it.
    const std::string& path() const noexcept { return path_; }

private:
    int fd_;
    std::string path_;
};

/// Run a CSV reader: returning and throwing an input_error that names
/// `source` are fine, everything else is a finding.
template <class Read>
int csv_reader(std::string_view source, Read&& read) {
    try {
        read();
    } catch (const input_error& e) {
        if (e.file() != source) finding("an input error naming another file", source, e.what());
    } catch (const error& e) {
        finding("an error that is not an input error", source, e.what());
    }
    return 0;
}

/// Run a JSON reader: returning and throwing an engage_right::error whose
/// message starts with `source` are fine, everything else is a finding.
template <class Read>
int json_reader(std::string_view source, Read&& read) {
    try {
        read();
    } catch (const error& e) {
        if (!std::string_view(e.what()).starts_with(source)) finding("an error not naming the file", source, e.what());
    }
    return 0;
}

}  // namespace engage_right::fuzz
