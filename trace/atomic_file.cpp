#include "trace/atomic_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace loopscope::trace {

namespace {

std::string last_error(const char* fallback) { return errno != 0 ? std::strerror(errno) : fallback; }

}  // namespace

std::optional<std::string> cannot_write(const std::string& path_in) {
    namespace fs = std::filesystem;
    std::error_code ec;
    std::string path = path_in;
    if (fs::is_symlink(fs::symlink_status(path_in, ec))) {
        const fs::path target = fs::canonical(path_in, ec);
        if (ec) return "cannot write " + path_in + ": the link points nowhere";
        path = target.string();
    }
    const auto status = fs::status(path, ec);
    if (fs::exists(status) && fs::is_directory(status)) return "cannot write " + path_in + ": it is a directory";
    if (fs::exists(status) && !fs::is_regular_file(status)) return std::nullopt;  // a device or pipe: written directly
    const fs::path parent = fs::path(path).parent_path();
    if (!parent.empty()) {
        const auto dir = fs::status(parent, ec);
        if (!fs::exists(dir)) return "cannot write " + path_in + ": there is no folder " + parent.string();
        if (!fs::is_directory(dir)) return "cannot write " + path_in + ": " + parent.string() + " is not a folder";
    }
    const std::string probe = path + ".tmp-" + std::to_string(::getpid());
    errno = 0;
    const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (fd < 0) return "cannot write " + path_in + ": " + last_error("cannot create a file there");
    ::close(fd);
    ::unlink(probe.c_str());
    return std::nullopt;
}

void write_file_atomically(const std::string& path_in, const std::function<void(std::ostream&)>& write) {
    namespace fs = std::filesystem;
    std::error_code ec;
    std::string path = path_in;
    if (fs::is_symlink(fs::symlink_status(path_in, ec))) {
        const fs::path target = fs::canonical(path_in, ec);
        if (ec) throw std::runtime_error("cannot write " + path_in + ": the link points nowhere");
        path = target.string();
    }
    const auto status = fs::status(path, ec);
    if (fs::exists(status) && fs::is_directory(status))
        throw std::runtime_error("cannot write " + path_in + ": it is a directory");
    if (fs::exists(status) && !fs::is_regular_file(status)) {
        std::ofstream out(path, std::ios::binary);
        if (!out) throw std::runtime_error("cannot write " + path_in + ": " + last_error("cannot open"));
        try {
            write(out);
        } catch (const std::exception& e) {
            throw std::runtime_error("cannot write " + path_in + ": " + e.what());
        }
        out.flush();
        if (!out) throw std::runtime_error("cannot write " + path_in + ": " + last_error("write failed"));
        return;
    }
    const std::string temp = path + ".tmp-" + std::to_string(::getpid());
    const auto fail = [&](const std::string& why) {
        std::remove(temp.c_str());
        throw std::runtime_error("cannot write " + path_in + ": " + why);
    };
    {
        errno = 0;
        std::ofstream out(temp, std::ios::binary | std::ios::trunc);
        if (!out) fail(last_error("cannot create the file"));
        try {
            write(out);
        } catch (const std::exception& e) {
            out.close();
            fail(e.what());
        }
        out.flush();
        if (!out) fail(last_error("write failed"));
        out.close();
        if (!out) fail(last_error("close failed"));
    }
    if (std::rename(temp.c_str(), path.c_str()) != 0) fail(last_error("rename failed"));
}

}  // namespace loopscope::trace
