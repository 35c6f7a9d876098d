#include "ui/png_writer.hpp"

#include <stb/stb_image_write.h>

#include <ostream>
#include <stdexcept>

#include "trace/atomic_file.hpp"

namespace loopscope::ui {

namespace {

void append_to_stream(void* context, void* data, int size) {
    static_cast<std::ostream*>(context)->write(static_cast<const char*>(data), size);
}

}  // namespace

std::string write_png_file(const std::string& path, int width, int height, const std::vector<std::uint8_t>& rgba) {
    if (width <= 0 || height <= 0 || rgba.size() < static_cast<std::size_t>(width) * static_cast<std::size_t>(height) * 4)
        return path + ": no image to write";
    try {
        // stb encodes into our stream, so a full disk or a broken pipe is
        // seen by the stream's error state rather than lost inside stb.
        trace::write_file_atomically(path, [&](std::ostream& out) {
            if (stbi_write_png_to_func(append_to_stream, &out, width, height, 4, rgba.data(), width * 4) == 0)
                throw std::runtime_error("cannot encode the PNG");
        });
    } catch (const std::exception& e) {
        return e.what();
    }
    return {};
}

}  // namespace loopscope::ui
