#include "real/server_tcp.hpp"

#include <algorithm>
#include <unordered_map>

#include "real/scenario_real.hpp"
#include "real/tcp_listener.hpp"
#include "real/tcp_stream.hpp"

namespace loopscope::real {

namespace {

enum class Behaviour { echo, sink, payload };

StreamOptions server_stream_options(const sim::Scenario& scenario) {
    StreamOptions options;
    options.high_water_mark = scenario.server.high_water_mark;
    if (sets_field(scenario, "server.send_buffer")) options.send_buffer = scenario.server.send_buffer;
    if (sets_field(scenario, "server.recv_buffer")) options.recv_buffer = scenario.server.recv_buffer;
    return options;
}

class TcpServer final : public ServerProgram, public StreamEvents {
public:
    TcpServer(Loop& loop, const sim::Scenario& scenario, Behaviour behaviour)
        : loop_(loop),
          params_(scenario.server),
          behaviour_(behaviour),
          options_(server_stream_options(scenario)),
          listener_(loop, 1, [this](SocketFd fd) { accept(fd); }) {
        if (behaviour_ == Behaviour::payload) {
            options_.trace_payload_text = true;
            const std::string_view pattern = "loopscope payload: the bytes a fast writer sends to a slow reader. ";
            while (chunk_.size() < params_.chunk_bytes)
                chunk_.append(pattern.substr(0, std::min<std::size_t>(pattern.size(), params_.chunk_bytes - chunk_.size())));
        }
    }

    std::error_code listen(const std::string& address, std::uint16_t port) override {
        return listener_.listen(address, port, params_.backlog);
    }
    std::uint16_t port() const override { return listener_.port(); }
    std::uint32_t backlog() const override { return listener_.backlog(); }
    std::size_t open_connections() const override { return connections_.size(); }
    void close() override {
        listener_.close();
        connections_.clear();  // destroying a stream closes its socket
    }

    void on_data(Duplex& stream, std::string_view data) override {
        if (behaviour_ != Behaviour::echo) return;
        // socket.write("You said: " + data): one write, as the chapter's code does.
        reply_.assign("You said: ");
        reply_.append(data);
        stream.write(reply_);
    }
    void on_drain(Duplex& stream) override {
        if (behaviour_ == Behaviour::payload) write_more(stream);
    }
    void on_close(Duplex& stream, bool) override {
        sent_.erase(&stream);
        connections_.erase(&stream);
    }

private:
    void accept(SocketFd fd) {
        auto stream = std::make_unique<TcpStream>(loop_, fd, *this, options_);
        TcpStream* raw = stream.get();
        connections_.emplace(raw, std::move(stream));
        const std::uint32_t r = loop_.tracer().record(trace::Kind::js_connection, raw->conn(), {0}, loop_.io_cause());
        const Stamp started = r != no_record ? cycle_stamp() : Stamp{};
        if (behaviour_ == Behaviour::payload) write_more(*raw);
        loop_.tracer().set_duration(r, 0, started);
    }

    void write_more(Duplex& stream) {
        std::uint64_t& sent = sent_[&stream];
        while (sent < params_.payload_bytes && !stream.closed()) {
            const std::uint64_t n = std::min<std::uint64_t>(params_.chunk_bytes, params_.payload_bytes - sent);
            sent += n;
            const bool ok = stream.write(std::string_view(chunk_).substr(0, n));
            if (!ok && params_.respect_backpressure) return;
        }
        if (params_.close_after_payload && !stream.closed()) stream.end();
    }

    Loop& loop_;
    sim::ServerParams params_;
    Behaviour behaviour_;
    StreamOptions options_;
    TcpListener listener_;
    std::unordered_map<Duplex*, std::unique_ptr<TcpStream>> connections_;
    std::unordered_map<Duplex*, std::uint64_t> sent_;
    std::string chunk_;
    std::string reply_;
};

}  // namespace

std::unique_ptr<ServerProgram> make_tcp_server(Loop& loop, const sim::Scenario& scenario, RunNotes&) {
    const std::string& program = scenario.server.program;
    const Behaviour behaviour = program == "sink" ? Behaviour::sink : program == "payload" ? Behaviour::payload
                                                                                            : Behaviour::echo;
    return std::make_unique<TcpServer>(loop, scenario, behaviour);
}

}  // namespace loopscope::real
