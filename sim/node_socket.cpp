// Per-connection work: what libuv's stream code and Node's net.Socket do
// with accept, read, write, drain, end and close.
#include <algorithm>

#include "sim/node_runtime.hpp"

namespace loopscope::sim {

using trace::ErrorCode;
using trace::Kind;

NodeRuntime::NodeSocket& NodeRuntime::socket(std::int32_t conn) {
    const auto index = static_cast<std::size_t>(conn);
    if (sockets_.size() <= index) sockets_.resize(index + 1);
    return sockets_[index];
}

void NodeRuntime::socket_changed(Nanos now, std::int32_t conn, std::uint32_t cause) {
    notifier_->socket_changed(now, conn, cause);
    maybe_wake(now, cause);
}

void NodeRuntime::listener_changed(Nanos now, std::uint32_t listener, std::uint32_t cause) {
    notifier_->listener_changed(now, listener, cause);
    maybe_wake(now, cause);
}

std::uint64_t NodeRuntime::writable_length(std::int32_t conn) const {
    const auto index = static_cast<std::size_t>(conn);
    return index < sockets_.size() ? sockets_[index].writable_length : 0;
}

Nanos NodeRuntime::run_task(Nanos now, const Task& task) {
    switch (task.type) {
        case TaskType::listening_cb:
            begin_callback(now, Kind::js_listening, trace::no_conn, task.cause, {});
            return end_callback();
        case TaskType::accept: return task_accept(now, task);
        case TaskType::connection_cb: return task_connection(now, task);
        case TaskType::read: return task_read(now, task);
        case TaskType::data_cb: {
            NodeSocket& s = socket(task.conn);
            const std::string chunk = std::move(s.pending_chunk);
            s.pending_chunk.clear();
            begin_callback(now, program_.consumes_reads() ? Kind::http_parse : Kind::js_data, task.conn, task.cause,
                           {static_cast<std::int64_t>(chunk.size())});
            program_.on_data(*this, task.conn, chunk);
            return end_callback();
        }
        case TaskType::end_cb: {
            NodeSocket& s = socket(task.conn);
            s.read_ended = true;
            begin_callback(now, Kind::js_end, task.conn, task.cause, {});
            program_.on_end(*this, task.conn);
            // allowHalfOpen is false by default: Node ends our side too, and
            // once both directions are finished it destroys the socket.
            if (!s.destroyed) end(task.conn);
            if (s.shut_down) close_handle(now, task.conn, false, current_event_);
            return end_callback();
        }
        case TaskType::error_cb: {
            const auto code = tcp_.end(task.conn, Side::server).error;
            begin_callback(now, Kind::js_error, task.conn, task.cause, {static_cast<std::int64_t>(code)});
            program_.on_error(*this, task.conn, code);
            close_handle(now, task.conn, true, current_event_);
            return end_callback();
        }
        case TaskType::flush: return task_flush(now, task);
        case TaskType::write_done: return task_write_done(now, task);
        case TaskType::drain_cb: {
            NodeSocket& s = socket(task.conn);
            s.need_drain = false;
            begin_callback(now, Kind::js_drain, task.conn, task.cause, {});
            program_.on_drain(*this, task.conn);
            return end_callback();
        }
        case TaskType::close_cb: {
            NodeSocket& s = socket(task.conn);
            begin_callback(now, Kind::js_close, task.conn, task.cause, {s.had_error ? 1 : 0});
            program_.on_close(*this, task.conn, s.had_error);
            s.open = false;
            return end_callback();
        }
        case TaskType::timer_cb:
            begin_callback(now, Kind::js_timer, trace::no_conn, task.cause, {now - task.due});
            program_.on_timer(*this, task.arg);
            return end_callback();
        case TaskType::immediate_cb:
            begin_callback(now, Kind::js_immediate, trace::no_conn, task.cause, {});
            program_.on_immediate(*this, task.arg);
            return end_callback();
        case TaskType::pool_done_cb:
            begin_callback(now, Kind::js_pool_done, task.conn, task.cause, {static_cast<std::int64_t>(task.arg)});
            program_.on_work_done(*this, task.conn, jobs_[task.arg].tag);
            return end_callback();
    }
    return 0;
}

// uv__server_io: accept until the queue is empty, running 'connection' for
// each one before the next accept.
Nanos NodeRuntime::task_accept(Nanos now, const Task& task) {
    const auto conn = tcp_.accept(now, task.listener, task.cause);
    if (!conn) return 0;
    const auto& l = tcp_.listener(task.listener);
    const auto accepted = recorder_.emit(now, Kind::loop_accept, server_host, *conn, task.cause,
                                         {task.listener, static_cast<std::int64_t>(l.accept_queue.size()), l.backlog});
    Task again = task;
    tasks_.push_front(again);
    tasks_.push_front(Task{TaskType::connection_cb, *conn, task.listener, 0, accepted});
    return syscall_ns;
}

Nanos NodeRuntime::task_connection(Nanos now, const Task& task) {
    std::uint32_t cause = task.cause;
    if (notifier_->overlapped_writes()) {
        // IOCP: AcceptEx already took the connection; libuv posts the next
        // AcceptEx and hands this one to Node.
        const auto& l = tcp_.listener(task.listener);
        cause = recorder_.emit(now, Kind::loop_accept, server_host, task.conn, task.cause,
                               {task.listener, static_cast<std::int64_t>(l.accept_queue.size()), l.backlog});
        notifier_->watch_listener(now, task.listener, cause);
    }
    NodeSocket& s = socket(task.conn);
    s = NodeSocket{};
    s.open = true;
    s.reading = true;
    const auto event = begin_callback(now, Kind::js_connection, task.conn, cause, {});
    // Node starts reading every new socket (readStart): watch it.
    notifier_->set_interest(now, task.conn, true, false, event);
    program_.on_connection(*this, task.conn);
    return end_callback();
}

// uv__read: read into a 64 KiB buffer and hand it to 'data'; a short read
// means the kernel had no more, so stop; a full one reads again (up to 32).
Nanos NodeRuntime::task_read(Nanos now, const Task& task) {
    NodeSocket& s = socket(task.conn);
    if (!s.open || s.destroyed || !s.reading || s.read_ended) return 0;
    const Endpoint& e = tcp_.end(task.conn, Side::server);
    const std::uint64_t level = e.recv_buffer.size();
    if (level == 0 && e.error != ErrorCode::none) {
        const auto failed = recorder_.emit(now, Kind::loop_read, server_host, task.conn, task.cause, {0, 0, 0, 0});
        tasks_.push_front(Task{TaskType::error_cb, task.conn, 0, 0, failed});
        return syscall_ns;
    }
    if (level == 0) {
        const bool eof = e.fin_received;
        const auto read = recorder_.emit(now, Kind::loop_read, server_host, task.conn, task.cause,
                                         {0, 0, eof ? 1 : 0, eof ? 0 : 1});
        if (eof) {
            // libuv stops watching for reads at EOF (uv__stream_eof).
            s.read_ended = true;
            update_interest(now, task.conn, read);
            tasks_.push_front(Task{TaskType::end_cb, task.conn, 0, 0, read});
        }
        else if (notifier_->overlapped_writes()) notifier_->set_interest(now, task.conn, true, false, read);
        return syscall_ns;
    }
    const std::uint64_t n = std::min(level, read_buffer_bytes);
    const auto read = recorder_.emit(now, Kind::loop_read, server_host, task.conn, task.cause,
                                     {static_cast<std::int64_t>(n), static_cast<std::int64_t>(level - n), 0, 0});
    s.pending_chunk = tcp_.read(now, task.conn, Side::server, n, read);
    const bool full = n == read_buffer_bytes;
    if (full && task.reads_left > 1) {
        Task again = task;
        again.reads_left = task.reads_left - 1;
        again.cause = read;
        tasks_.push_front(again);
    } else if (notifier_->overlapped_writes()) {
        if (full) {
            // Out of read budget: post the next zero-byte read now; it
            // completes at once because data is still waiting.
            notifier_->set_interest(now, task.conn, true, false, read);
        } else {
            // IOCP: read once more to hit WSAEWOULDBLOCK, then post the next
            // zero-byte read (after this data is handled).
            Task again = task;
            again.reads_left = 1;
            again.cause = read;
            tasks_.push_front(again);
        }
    }
    tasks_.push_front(Task{TaskType::data_cb, task.conn, 0, 0, read});
    return syscall_ns;
}

// Writability returned: libuv moves queued user-space bytes into the kernel.
Nanos NodeRuntime::task_flush(Nanos now, const Task& task) {
    NodeSocket& s = socket(task.conn);
    if (!s.open || s.destroyed || s.queue.empty()) return 0;
    std::uint32_t cause = task.cause;
    Nanos cost = 0;
    while (!s.queue.empty()) {
        QueuedChunk& chunk = s.queue.front();
        const Endpoint& e = tcp_.end(task.conn, Side::server);
        const std::uint64_t room = tcp_.send_free(e);
        const std::uint64_t take = std::min<std::uint64_t>(room, chunk.rest.size());
        const bool completes = take == chunk.rest.size();
        const std::uint64_t length_after = s.writable_length - (completes ? chunk.length : 0);
        cause = recorder_.emit(now, Kind::loop_write, server_host, task.conn, cause,
                               {static_cast<std::int64_t>(chunk.rest.size()), static_cast<std::int64_t>(take),
                                take == 0 ? 1 : 0, static_cast<std::int64_t>(length_after),
                                recorder_.payload_text(std::string_view(chunk.rest).substr(0, take))});
        cost += syscall_ns;
        if (take == 0) break;
        tcp_.write(now, task.conn, Side::server, std::string_view(chunk.rest).substr(0, take), cause);
        chunk.rest.erase(0, take);
        s.writable_length = length_after;
        if (!completes) break;
        s.queue.erase(s.queue.begin());
    }
    after_flush(now, task.conn, cause);
    return cost;
}

// IOCP: an overlapped write finished; its bytes leave writableLength.
Nanos NodeRuntime::task_write_done(Nanos now, const Task& task) {
    NodeSocket& s = socket(task.conn);
    if (!s.open || s.queue.empty()) return 0;
    s.writable_length -= s.queue.front().length;
    s.queue.erase(s.queue.begin());
    after_flush(now, task.conn, task.cause);
    return syscall_ns;
}

void NodeRuntime::after_flush(Nanos now, std::int32_t conn, std::uint32_t cause) {
    NodeSocket& s = socket(conn);
    if (!s.queue.empty()) return;
    update_interest(now, conn, cause);
    if (s.need_drain) tasks_.push_front(Task{TaskType::drain_cb, conn, 0, 0, cause});
    shut_down_if_flushed(now, conn, cause);
}

void NodeRuntime::update_interest(Nanos now, std::int32_t conn, std::uint32_t cause) {
    NodeSocket& s = socket(conn);
    if (!s.open || s.destroyed) return;
    const bool want_write = !s.queue.empty() && !notifier_->overlapped_writes();
    notifier_->set_interest(now, conn, s.reading && !s.read_ended, want_write, cause);
}

void NodeRuntime::shut_down_if_flushed(Nanos now, std::int32_t conn, std::uint32_t cause) {
    NodeSocket& s = socket(conn);
    if (!s.ending || s.shut_down || !s.queue.empty() || !s.cork_buffer.empty() || s.destroyed) return;
    s.shut_down = true;
    tcp_.shutdown(now, conn, Side::server, cause);
    // Both directions finished: Node destroys the socket and libuv closes it.
    if (s.read_ended) close_handle(now, conn, false, cause);
}

void NodeRuntime::close_handle(Nanos now, std::int32_t conn, bool had_error, std::uint32_t cause) {
    NodeSocket& s = socket(conn);
    if (s.destroyed) return;
    s.destroyed = true;
    s.had_error = s.had_error || had_error;
    notifier_->forget(now, conn, cause);
    tcp_.close(now, conn, Side::server, cause);
    closing_.push_back(Task{TaskType::close_cb, conn, 0, 0, cause});
}

NodeRuntime::KernelTry NodeRuntime::try_kernel(std::int32_t conn, std::string_view bytes) {
    NodeSocket& s = socket(conn);
    const Endpoint& e = tcp_.end(conn, Side::server);
    KernelTry result;
    const bool try_it = s.queue.empty() && e.error == ErrorCode::none;
    result.accepted = try_it ? std::min<std::uint64_t>(tcp_.send_free(e), bytes.size()) : 0;
    const bool all_in_kernel = try_it && result.accepted == bytes.size();
    // writableLength counts the whole chunk until every byte is written.
    result.length_after = s.writable_length + (all_in_kernel ? 0 : bytes.size());
    result.event = current_event_;
    if (try_it) {
        result.event = recorder_.emit(current_time_, Kind::loop_write, server_host, conn, current_event_,
                                      {static_cast<std::int64_t>(bytes.size()), static_cast<std::int64_t>(result.accepted),
                                       result.accepted == 0 ? 1 : 0, static_cast<std::int64_t>(result.length_after),
                                       recorder_.payload_text(bytes.substr(0, result.accepted))});
        if (result.accepted > 0) tcp_.write(current_time_, conn, Side::server, bytes.substr(0, result.accepted), result.event);
        extra_cpu_ += syscall_ns;
    }
    return result;
}

void NodeRuntime::queue_rest(std::int32_t conn, const std::string& bytes, std::uint64_t accepted, std::uint32_t cause) {
    if (accepted == bytes.size()) return;
    NodeSocket& s = socket(conn);
    std::string rest = bytes.substr(static_cast<std::size_t>(accepted));
    if (notifier_->overlapped_writes()) {
        s.queue.push_back(QueuedChunk{{}, bytes.size()});
        notifier_->submit_write(current_time_, conn, std::move(rest), cause);
    } else {
        s.queue.push_back(QueuedChunk{std::move(rest), bytes.size()});
        update_interest(current_time_, conn, cause);
    }
}

bool NodeRuntime::write(std::int32_t conn, std::string bytes) {
    NodeSocket& s = socket(conn);
    const std::uint64_t hwm = scenario_.server.high_water_mark;
    if (!s.open || s.destroyed || s.ending) return false;
    if (s.corked) {
        s.cork_buffer += bytes;
        s.writable_length += bytes.size();
        const bool returned = s.writable_length < hwm;
        if (!returned) s.need_drain = true;
        recorder_.emit(current_time_, Kind::js_write, server_host, conn, current_event_,
                       {static_cast<std::int64_t>(bytes.size()), returned ? 1 : 0,
                        static_cast<std::int64_t>(s.writable_length), static_cast<std::int64_t>(hwm)});
        return returned;
    }
    // Inside write(), libuv tries the kernel first; write() returns after.
    const KernelTry tried = try_kernel(conn, bytes);
    const bool returned = tried.length_after < hwm;
    if (!returned) s.need_drain = true;
    const auto cause = recorder_.emit(current_time_, Kind::js_write, server_host, conn, tried.event,
                                      {static_cast<std::int64_t>(bytes.size()), returned ? 1 : 0,
                                       static_cast<std::int64_t>(tried.length_after), static_cast<std::int64_t>(hwm)});
    s.writable_length = tried.length_after;
    queue_rest(conn, bytes, tried.accepted, cause);
    return returned;
}

void NodeRuntime::cork(std::int32_t conn) {
    NodeSocket& s = socket(conn);
    if (s.open && !s.destroyed) s.corked = true;
}

// Everything written while corked goes to libuv as one write (a writev).
void NodeRuntime::uncork(std::int32_t conn) {
    NodeSocket& s = socket(conn);
    if (!s.corked) return;
    s.corked = false;
    if (s.cork_buffer.empty() || !s.open || s.destroyed) return;
    const std::string bytes = std::move(s.cork_buffer);
    s.cork_buffer.clear();
    s.writable_length -= bytes.size();
    const KernelTry tried = try_kernel(conn, bytes);
    s.writable_length = tried.length_after;
    queue_rest(conn, bytes, tried.accepted, tried.event);
    if (s.queue.empty()) {
        if (s.need_drain && s.writable_length < scenario_.server.high_water_mark)
            tasks_.push_front(Task{TaskType::drain_cb, conn, 0, 0, tried.event});
        shut_down_if_flushed(current_time_, conn, tried.event);
    }
}

void NodeRuntime::end(std::int32_t conn) {
    NodeSocket& s = socket(conn);
    if (!s.open || s.destroyed || s.ending) return;
    if (s.corked) uncork(conn);  // Writable.end() uncorks
    s.ending = true;
    recorder_.emit(current_time_, Kind::js_end_call, server_host, conn, current_event_,
                   {static_cast<std::int64_t>(s.writable_length),
                    static_cast<std::int64_t>(scenario_.server.high_water_mark)});
    shut_down_if_flushed(current_time_, conn, current_event_);
}

void NodeRuntime::destroy(std::int32_t conn) {
    NodeSocket& s = socket(conn);
    if (!s.open || s.destroyed) return;
    const auto event = recorder_.emit(current_time_, Kind::js_destroy, server_host, conn, current_event_, {});
    s.queue.clear();
    s.cork_buffer.clear();
    s.writable_length = 0;
    close_handle(current_time_, conn, false, event);
}

void NodeRuntime::pause(std::int32_t conn) {
    NodeSocket& s = socket(conn);
    if (!s.open || s.destroyed || !s.reading) return;
    s.reading = false;
    const auto event = recorder_.emit(current_time_, Kind::js_pause, server_host, conn, current_event_, {});
    update_interest(current_time_, conn, event);
}

void NodeRuntime::resume(std::int32_t conn) {
    NodeSocket& s = socket(conn);
    if (!s.open || s.destroyed || s.reading) return;
    s.reading = true;
    const auto event = recorder_.emit(current_time_, Kind::js_resume, server_host, conn, current_event_, {});
    update_interest(current_time_, conn, event);
    maybe_wake(current_time_, event);
}

}  // namespace loopscope::sim
