// Screenshots as PNG (stb_image_write), written to a temporary name and
// renamed, so an interrupted export never leaves a half-written image.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace loopscope::ui {

// `rgba` holds width*height pixels, top row first. Returns an error message
// naming the path, or an empty string on success.
std::string write_png_file(const std::string& path, int width, int height, const std::vector<std::uint8_t>& rgba);

}  // namespace loopscope::ui
