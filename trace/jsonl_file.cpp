// Reading a trace file: map it into memory (Linux) or read it whole, then
// hand the text to read_trace_text (jsonl.cpp).
#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>

#if defined(__linux__)
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

#include "trace/jsonl.hpp"

namespace loopscope::trace {

std::variant<Trace, LoadError> read_trace_file(const std::string& path, const LoadProgress& progress) {
#if defined(__linux__)
    // Map the file instead of copying it: on a warm cache MAP_POPULATE wires
    // the cached pages in with one call, where a copy would fault in a fresh
    // buffer page by page (the largest cost of a load on a virtual machine).
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return LoadError{path, 0, 0, std::string("cannot open: ") + std::strerror(errno)};
    struct stat info {};
    if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
        ::close(fd);
        return LoadError{path, 0, 0, "cannot read: not a regular file"};
    }
    const auto bytes = static_cast<std::size_t>(info.st_size);
    if (bytes == 0) {
        ::close(fd);
        return read_trace_text({}, path, progress);
    }
    void* data = ::mmap(nullptr, bytes, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    ::close(fd);
    if (data == MAP_FAILED) return LoadError{path, 0, 0, std::string("cannot read: ") + std::strerror(errno)};
    auto result = read_trace_text(std::string_view(static_cast<const char*>(data), bytes), path, progress);
    ::munmap(data, bytes);
    return result;
#else
    std::ifstream in(path, std::ios::binary);
    if (!in) return LoadError{path, 0, 0, std::string("cannot open: ") + std::strerror(errno)};
    in.seekg(0, std::ios::end);
    const auto size = in.tellg();
    if (size < 0) return LoadError{path, 0, 0, "cannot read: not a regular file"};
    in.seekg(0, std::ios::beg);
    // Not a std::string: zero-filling a buffer that is overwritten at once
    // costs as much as reading a warm file.
    const auto bytes = static_cast<std::size_t>(size);
    const auto text = std::make_unique_for_overwrite<char[]>(bytes + 1);
    if (!in.read(text.get(), size)) return LoadError{path, 0, 0, std::string("cannot read: ") + std::strerror(errno)};
    return read_trace_text(std::string_view(text.get(), bytes), path, progress);
#endif
}

bool looks_like_trace_file(const std::string& path) {
    if (path.size() >= 6 && path.compare(path.size() - 6, 6, ".jsonl") == 0) return true;
    std::ifstream in(path, std::ios::binary);
    std::string first_line;
    std::getline(in, first_line);
    return first_line.find("\"format\":\"loopscope-trace\"") != std::string::npos ||
           first_line.find("\"format\": \"loopscope-trace\"") != std::string::npos;
}

}  // namespace loopscope::trace
