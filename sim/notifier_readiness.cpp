// epoll (Linux) and kqueue (macOS): readiness notifiers. Both are level-
// triggered as libuv uses them: a socket stays on the ready list for as long
// as it is readable (or writable, when the loop asked for that).
#include <algorithm>

#include "sim/notifier.hpp"

namespace loopscope::sim {
namespace {

using trace::Interest;
using trace::Kind;
using trace::NotifierApi;
using trace::RegisterOp;

class ReadinessNotifier final : public Notifier {
public:
    ReadinessNotifier(NotifierApi api, Tcp& tcp, Recorder& recorder) : api_(api), tcp_(tcp), recorder_(recorder) {}

    NotifierApi api() const override { return api_; }

    void watch_listener(Nanos now, std::uint32_t listener, std::uint32_t cause) override {
        listeners_.push_back(listener);
        recorder_.emit(now, Kind::notifier_register, server_host, trace::no_conn, cause,
                       {static_cast<std::int64_t>(api_), static_cast<std::int64_t>(RegisterOp::add),
                        static_cast<std::int64_t>(Interest::readable), listener});
        listener_changed(now, listener, cause);
    }

    void set_interest(Nanos now, std::int32_t conn, bool reading, bool want_write, std::uint32_t cause) override {
        Watch& w = watch(conn);
        if (w.registered && w.reading == reading && w.want_write == want_write) return;
        const RegisterOp op = w.registered ? RegisterOp::modify : RegisterOp::add;
        if (!w.registered) ++registered_;
        w.registered = true;
        w.reading = reading;
        w.want_write = want_write;
        const Interest interest = reading ? (want_write ? Interest::both : Interest::readable)
                                          : (want_write ? Interest::writable : Interest::none);
        recorder_.emit(now, Kind::notifier_register, server_host, conn, cause,
                       {static_cast<std::int64_t>(api_), static_cast<std::int64_t>(op),
                        static_cast<std::int64_t>(interest), 0});
        socket_changed(now, conn, cause);
    }

    void forget(Nanos now, std::int32_t conn, std::uint32_t cause) override {
        Watch& w = watch(conn);
        if (!w.registered) return;
        w = Watch{};
        --registered_;
        recorder_.emit(now, Kind::notifier_register, server_host, conn, cause,
                       {static_cast<std::int64_t>(api_), static_cast<std::int64_t>(RegisterOp::remove),
                        static_cast<std::int64_t>(Interest::none), 0});
    }

    void socket_changed(Nanos, std::int32_t conn, std::uint32_t cause) override {
        Watch& w = watch(conn);
        if (!w.registered) return;
        w.cause = cause;
        if (!w.on_ready_list && socket_ready(conn)) {
            w.on_ready_list = true;
            ready_list_.push_back(conn);
        }
    }

    void listener_changed(Nanos, std::uint32_t listener, std::uint32_t cause) override {
        const std::int32_t key = -static_cast<std::int32_t>(listener);
        listener_cause_ = cause;
        if (std::find(ready_list_.begin(), ready_list_.end(), key) == ready_list_.end() &&
            !tcp_.listener(listener).accept_queue.empty())
            ready_list_.push_back(key);
    }

    bool has_ready() const override {
        for (std::int32_t key : ready_list_)
            if (key < 0 ? !tcp_.listener(static_cast<std::uint32_t>(-key)).accept_queue.empty() : socket_ready(key))
                return true;
        return false;
    }

    std::size_t watched() const override { return listeners_.size() + registered_; }

