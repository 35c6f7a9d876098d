// What each server thread does, one blocking call at a time. Every system
// call costs the same syscall_ns CPU as libuv's calls in the event-loop
// model, so the two models differ only in how they wait, not in what a call
// costs.
#include "sim/node_runtime.hpp"  // syscall_ns: the same cost per call as libuv's
#include "sim/thread_server.hpp"

namespace loopscope::sim {

using trace::BlockedOn;
using trace::Kind;

ThreadServer::ThreadServer(const Scenario& scenario, Scheduler& scheduler, Recorder& recorder, Tcp& tcp)
    : scenario_(scenario),
      scheduler_(scheduler),
      recorder_(recorder),
      tcp_(tcp),
      handler_(make_thread_handler(scenario.server)),
      cores_(scenario.server.cores) {}

void ThreadServer::start(Nanos now) {
    listener_ = tcp_.listen(now, scenario_.server.port, scenario_.server.backlog);
    // The process's main thread becomes the acceptor.
    spawn(now, trace::no_conn, trace::no_event);
}

std::uint32_t ThreadServer::spawn(Nanos now, std::int32_t conn, std::uint32_t cause) {
    Thread& t = threads_.emplace_back();
    t.id = static_cast<std::uint32_t>(threads_.size());
    t.conn = conn;
    ++live_;
    if (conn != trace::no_conn) {
        ++open_sockets_;
        const auto index = static_cast<std::size_t>(conn);
        if (thread_of_conn_.size() <= index) thread_of_conn_.resize(index + 1, 0);
        thread_of_conn_[index] = t.id;
        t.outbox = handler_->on_accept(conn);
        t.next = t.outbox.empty() ? Step::read : Step::write;
    }
    t.cpu_owed = syscall_ns;
    t.cause = cause;
    t.cause = record_memory(now, Kind::threads_spawn, t);
    make_runnable(now, t);
    return t.id;
}

std::uint32_t ThreadServer::record_memory(Nanos now, Kind kind, const Thread& t) {
    const auto& p = scenario_.server;
    return recorder_.emit(now, kind, server_host, t.conn, t.cause,
                          {t.id, live_, open_sockets_, static_cast<std::int64_t>(live_ * p.thread_stack_bytes),
                           static_cast<std::int64_t>(live_ * p.thread_resident_bytes +
                                                     open_sockets_ * socket_kernel_bytes)});
}

void ThreadServer::execute(Nanos now, Thread& t) {
    switch (t.next) {
        case Step::accept: step_accept(now, t); return;
        case Step::spawn: {
            // pthread_create() returned: the new thread is runnable, and the
            // acceptor goes back to accept().
            spawn(now, t.accepted, t.cause);
            t.accepted = trace::no_conn;
            t.next = Step::accept;
            t.cpu_owed = syscall_ns;
            return;
        }
        case Step::read: step_read(now, t); return;
        case Step::respond: {
            t.outbox = handler_->on_bytes(t.conn, t.inbox, now);
            t.inbox.clear();
            t.written = 0;
            t.next = t.outbox.empty() ? Step::read : Step::write;
            t.cpu_owed = syscall_ns;
            return;
        }
        case Step::write: step_write(now, t); return;
        case Step::close:
            tcp_.close(now, t.conn, Side::server, t.cause);
            --open_sockets_;
            exit_thread(now, t);
            return;
    }
}

void ThreadServer::step_accept(Nanos now, Thread& t) {
    const auto conn = tcp_.accept(now, listener_, t.cause);
    if (!conn) {
        block(now, t, BlockedOn::accept);
        return;
    }
    const auto& l = tcp_.listener(listener_);
    t.cause = recorder_.emit(now, Kind::kernel_accept_queue, server_host, *conn, t.cause,
                             {listener_, static_cast<std::int64_t>(l.accept_queue.size()), l.backlog});
    t.accepted = *conn;
    t.next = Step::spawn;
    // pthread_create(): mmap of the stack, its guard page, clone(). It costs
    // what Node's 'connection' callback costs, so that both models do the
    // same work per connection and differ only in how they wait.
    t.cpu_owed = scenario_.server.cpu_per_callback_ns;
}

void ThreadServer::step_read(Nanos now, Thread& t) {
    const Endpoint& e = tcp_.end(t.conn, Side::server);
    std::string bytes = tcp_.read(now, t.conn, Side::server, thread_read_bytes, t.cause);
    if (!bytes.empty()) {
        t.inbox = std::move(bytes);
        t.next = Step::respond;
        t.cpu_owed = scenario_.server.cpu_per_callback_ns;  // the handler, as one Node callback costs
        return;
    }
    // read() returned 0 (the peer's FIN) or an error: the thread closes its
    // socket and ends.
    if (e.fin_received || e.error != trace::ErrorCode::none) {
        t.next = Step::close;
        t.cpu_owed = syscall_ns;
        return;
    }
    block(now, t, BlockedOn::read);
}

void ThreadServer::step_write(Nanos now, Thread& t) {
    const Endpoint& e = tcp_.end(t.conn, Side::server);
    const std::string_view rest = std::string_view(t.outbox).substr(t.written);
    t.written += tcp_.write(now, t.conn, Side::server, rest, t.cause);
    if (t.written == t.outbox.size()) {
        t.outbox.clear();
        t.written = 0;
        t.next = handler_->close_after_write(t.conn) ? Step::close : Step::read;
        t.cpu_owed = syscall_ns;
        return;
    }
    const bool can_send = e.error == trace::ErrorCode::none && !e.shutdown_requested &&
                          (e.state == TcpState::established || e.state == TcpState::close_wait);
    if (!can_send) {  // EPIPE / ECONNRESET: give up on this connection
        t.next = Step::close;
        t.cpu_owed = syscall_ns;
        return;
    }
    // The send buffer is full: a blocking write() sleeps until there is room.
    block(now, t, BlockedOn::write);
}

void ThreadServer::block(Nanos now, Thread& t, BlockedOn on) {
    t.state = State::blocked;
    t.blocked_on = on;
    t.cause = recorder_.emit(now, Kind::threads_block, server_host, t.conn, t.cause,
                             {t.id, static_cast<std::int64_t>(on)});
}

void ThreadServer::wake(Nanos now, Thread& t, std::uint32_t cause) {
    t.state = State::runnable;
    t.cpu_owed = syscall_ns;  // the blocked call returns with its result
    run_queue_.push_back(t.id);
    t.cause = recorder_.emit(now, Kind::threads_wake, server_host, t.conn, cause,
                             {t.id, static_cast<std::int64_t>(t.blocked_on),
                              static_cast<std::int64_t>(run_queue_.size())});
    dispatch(now);
}

void ThreadServer::exit_thread(Nanos now, Thread& t) {
    t.state = State::exited;
    --live_;
    t.cause = record_memory(now, Kind::threads_exit, t);
}

void ThreadServer::socket_changed(Nanos now, std::int32_t conn, std::uint32_t cause) {
    const auto index = static_cast<std::size_t>(conn);
    if (index >= thread_of_conn_.size() || thread_of_conn_[index] == 0) return;  // not accepted yet
    Thread& t = thread(thread_of_conn_[index]);
    if (t.state != State::blocked) return;
    const Endpoint& e = tcp_.end(conn, Side::server);
    const bool ready = t.blocked_on == BlockedOn::read ? tcp_.readable(e) : tcp_.writable(e);
    if (ready) wake(now, t, cause);
}

void ThreadServer::listener_changed(Nanos now, std::uint32_t listener, std::uint32_t cause) {
    if (listener != listener_ || threads_.empty()) return;
    Thread& acceptor = thread(1);
    if (acceptor.state == State::blocked && !tcp_.listener(listener).accept_queue.empty()) wake(now, acceptor, cause);
}

}  // namespace loopscope::sim
