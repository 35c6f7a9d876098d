#include "real/client_echo.hpp"

#include <unordered_map>

#include "real/scenario_real.hpp"
#include "real/tcp_stream.hpp"
#include "sim/client_program.hpp"

namespace loopscope::real {

namespace {

constexpr std::uint64_t echo_prefix_bytes = 10;  // "You said: "

class EchoClient final : public ClientProgram, public StreamEvents {
public:
    EchoClient(Loop& loop, const sim::Scenario& scenario)
        : loop_(loop),
          params_(scenario.clients),
          reply_bytes_(scenario.server.program == "echo" ? scenario.clients.message_bytes + echo_prefix_bytes : 0) {
        if (sets_field(scenario, "clients.send_buffer")) options_.send_buffer = params_.send_buffer;
        if (sets_field(scenario, "clients.recv_buffer")) options_.recv_buffer = params_.recv_buffer;
    }

    void start(const std::string& host, std::uint16_t port) override {
        host_ = host;
        port_ = port;
        start_next();
    }
    // Done when every client finished its messages and, if it hangs up
    // when done, its socket has closed (so the trace shows the goodbye).
    bool done() const override {
        return finished_ == params_.count && (!params_.close_when_done || clients_.empty());
    }
    std::size_t open_connections() const override { return open_; }
    ClientTotals totals() const override { return totals_; }
    void close() override { clients_.clear(); }

    void on_connect(Duplex& stream) override {
        ++totals_.connections;
        ++open_;
        clients_.at(&stream).connected_once = true;
        totals_.peak_open = std::max<std::uint64_t>(totals_.peak_open, open_);
        next_message(stream);
    }
    void on_data(Duplex& stream, std::string_view data) override {
        Client& c = clients_.at(&stream);
        c.received += data.size();
        totals_.bytes_received += data.size();
        if (c.received >= c.expected && c.waiting) {
            c.waiting = false;
            ++totals_.responses;
            if (params_.think_ns > 0 && c.sent_messages < params_.messages) {
                loop_.start_timer(params_.think_ns, [this, &stream] { next_message(stream); });
            } else {
                next_message(stream);
            }
        }
    }
    void on_error(Duplex&, std::error_code) override { ++totals_.errors; }
    void on_close(Duplex& stream, bool) override {
        const auto it = clients_.find(&stream);
        if (it == clients_.end()) return;
        if (it->second.connected_once) --open_;
        if (!it->second.finished) ++finished_;
        if (!static_cast<TcpStream&>(stream).connected()) ++totals_.connect_failures;
        clients_.erase(it);
    }

private:
    struct Client {
        std::unique_ptr<TcpStream> stream;
        std::uint32_t sent_messages = 0;
        std::uint64_t received = 0;
        std::uint64_t expected = 0;
        bool waiting = false;
        bool finished = false;
        bool connected_once = false;
    };

    void start_next() {
        if (started_ == params_.count) return;
        ++started_;
        try {
            auto stream = TcpStream::connect(loop_, host_, port_, *this, options_);
            Duplex* key = stream.get();
            clients_[key].stream = std::move(stream);
        } catch (const std::system_error&) {
            ++totals_.connect_failures;  // no fd left: counted, not fatal
            ++finished_;
        }
        if (started_ < params_.count) {
            if (params_.start_interval_ns > 0) loop_.start_timer(params_.start_interval_ns, [this] { start_next(); });
            else start_next();
        }
    }

    void next_message(Duplex& stream) {
        Client& c = clients_.at(&stream);
        if (c.sent_messages < params_.messages) {
            ++c.sent_messages;
            c.expected += reply_bytes_;
            c.waiting = reply_bytes_ > 0;
            const std::string message = sim::filler_bytes(totals_.bytes_sent, params_.message_bytes);
            totals_.bytes_sent += message.size();
            ++totals_.requests;
            stream.write(message);
            if (!c.waiting) next_message(stream);
            return;
        }
        if (!c.finished) {
            c.finished = true;
            ++finished_;
        }
        if (params_.close_when_done) stream.end();
    }

    Loop& loop_;
    sim::ClientParams params_;
    std::uint64_t reply_bytes_;
    StreamOptions options_;
    std::string host_;
    std::uint16_t port_ = 0;
    std::uint32_t started_ = 0;
    std::uint32_t finished_ = 0;
    std::uint64_t open_ = 0;
    ClientTotals totals_;
    std::unordered_map<Duplex*, Client> clients_;
};

}  // namespace

std::unique_ptr<ClientProgram> make_echo_client(Loop& loop, const sim::Scenario& scenario, RunNotes&) {
    return std::make_unique<EchoClient>(loop, scenario);
}

}  // namespace loopscope::real
