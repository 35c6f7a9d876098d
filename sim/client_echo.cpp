// clients.program "echo": sends `messages` messages of message_bytes, each
// after the server's reply to the previous one has arrived (or at once when
// the server says nothing back), pausing think_ns in between; then ends.
#include <algorithm>
#include <vector>

#include "sim/client_program.hpp"

namespace loopscope::sim {
namespace {

constexpr std::uint64_t echo_prefix_bytes = 10;  // "You said: "

class EchoClient final : public ClientProgram {
public:
    explicit EchoClient(const Scenario& scenario)
        : params_(scenario.clients),
          reply_bytes_(scenario.server.program == "echo" ? scenario.clients.message_bytes + echo_prefix_bytes : 0) {}

    void on_connected(ClientApi& api, Nanos now, std::int32_t conn) override { next_message(api, now, conn); }

    void on_wake(ClientApi& api, Nanos now, std::int32_t conn) override {
        Conn& c = at(conn);
        api.read(now, conn, ~std::uint64_t{0});
        send_pending(api, now, conn);
        const bool replied = c.to_send == 0 && api.received(conn) >= c.reply_expected;
        if (c.thinking || !replied || c.messages_sent == 0) return;
        if (params_.think_ns > 0 && c.messages_sent < params_.messages) {
            c.thinking = true;
            api.set_timer(now, conn, params_.think_ns, 0);
        } else {
            next_message(api, now, conn);
        }
    }

    void on_timer(ClientApi& api, Nanos now, std::int32_t conn, std::uint64_t) override {
        Conn& c = at(conn);
        if (!c.thinking) return;
        c.thinking = false;
        next_message(api, now, conn);
    }

private:
    struct Conn {
        std::uint32_t messages_sent = 0;
        std::uint64_t to_send = 0;         // bytes of the current message not yet accepted
        std::uint64_t reply_expected = 0;  // bytes to receive before the next message
        bool thinking = false;
    };
    Conn& at(std::int32_t conn) {
        if (conns_.size() <= static_cast<std::size_t>(conn)) conns_.resize(static_cast<std::size_t>(conn) + 1);
        return conns_[static_cast<std::size_t>(conn)];
    }

    void next_message(ClientApi& api, Nanos now, std::int32_t conn) {
        Conn& c = at(conn);
        if (c.messages_sent < params_.messages) {
            if (api.received(conn) < c.reply_expected) return;  // still waiting for the last echo
            ++c.messages_sent;
            c.to_send = params_.message_bytes;
            c.reply_expected += reply_bytes_;
            send_pending(api, now, conn);
            return;
        }
        if (params_.close_when_done) api.end(now, conn);
    }

    void send_pending(ClientApi& api, Nanos now, std::int32_t conn) {
        Conn& c = at(conn);
        if (c.to_send == 0 || api.ended(conn)) return;
        const std::uint64_t n = std::min(api.send_room(conn), c.to_send);
        c.to_send -= api.write(now, conn, filler_bytes(api.sent(conn), n), c.to_send).accepted;
    }

    ClientParams params_;
    std::uint64_t reply_bytes_;
    std::vector<Conn> conns_;  // by connection id
};

}  // namespace

std::unique_ptr<ClientProgram> make_echo_client(const Scenario& scenario) {
    return std::make_unique<EchoClient>(scenario);
}

}  // namespace loopscope::sim