    // Walks the ready list from the front. What is no longer ready leaves
    // it; what is returned goes to the back, as epoll re-queues level-
    // triggered sockets, so a busy socket cannot hide the others.
    void collect(std::size_t max, std::vector<ReadyItem>& out) override {
        returned_.clear();
        std::size_t taken = 0;
        std::size_t i = 0;
        for (; i < ready_list_.size() && taken < max; ++i) {
            const std::int32_t key = ready_list_[i];
            if (key < 0) {
                const auto id = static_cast<std::uint32_t>(-key);
                const auto& queue = tcp_.listener(id).accept_queue;
                if (queue.empty()) continue;
                out.push_back({ReadyWhat::acceptable, trace::no_conn, id, queue.size(), listener_cause_});
                returned_.push_back(key);
                ++taken;
                continue;
            }
            Watch& w = watch(key);
            const Endpoint& e = tcp_.end(key, Side::server);
            const bool readable = w.reading && tcp_.readable(e);
            const bool writable = w.want_write && tcp_.writable(e);
            if (!readable && !writable) {
                w.on_ready_list = false;
                continue;
            }
            if (readable) out.push_back({ReadyWhat::readable, key, 0, e.recv_buffer.size(), w.cause});
            if (writable) out.push_back({ReadyWhat::writable, key, 0, tcp_.send_free(e), w.cause});
            returned_.push_back(key);
            ++taken;
        }
        ready_list_.erase(ready_list_.begin(), ready_list_.begin() + static_cast<std::ptrdiff_t>(i));
        ready_list_.insert(ready_list_.end(), returned_.begin(), returned_.end());
    }

    std::uint32_t report(Nanos now, const ReadyItem& item, std::uint32_t cause) override {
        const bool readable = item.what == ReadyWhat::readable || item.what == ReadyWhat::acceptable;
        const bool writable = item.what == ReadyWhat::writable;
        bool eof = false;
        if (item.conn != trace::no_conn) eof = tcp_.end(item.conn, Side::server).fin_received;
        // kqueue tells how many bytes are there; epoll only says "ready".
        const std::int64_t bytes = api_ == NotifierApi::kqueue ? static_cast<std::int64_t>(item.bytes) : 0;
        return recorder_.emit(now, Kind::notifier_ready, server_host, item.conn, cause,
                              {static_cast<std::int64_t>(api_), readable, writable, eof, bytes, item.listener});
    }

private:
    struct Watch {
        bool registered = false;
        bool reading = false;
        bool want_write = false;
        bool on_ready_list = false;
        std::uint32_t cause = trace::no_event;
    };

    Watch& watch(std::int32_t conn) {
        const auto index = static_cast<std::size_t>(conn);
        if (watches_.size() <= index) watches_.resize(index + 1);
        return watches_[index];
    }
    const Watch* find_watch(std::int32_t conn) const {
        const auto index = static_cast<std::size_t>(conn);
        return index < watches_.size() ? &watches_[index] : nullptr;
    }
    bool socket_ready(std::int32_t conn) const {
        const Watch* w = find_watch(conn);
        if (w == nullptr || !w->registered) return false;
        const Endpoint& e = tcp_.end(conn, Side::server);
        return (w->reading && tcp_.readable(e)) || (w->want_write && tcp_.writable(e));
    }

    NotifierApi api_;
    Tcp& tcp_;
    Recorder& recorder_;
    std::vector<Watch> watches_;  // by connection id
    std::vector<std::uint32_t> listeners_;
    std::size_t registered_ = 0;  // sockets in the interest list
    std::vector<std::int32_t> ready_list_;  // connection ids; -listener for listeners
    std::vector<std::int32_t> returned_;    // scratch for collect()
    std::uint32_t listener_cause_ = trace::no_event;
};

}  // namespace

std::unique_ptr<Notifier> make_iocp_notifier(Tcp& tcp, Recorder& recorder);

std::unique_ptr<Notifier> make_notifier(Os os, Tcp& tcp, Recorder& recorder) {
    switch (os) {
        case Os::linux: return std::make_unique<ReadinessNotifier>(NotifierApi::epoll, tcp, recorder);
        case Os::macos: return std::make_unique<ReadinessNotifier>(NotifierApi::kqueue, tcp, recorder);
        case Os::windows: return make_iocp_notifier(tcp, recorder);
    }
    return nullptr;
}

}  // namespace loopscope::sim
