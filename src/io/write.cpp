#include <engage_right/error.hpp>
#include <engage_right/io.hpp>

#include <fmt/format.h>

#include <fcntl.h>
#include <unistd.h>
#include <cerrno>
#include <cstring>
#include <random>

namespace engage_right {

namespace {

[[noreturn]] void fail(const std::filesystem::path& path, const char* doing, int err) {
    throw error(fmt::format("{}: cannot write ({} failed: {})", path.string(), doing, std::strerror(err)));
}

}  // namespace

void write_file_atomically(const std::filesystem::path& path, std::string_view bytes) {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (fs::is_directory(path, ec)) throw error(fmt::format("{}: cannot write: it is a directory", path.string()));
    // A name no other writer picks: the process id and a random suffix.
    std::random_device rd;
    fs::path tmp = path;
    tmp += fmt::format(".tmp-{}-{:08x}", static_cast<long>(::getpid()), rd());
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) fail(path, "open", errno);
    auto abandon = [&](const char* doing, int err) {
        ::close(fd);
        ::unlink(tmp.c_str());
        fail(path, doing, err);
    };
    for (std::size_t done = 0; done < bytes.size();) {
        const ssize_t w = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (w < 0) {
            if (errno == EINTR) continue;
            abandon("write", errno);
        }
        done += static_cast<std::size_t>(w);
    }
    if (::fsync(fd) != 0) abandon("fsync", errno);
    if (::close(fd) != 0) {
        const int err = errno;
        ::unlink(tmp.c_str());
        fail(path, "close", err);
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        const int err = errno;
        ::unlink(tmp.c_str());
        fail(path, "rename", err);
    }
    // The rename itself is durable once the folder is synced.
    const fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
    const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        (void)::fsync(dfd);
        ::close(dfd);
    }
}

}  // namespace engage_right
