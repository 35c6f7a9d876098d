#include "sim/scenario.hpp"

namespace loopscope::sim {

std::string_view os_name(Os os) {
    switch (os) {
        case Os::linux: return "linux";
        case Os::macos: return "macos";
        case Os::windows: return "windows";
    }
    return "linux";
}

}  // namespace loopscope::sim
