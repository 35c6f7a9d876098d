#include "real/client_host.hpp"

#include <algorithm>

#include "real/scenario_real.hpp"

namespace loopscope::real {

using trace::Kind;

Connector tcp_connector() {
    return [](Loop& loop, const std::string& host, std::uint16_t port, StreamEvents& events,
              const StreamOptions& options) -> std::unique_ptr<Duplex> {
        try {
            return TcpStream::connect(loop, host, port, events, options);
        } catch (const std::system_error&) {
            return nullptr;  // socket() failed: EMFILE, ENFILE, ENOBUFS
        }
    };
}

StreamOptions client_stream_options(const sim::Scenario& scenario, bool force_recv_buffer) {
    StreamOptions options;
    if (sets_field(scenario, "clients.send_buffer")) options.send_buffer = scenario.clients.send_buffer;
    if (force_recv_buffer || sets_field(scenario, "clients.recv_buffer")) options.recv_buffer = scenario.clients.recv_buffer;
    return options;
}

// ---- ClientConnection ----

ClientConnection::ClientConnection(ClientHost& host, std::uint32_t client) : host_(host), client_(client) {}

ClientConnection::~ClientConnection() = default;

void ClientConnection::open(const std::string& host, std::uint16_t port, const StreamOptions& options) {
    stream_ = host_.connector_(host_.loop(), host, port, *this, options);
    if (!stream_) {
        // No socket could be made: this client fails at once.
        closed_ = true;
        ++host_.totals_.connect_failures;
        closed_hook();
        return;
    }
    conn_ = stream_->conn();
}

bool ClientConnection::write(std::string_view bytes) {
    if (!stream_ || closed_ || ended_ || stream_->closed()) return false;
    sent_ += bytes.size();
    host_.totals_.bytes_sent += bytes.size();
    return stream_->write(bytes);
}

void ClientConnection::end() {
    if (!stream_ || ended_ || closed_) return;
    ended_ = true;
    stream_->end();
}

void ClientConnection::close(bool reset) {
    if (stream_ && !closed_) stream_->destroy(reset);
}

void ClientConnection::pause() {
    if (stream_ && !closed_) stream_->pause();
}

void ClientConnection::resume() {
    if (stream_ && !closed_) stream_->resume();
}

void ClientConnection::on_connect(Duplex&) {
    connected_ = true;
    host_.count_connected();
    connected_hook();
}

void ClientConnection::on_data(Duplex&, std::string_view bytes) {
    received_ += bytes.size();
    host_.totals_.bytes_received += bytes.size();
    data_hook(bytes);
}

void ClientConnection::on_end(Duplex&) {
    eof_ = true;
    end_hook();
}

void ClientConnection::on_drain(Duplex&) { drain_hook(); }

void ClientConnection::on_error(Duplex&, std::error_code) {
    if (connected_)
        ++host_.totals_.errors;
    else
        ++host_.totals_.connect_failures;
}

void ClientConnection::on_close(Duplex&, bool) {
    if (closed_) return;
    closed_ = true;
    // The stream has just recorded client.close; client.done follows with
    // what this connection carried, as in the simulator's traces.
    host_.loop().tracer().record(Kind::client_done, conn_,
                                 {static_cast<std::int64_t>(sent_), static_cast<std::int64_t>(received_)});
    host_.count_closed(connected_);
    closed_hook();
}

// ---- ClientHost ----

ClientHost::ClientHost(Loop& loop, const sim::Scenario& scenario, Connector connector)
    : loop_(loop), scenario_(scenario), connector_(std::move(connector)), limit_(scenario.clients.count),
      client_done_(scenario.clients.count, false) {}

ClientHost::~ClientHost() {
    if (starting_) loop_.stop_timer(start_timer_);
    if (holding_ref_) loop_.unref();
}

void ClientHost::start(const std::string& host, std::uint16_t port) {
    host_ = host;
    port_ = port;
    start_time_ = monotonic_now();
    // The host keeps the loop alive until every client has finished, even
    // while it only waits for the next client's start time.
    loop_.ref();
    holding_ref_ = true;
    starting_ = true;
    start_timer_ = loop_.start_timer(std::max<Nanos>(0, params().start_at_ns), [this] { start_due_clients(); });
}

// Starts every client whose start time has come, then waits for the next
// one. Timers fire late by up to a loop iteration; clients are started by
// their due time, not by counting timer calls, so lateness never adds up.
void ClientHost::start_due_clients() {
    starting_ = false;
    const Nanos now = monotonic_now();
    const Nanos first = start_time_ + std::max<Nanos>(0, params().start_at_ns);
    const Nanos interval = std::max<Nanos>(0, params().start_interval_ns);
    while (started_ < limit_ && first + static_cast<Nanos>(started_) * interval <= now) start_client(started_++);
    if (started_ < limit_) {
        starting_ = true;
        const Nanos due = first + static_cast<Nanos>(started_) * interval;
        start_timer_ = loop_.start_timer(std::max<Nanos>(0, due - now), [this] { start_due_clients(); });
    } else if (done() && holding_ref_) {
        holding_ref_ = false;
        loop_.unref();
    }
}

bool ClientHost::done() const { return started_ >= limit_ && finished_ >= limit_; }

void ClientHost::close() {
    if (starting_) {
        loop_.stop_timer(start_timer_);
        starting_ = false;
    }
    for (auto& connection : connections_) connection->close();
    if (holding_ref_) {
        holding_ref_ = false;
        loop_.unref();
    }
}

ClientConnection& ClientHost::open(std::unique_ptr<ClientConnection> connection, const StreamOptions& options) {
    connections_.push_back(std::move(connection));
    ClientConnection& c = *connections_.back();
    c.open(host_, port_, options);
    return c;
}

void ClientHost::client_finished(std::uint32_t client) {
    if (client >= client_done_.size() || client_done_[client]) return;
    client_done_[client] = true;
    ++finished_;
    if (done() && holding_ref_) {
        holding_ref_ = false;
        loop_.unref();
    }
}

void ClientHost::count_connected() {
    ++totals_.connections;
    ++open_;
    totals_.peak_open = std::max<std::uint64_t>(totals_.peak_open, open_);
}

void ClientHost::count_closed(bool was_connected) {
    if (was_connected && open_ > 0) --open_;
}

}  // namespace loopscope::real
