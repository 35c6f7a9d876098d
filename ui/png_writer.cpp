#include "ui/png_writer.hpp"

#include <stb/stb_image_write.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

namespace loopscope::ui {

std::string write_png_file(const std::string& path, int width, int height, const std::vector<std::uint8_t>& rgba) {
    if (width <= 0 || height <= 0 || rgba.size() < static_cast<std::size_t>(width) * static_cast<std::size_t>(height) * 4)
        return path + ": no image to write";
    const std::string temporary = path + ".tmp-" + std::to_string(::getpid());
    if (stbi_write_png(temporary.c_str(), width, height, 4, rgba.data(), width * 4) == 0) {
        const std::string reason = errno != 0 ? std::strerror(errno) : "cannot write the file";
        std::remove(temporary.c_str());
        return path + ": " + reason;
    }
    std::error_code ec;
    std::filesystem::rename(temporary, path, ec);
    if (ec) {
        std::remove(temporary.c_str());
        return path + ": " + ec.message();
    }
    return {};
}

}  // namespace loopscope::ui
