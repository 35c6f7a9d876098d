// IOCP (Windows): a completion model. Nothing is "ready"; operations that
// libuv started finish, and each finish queues a completion packet that
// GetQueuedCompletionStatusEx hands back. libuv reads TCP with a zero-byte
// WSARecv (it completes when data arrives, without tying up a buffer), then
// reads for real; writes are overlapped WSASends that complete once the
// kernel has taken every byte; connections arrive through AcceptEx.
#include <deque>

#include "sim/notifier.hpp"

namespace loopscope::sim {
namespace {

using trace::IocpOp;
using trace::Kind;
using trace::NotifierApi;

class IocpNotifier final : public Notifier {
public:
    IocpNotifier(Tcp& tcp, Recorder& recorder) : tcp_(tcp), recorder_(recorder) {}

    NotifierApi api() const override { return NotifierApi::iocp; }

    // Node on Windows keeps one AcceptEx outstanding per listener
    // (simultaneous accepts off unless NODE_MANY_ACCEPTS is set).
    void watch_listener(Nanos now, std::uint32_t listener, std::uint32_t cause) override {
        if (accept_posted_.size() <= listener) accept_posted_.resize(listener + 1, false);
        if (accept_posted_[listener]) return;
        accept_posted_[listener] = true;
        recorder_.emit(now, Kind::notifier_submit, server_host, trace::no_conn, cause,
                       {static_cast<std::int64_t>(IocpOp::accept), 0, listener});
        listener_changed(now, listener, cause);
    }

    void set_interest(Nanos now, std::int32_t conn, bool reading, bool, std::uint32_t cause) override {
        Ops& ops = ops_of(conn);
        ops.associated = true;
        ops.reading = reading;
        if (reading && !ops.zero_read_posted) {
            ops.zero_read_posted = true;
            recorder_.emit(now, Kind::notifier_submit, server_host, conn, cause,
                           {static_cast<std::int64_t>(IocpOp::zero_read), 0, 0});
            socket_changed(now, conn, cause);
        }
    }

    void forget(Nanos, std::int32_t conn, std::uint32_t) override { ops_of(conn) = Ops{}; }

    bool overlapped_writes() const override { return true; }

    void submit_write(Nanos now, std::int32_t conn, std::string bytes, std::uint32_t cause) override {
        Ops& ops = ops_of(conn);
        const auto event = recorder_.emit(now, Kind::notifier_submit, server_host, conn, cause,
                                          {static_cast<std::int64_t>(IocpOp::write),
                                           static_cast<std::int64_t>(bytes.size()), 0});
        ops.writes.push_back({std::move(bytes), 0});
        push_writes(now, conn, event);
    }

    std::uint64_t overlapped_pending(std::int32_t conn) const override {
        if (static_cast<std::size_t>(conn) >= ops_.size()) return 0;
        std::uint64_t n = 0;
        for (const auto& w : ops_[static_cast<std::size_t>(conn)].writes) n += w.bytes.size() - w.done;
        return n;
    }

    void socket_changed(Nanos now, std::int32_t conn, std::uint32_t cause) override {
        Ops& ops = ops_of(conn);
        if (!ops.associated) return;
        const Endpoint& e = tcp_.end(conn, Side::server);
        if (ops.zero_read_posted && tcp_.readable(e)) {
            ops.zero_read_posted = false;
            completions_.push_back({ReadyWhat::read_done, conn, 0, 0, cause});
        }
        push_writes(now, conn, cause);
    }

    void listener_changed(Nanos now, std::uint32_t listener, std::uint32_t cause) override {
        if (accept_posted_.size() <= listener || !accept_posted_[listener]) return;
        // The kernel hands the waiting connection straight to AcceptEx.
        const auto conn = tcp_.accept(now, listener, cause);
        if (!conn) return;
        accept_posted_[listener] = false;
        completions_.push_back({ReadyWhat::accept_done, *conn, listener, 0, cause});
    }

    bool has_ready() const override { return !completions_.empty(); }

    std::size_t watched() const override {
        std::size_t n = 0;
        for (const Ops& ops : ops_) n += (ops.zero_read_posted ? 1 : 0) + ops.writes.size();
        for (bool posted : accept_posted_) n += posted ? 1 : 0;
        return n;
    }

    void collect(std::size_t max, std::vector<ReadyItem>& out) override {
        while (!completions_.empty() && out.size() < max) {
            out.push_back(completions_.front());
            completions_.pop_front();
        }
    }

    std::uint32_t report(Nanos now, const ReadyItem& item, std::uint32_t cause) override {
        IocpOp op = IocpOp::zero_read;
        if (item.what == ReadyWhat::accept_done) op = IocpOp::accept;
        if (item.what == ReadyWhat::write_done) op = IocpOp::write;
        return recorder_.emit(now, Kind::notifier_complete, server_host, item.conn, cause,
                              {static_cast<std::int64_t>(op), static_cast<std::int64_t>(item.bytes), item.listener});
    }

private:
    struct OverlappedWrite {
        std::string bytes;
        std::size_t done;
    };
    struct Ops {
        bool associated = false;
        bool reading = false;
        bool zero_read_posted = false;
        std::deque<OverlappedWrite> writes;
    };

    Ops& ops_of(std::int32_t conn) {
        const auto index = static_cast<std::size_t>(conn);
        if (ops_.size() <= index) ops_.resize(index + 1);
        return ops_[index];
    }

    // The kernel takes bytes of pending overlapped writes as send-buffer
    // space frees; a write completes when its last byte is taken.
    void push_writes(Nanos now, std::int32_t conn, std::uint32_t cause) {
        Ops& ops = ops_of(conn);
        while (!ops.writes.empty()) {
            OverlappedWrite& w = ops.writes.front();
            const std::string_view rest = std::string_view(w.bytes).substr(w.done);
            w.done += tcp_.write(now, conn, Side::server, rest, cause);
            if (w.done < w.bytes.size()) {
                if (tcp_.end(conn, Side::server).error != trace::ErrorCode::none) {
                    ops.writes.clear();  // the connection is gone; the write fails
                }
                return;
            }
            completions_.push_back({ReadyWhat::write_done, conn, 0, w.bytes.size(), cause});
            ops.writes.pop_front();
        }
    }

    Tcp& tcp_;
    Recorder& recorder_;
    std::vector<Ops> ops_;  // by connection id
    std::vector<bool> accept_posted_;
    std::deque<ReadyItem> completions_;
};

}  // namespace

std::unique_ptr<Notifier> make_iocp_notifier(Tcp& tcp, Recorder& recorder) {
    return std::make_unique<IocpNotifier>(tcp, recorder);
}

}  // namespace loopscope::sim
