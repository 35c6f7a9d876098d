// A FIFO of bytes for socket buffers: appends at the back, consumes from the
// front, and compacts only when the dead prefix dominates, so a long stream
// costs amortised O(1) per byte.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace loopscope::sim {

class ByteQueue {
public:
    std::size_t size() const { return data_.size() - head_; }
    bool empty() const { return size() == 0; }
    void append(std::string_view bytes) { data_.append(bytes); }
    // The bytes from `offset` (relative to the front), at most `count`.
    std::string_view peek(std::size_t offset, std::size_t count) const {
        if (offset >= size()) return {};
        return std::string_view(data_).substr(head_ + offset, count);
    }
    std::string take(std::size_t count) {
        std::string out(peek(0, count));
        drop(out.size());
        return out;
    }
    void drop(std::size_t count) {
        head_ += count < size() ? count : size();
        if (head_ == data_.size()) {
            data_.clear();
            head_ = 0;
        } else if (head_ > 65536 && head_ * 2 > data_.size()) {
            data_.erase(0, head_);
            head_ = 0;
        }
    }

private:
    std::string data_;
    std::size_t head_ = 0;
};

}  // namespace loopscope::sim
