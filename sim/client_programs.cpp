#include "sim/client_programs.hpp"

#include <algorithm>
#include <stdexcept>

namespace loopscope::sim {

using trace::Kind;

namespace {
constexpr std::string_view echo_prefix = "You said: ";
}

ClientHost::ClientHost(const Scenario& scenario, Scheduler& scheduler, Recorder& recorder, Tcp& tcp)
    : scenario_(scenario), scheduler_(scheduler), recorder_(recorder), tcp_(tcp) {
    const std::string& name = scenario.clients.program;
    if (name == "echo") program_ = Program::echo;
    else if (name == "uploader") program_ = Program::uploader;
    else if (name == "slow-reader") program_ = Program::slow_reader;
    else throw std::invalid_argument("unknown client program \"" + name + "\"");
    reply_prefix_ = scenario.server.program == "echo" ? echo_prefix.size() : 0;
    const std::string_view pattern = "Hello from a loopscope client! ";
    const std::uint64_t longest =
        std::max<std::uint64_t>(program_ == Program::uploader ? std::min<std::uint64_t>(scenario.clients.upload_bytes, 1 << 20) : 0,
                                scenario.clients.message_bytes);
    while (filler_.size() < longest) filler_.append(pattern);
    clients_.resize(scenario.clients.count);
}

void ClientHost::start_all() {
    for (std::uint32_t i = 0; i < clients_.size(); ++i)
        scheduler_.insert(scenario_.clients.start_at_ns + static_cast<Nanos>(i) * scenario_.clients.start_interval_ns,
                          ActionType::client_start, i);
}

std::uint32_t ClientHost::index_of(std::int32_t conn) const {
    return client_of_conn_[static_cast<std::size_t>(conn)];
}

void ClientHost::start(Nanos now, std::uint32_t index) {
    Client& c = clients_[index];
    const auto call = recorder_.emit(now, Kind::client_connect, client_host, static_cast<std::int32_t>(tcp_.connection_count() + 1),
                                     trace::no_event, {scenario_.server.port});
    c.conn = tcp_.connect(now, scenario_.server.port, scenario_.clients.send_buffer, scenario_.clients.recv_buffer,
                          scenario_.server.send_buffer, scenario_.server.recv_buffer, call);
    if (client_of_conn_.size() <= static_cast<std::size_t>(c.conn)) client_of_conn_.resize(c.conn + 1);
    client_of_conn_[static_cast<std::size_t>(c.conn)] = index;
}

void ClientHost::on_connected(Nanos now, std::int32_t conn, std::uint32_t cause) {
    const std::uint32_t index = index_of(conn);
    Client& c = clients_[index];
    c.connected = true;
    c.cause = cause;
    switch (program_) {
        case Program::echo: next_message(now, c); break;
        case Program::uploader:
            c.to_send = scenario_.clients.upload_bytes;
            send_pending(now, c);
            break;
        case Program::slow_reader:
            scheduler_.insert(now + scenario_.clients.read_interval_ns, ActionType::client_tick, index);
            break;
    }
}

void ClientHost::on_socket_changed(Nanos now, std::int32_t conn, std::uint32_t cause) {
    schedule_wake(now, index_of(conn), cause);
}

void ClientHost::schedule_wake(Nanos now, std::uint32_t index, std::uint32_t cause) {
    Client& c = clients_[index];
    c.cause = cause;
    if (c.wake_scheduled || c.closed) return;
    c.wake_scheduled = true;
    scheduler_.insert(now, ActionType::client_wake, index);
}

void ClientHost::wake(Nanos now, std::uint32_t index) {
    Client& c = clients_[index];
    c.wake_scheduled = false;
    if (!c.closed) react(now, c);
}

void ClientHost::tick(Nanos now, std::uint32_t index) {
    Client& c = clients_[index];
    if (c.closed) return;
    if (program_ == Program::slow_reader) {
        // A slow reader takes read_bytes every read_interval_ns, however
        // much is waiting.
        read_available(now, c, scenario_.clients.read_bytes);
        if (c.eof) finish(now, c);
        else scheduler_.insert(now + scenario_.clients.read_interval_ns, ActionType::client_tick, index);
        return;
    }
    if (c.thinking) {
        c.thinking = false;
        next_message(now, c);
    }
}

void ClientHost::react(Nanos now, Client& c) {
    const Endpoint& e = tcp_.end(c.conn, Side::client);
    if (e.error != trace::ErrorCode::none) {
        finish(now, c);
        return;
    }
    if (program_ != Program::slow_reader) read_available(now, c, ~std::uint64_t{0});
    send_pending(now, c);
    if (program_ == Program::echo && c.connected && !c.thinking && c.to_send == 0 &&
        c.received >= c.reply_expected && c.messages_sent > 0) {
        if (scenario_.clients.think_ns > 0 && c.messages_sent < scenario_.clients.messages) {
            c.thinking = true;
            scheduler_.insert(now + scenario_.clients.think_ns, ActionType::client_tick, index_of(c.conn));
        } else {
            next_message(now, c);
        }
    }
    if (c.eof) finish(now, c);
}

void ClientHost::next_message(Nanos now, Client& c) {
    const std::uint64_t reply = scenario_.server.program == "echo" ? scenario_.clients.message_bytes + reply_prefix_ : 0;
    if (c.messages_sent < scenario_.clients.messages) {
        if (c.received < c.reply_expected) return;  // still waiting for the last echo
        ++c.messages_sent;
        c.to_send = scenario_.clients.message_bytes;
        c.reply_expected += reply;
        send_pending(now, c);
        return;
    }
    if (scenario_.clients.close_when_done && !c.ended) {
        c.ended = true;
        const auto call = recorder_.emit(now, Kind::client_end, client_host, c.conn, c.cause, {});
        tcp_.shutdown(now, c.conn, Side::client, call);
    }
}

void ClientHost::send_pending(Nanos now, Client& c) {
    if (c.to_send == 0 || c.ended) return;
    const Endpoint& e = tcp_.end(c.conn, Side::client);
    const std::uint64_t room = tcp_.send_free(e);
    const std::uint64_t n = std::min(room, c.to_send);
    if (n == 0) return;  // the send buffer is full: wait until it drains
    std::string bytes;
    bytes.reserve(n);
    while (bytes.size() < n) {
        const std::size_t offset = static_cast<std::size_t>((c.sent + bytes.size()) % filler_.size());
        bytes.append(std::string_view(filler_).substr(offset, static_cast<std::size_t>(n - bytes.size())));
    }
    const auto call = recorder_.emit(now, Kind::client_write, client_host, c.conn, c.cause,
                                     {static_cast<std::int64_t>(c.to_send), static_cast<std::int64_t>(n),
                                      static_cast<std::int64_t>(c.sent + n)});
    tcp_.write(now, c.conn, Side::client, bytes, call);
    c.to_send -= n;
    c.sent += n;
    if (program_ == Program::uploader && c.to_send == 0 && scenario_.clients.close_when_done && !c.ended) {
        c.ended = true;
        const auto end = recorder_.emit(now, Kind::client_end, client_host, c.conn, call, {});
        tcp_.shutdown(now, c.conn, Side::client, end);
    }
}

void ClientHost::read_available(Nanos now, Client& c, std::uint64_t max) {
    const Endpoint& e = tcp_.end(c.conn, Side::client);
    const std::uint64_t level = e.recv_buffer.size();
    if (level > 0) {
        const std::uint64_t n = std::min(level, max);
        const auto call = recorder_.emit(now, Kind::client_read, client_host, c.conn, c.cause,
                                         {static_cast<std::int64_t>(n), static_cast<std::int64_t>(c.received + n), 0});
        c.received += tcp_.read(now, c.conn, Side::client, n, call).size();
        return;
    }
    if (e.fin_received && !c.eof) {
        c.eof = true;
        recorder_.emit(now, Kind::client_read, client_host, c.conn, c.cause,
                       {0, static_cast<std::int64_t>(c.received), 1});
    }
}

void ClientHost::finish(Nanos now, Client& c) {
    if (c.closed) return;
    c.closed = true;
    const auto call = recorder_.emit(now, Kind::client_close, client_host, c.conn, c.cause, {});
    tcp_.close(now, c.conn, Side::client, call);
    recorder_.emit(now, Kind::client_done, client_host, c.conn, call,
                   {static_cast<std::int64_t>(c.sent), static_cast<std::int64_t>(c.received)});
}

}  // namespace loopscope::sim
