// clients.program "uploader": writes upload_bytes as fast as the send
// buffer takes them, then ends (shutdown right after the last write).
#include <algorithm>
#include <vector>

#include "sim/client_program.hpp"

namespace loopscope::sim {
namespace {

class UploaderClient final : public ClientProgram {
public:
    explicit UploaderClient(const Scenario& scenario) : params_(scenario.clients) {}

    void on_connected(ClientApi& api, Nanos now, std::int32_t conn) override {
        left(conn) = params_.upload_bytes;
        send_pending(api, now, conn);
    }

    void on_wake(ClientApi& api, Nanos now, std::int32_t conn) override {
        api.read(now, conn, ~std::uint64_t{0});
        send_pending(api, now, conn);
    }

private:
    std::uint64_t& left(std::int32_t conn) {
        if (left_.size() <= static_cast<std::size_t>(conn)) left_.resize(static_cast<std::size_t>(conn) + 1);
        return left_[static_cast<std::size_t>(conn)];
    }

    void send_pending(ClientApi& api, Nanos now, std::int32_t conn) {
        std::uint64_t& to_send = left(conn);
        if (to_send == 0 || api.ended(conn)) return;
        // Only the part that fits is built: the upload can be far larger
        // than the send buffer.
        const std::uint64_t n = std::min(api.send_room(conn), to_send);
        const ClientWrite w = api.write(now, conn, filler_bytes(api.sent(conn), n), to_send);
        to_send -= w.accepted;
        if (w.accepted > 0 && to_send == 0 && params_.close_when_done) api.end(now, conn, w.event);
    }

    ClientParams params_;
    std::vector<std::uint64_t> left_;  // bytes not yet accepted, by connection id
};

}  // namespace

std::unique_ptr<ClientProgram> make_uploader_client(const Scenario& scenario) {
    return std::make_unique<UploaderClient>(scenario);
}

}  // namespace loopscope::sim
