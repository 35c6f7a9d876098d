// Placeholder until the libpcap capture lands (branch helper/backends
// replaces this file): --capture says it is not available and the run
// goes on without the wire lane, as it does when capture is not permitted.
#include "real/capture.hpp"

namespace loopscope::real {

std::variant<std::unique_ptr<PacketCapture>, std::string> start_capture(std::uint16_t) {
    return std::string("packet capture is not built into this version; the run goes on without the wire lane");
}

}  // namespace loopscope::real
