#include "real/reserved_memory.hpp"

#include <cstring>
#include <new>
#include <utility>

#if defined(__unix__) || defined(__APPLE__)
#include <sys/mman.h>
#define LOOPSCOPE_HAVE_MMAP 1
#else
#include <cstdlib>
#endif

namespace loopscope::real {

ReservedMemory::ReservedMemory(std::size_t bytes, bool commit) : size_(bytes) {
    if (bytes == 0) return;
#ifdef LOOPSCOPE_HAVE_MMAP
    int flags = MAP_PRIVATE | MAP_ANONYMOUS;
    // Uncommitted: a reservation of gigabytes for a long benchmark must not
    // be refused by overcommit accounting; only written pages count.
    if (!commit) flags |= MAP_NORESERVE;
#ifdef MAP_POPULATE
    if (commit) flags |= MAP_POPULATE;  // every page faulted in now, by the kernel, in one call
#endif
    void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, flags, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    data_ = p;
#ifndef MAP_POPULATE
    if (commit) std::memset(p, 0, bytes);
#endif
#else
    data_ = std::malloc(bytes);  // untouched pages stay uncommitted on Windows too
    if (data_ == nullptr) throw std::bad_alloc();
    if (commit) std::memset(data_, 0, bytes);
#endif
}

ReservedMemory::~ReservedMemory() { release(); }

ReservedMemory::ReservedMemory(ReservedMemory&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}

ReservedMemory& ReservedMemory::operator=(ReservedMemory&& other) noexcept {
    if (this != &other) {
        release();
        data_ = std::exchange(other.data_, nullptr);
        size_ = std::exchange(other.size_, 0);
    }
    return *this;
}

void ReservedMemory::release() noexcept {
    if (data_ == nullptr) return;
#ifdef LOOPSCOPE_HAVE_MMAP
    ::munmap(data_, size_);
#else
    std::free(data_);
#endif
    data_ = nullptr;
    size_ = 0;
}

}  // namespace loopscope::real
