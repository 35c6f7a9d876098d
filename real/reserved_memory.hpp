// Address space reserved once for the recorder. By default the kernel
// backs it only as it is written, so a short run costs only what it
// records. A long traced run at full speed can ask for every page up
// front instead (`commit`): the first write to a fresh 4 KiB page is a
// page fault, and in a VM that fault is taken twice (guest, then host),
// which on the reference machine cost more than the records themselves
// (docs/performance.md). Transparent huge pages were tried and were
// worse there: each fault then zeroes, and may compact, 2 MiB at once.
#pragma once

#include <cstddef>

namespace loopscope::real {

class ReservedMemory {
public:
    ReservedMemory() = default;
    // Throws std::bad_alloc when the address space cannot be reserved
    // (or, with `commit`, backed).
    explicit ReservedMemory(std::size_t bytes, bool commit = false);
    ~ReservedMemory();
    ReservedMemory(ReservedMemory&& other) noexcept;
    ReservedMemory& operator=(ReservedMemory&& other) noexcept;
    ReservedMemory(const ReservedMemory&) = delete;
    ReservedMemory& operator=(const ReservedMemory&) = delete;

    void* data() const noexcept { return data_; }
    std::size_t size() const noexcept { return size_; }

private:
    void release() noexcept;
    void* data_ = nullptr;
    std::size_t size_ = 0;
};

}  // namespace loopscope::real
