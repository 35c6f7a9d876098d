// The real loop on this machine's notifier (epoll or poll, chosen by
// LOOPSCOPE_REAL_BACKEND): the poller, libuv's phase order, timers, the
// async handle, and Node's write()/drain semantics on real sockets.
#include <catch2/catch.hpp>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <arpa/inet.h>
#include <filesystem>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "real/loop.hpp"
#include "real/tcp_listener.hpp"
#include "real/tcp_stream.hpp"
#include "real_test_support.hpp"

using namespace loopscope;
using real::Loop;
using real::Nanos;
using trace::Kind;

namespace {

std::size_t open_fds() {
    std::size_t n = 0;
    for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
    return n;
}

std::vector<const real::TraceRecord*> records_of(const real::Tracer& tracer, Kind kind) {
    std::vector<const real::TraceRecord*> out;
    for (std::size_t i = 0; i < tracer.size(); ++i)
        if (tracer[i].kind == kind) out.push_back(&tracer[i]);
    return out;
}

// The index of the first record of `kind` at or after `from` whose field
// `field` equals `value` (any value when field < 0), or tracer.size().
std::size_t find_record(const real::Tracer& tracer, std::size_t from, Kind kind, int field = -1, std::int64_t value = 0) {
    for (std::size_t i = from; i < tracer.size(); ++i)
        if (tracer[i].kind == kind && (field < 0 || tracer[i].fields[field] == value)) return i;
    return tracer.size();
}

class Recorder final : public real::IoHandler {
public:
    explicit Recorder(std::function<void()> on_read) : on_read_(std::move(on_read)) {}
    void on_readable(const real::Readiness&) override { on_read_(); }
    void on_writable(const real::Readiness&) override {}

private:
    std::function<void()> on_read_;
};

}  // namespace

TEST_CASE("a poller reports a readable socket with its token, and a wait with nothing to report times out",
          "[real][loop]") {
    auto poller = real::make_poller(test::real_backend());
    int pair[2];
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, pair) == 0);
    REQUIRE_FALSE(poller->add(pair[0], real::interest_readable, 42));
    CHECK(poller->watched() == 1);

    std::vector<real::Readiness> events(8);
    std::error_code error;
    const Nanos before = real::monotonic_now();
    CHECK(poller->wait(events, 20'000'000, error) == 0);
    CHECK_FALSE(error);
    CHECK(real::monotonic_now() - before >= 19'000'000);

    REQUIRE(::write(pair[1], "hi", 2) == 2);
    REQUIRE(poller->wait(events, 1'000'000'000, error) == 1);
    CHECK(events[0].token == 42);
    CHECK(events[0].readable);
    CHECK_FALSE(events[0].writable);
    // Level-triggered: still readable until read.
    CHECK(poller->wait(events, 0, error) == 1);

    REQUIRE_FALSE(poller->modify(pair[0], real::interest_writable, 43));
    REQUIRE(poller->wait(events, 0, error) == 1);
    CHECK(events[0].token == 43);
    CHECK(events[0].writable);

    REQUIRE_FALSE(poller->remove(pair[0]));
    CHECK(poller->watched() == 0);
    CHECK(poller->wait(events, 0, error) == 0);
    ::close(pair[0]);
    ::close(pair[1]);
}

TEST_CASE("an unknown backend is refused with the list this build has", "[real][loop]") {
    CHECK_THROWS_WITH(real::make_poller("select"), Catch::Contains("unknown backend \"select\"") &&
                                                       Catch::Contains("poll"));
}

TEST_CASE("run_once goes through libuv's phases in order, and records each", "[real][loop]") {
    Loop loop(test::real_loop_options());
    loop.start_timer(0, [] {});
    loop.run_once();
    std::vector<std::int64_t> phases;
    for (const real::TraceRecord* r : records_of(loop.tracer(), Kind::loop_phase)) phases.push_back(r->fields[0]);
    using P = trace::LoopPhase;
    const std::vector<std::int64_t> expected = {
        static_cast<std::int64_t>(P::timers), static_cast<std::int64_t>(P::pending), static_cast<std::int64_t>(P::idle),
        static_cast<std::int64_t>(P::prepare), static_cast<std::int64_t>(P::poll), static_cast<std::int64_t>(P::check),
        static_cast<std::int64_t>(P::close)};
    CHECK(phases == expected);
    CHECK(records_of(loop.tracer(), Kind::notifier_wait).size() == 1);
    CHECK(records_of(loop.tracer(), Kind::notifier_wake).size() == 1);
}

TEST_CASE("timers run in due order, equal due times in start order, and a stopped timer never runs", "[real][loop]") {
    Loop loop(test::real_loop_options());
    std::vector<std::string> ran;
    loop.start_timer(30'000'000, [&] { ran.push_back("30ms"); });
    loop.start_timer(10'000'000, [&] { ran.push_back("10ms-a"); });
    const real::TimerId stopped = loop.start_timer(10'000'000, [&] { ran.push_back("stopped"); });
    loop.start_timer(10'000'000, [&] { ran.push_back("10ms-b"); });
    loop.stop_timer(stopped);
    const Nanos started = real::monotonic_now();
    loop.run(started + 2'000'000'000);
    CHECK(ran == std::vector<std::string>{"10ms-a", "10ms-b", "30ms"});
    CHECK(real::monotonic_now() - started >= 30'000'000);
}

TEST_CASE("in an I/O callback, setImmediate runs before setTimeout 0 (check phase, then the next timers phase)",
          "[real][loop]") {
    Loop loop(test::real_loop_options());
    int pair[2];
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, pair) == 0);
    std::vector<std::string> ran;
    Recorder handler([&] {
        loop.unwatch(pair[0]);
        loop.start_timer(0, [&] { ran.push_back("timeout"); });
        loop.set_immediate([&] { ran.push_back("immediate"); });
    });
    REQUIRE_FALSE(loop.watch(pair[0], real::interest_readable, &handler));
    REQUIRE(::write(pair[1], "x", 1) == 1);
    loop.run(real::monotonic_now() + 2'000'000'000);
    CHECK(ran == std::vector<std::string>{"immediate", "timeout"});
    ::close(pair[0]);
    ::close(pair[1]);
}

TEST_CASE("post() from another thread wakes a loop blocked in the notifier", "[real][loop]") {
    Loop loop(test::real_loop_options());
    loop.ref();  // a handle that keeps the loop waiting with no timeout
    bool ran = false;
    const Nanos started = real::monotonic_now();
    std::thread other([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        loop.post([&] {
            ran = true;
            loop.unref();
        });
    });
    loop.run(started + 5'000'000'000);
    other.join();
    CHECK(ran);
    CHECK(real::monotonic_now() - started < 4'000'000'000);
    CHECK(records_of(loop.tracer(), Kind::loop_async_wakeup).size() == 1);
    CHECK(records_of(loop.tracer(), Kind::loop_exit).size() == 1);
}

namespace {

// A server that writes `chunk` until write() returns false, then again on
// every 'drain', `total` bytes in all: the backpressure lesson's server.
class Writer final : public real::StreamEvents {
public:
    Writer(std::size_t chunk, std::size_t total) : chunk_(chunk, 'x'), total_(total) {}
    void write_more(real::Duplex& s) {
        while (sent_ < total_) {
            sent_ += chunk_.size();
            if (!s.write(chunk_)) {
                ++false_returns;
                return;
            }
        }
        s.end();
    }
    void on_drain(real::Duplex& s) override {
        ++drains;
        write_more(s);
    }
    void on_close(real::Duplex&, bool) override { closed = true; }
    int false_returns = 0;
    int drains = 0;
    bool closed = false;

private:
    std::string chunk_;
    std::size_t total_;
    std::size_t sent_ = 0;
};

}  // namespace

TEST_CASE("against a client that does not read, write() returns false at highWaterMark, and 'drain' follows "
          "writability once it reads",
          "[real][loop]") {
    const std::size_t fds_before = open_fds();
    {
        Loop loop(test::real_loop_options());
        const std::size_t chunk = 65536, total = 8 * 1024 * 1024;
        Writer writer(chunk, total);
        std::unique_ptr<real::TcpStream> stream;
        real::TcpListener listener(loop, 1, [&](real::SocketFd fd) {
            real::StreamOptions options;
            options.send_buffer = 16384;  // small, fixed: the kernel fills fast
            options.trace_payload_text = false;
            stream = std::make_unique<real::TcpStream>(loop, fd, writer, options);
            listener.close();
            writer.write_more(*stream);
        });
        REQUIRE_FALSE(listener.listen("127.0.0.1", 0));

        // The peer: a plain blocking socket with a small receive buffer
        // that reads nothing for 100 ms, then everything.
        // Catch2's assertions are not thread-safe: the reader only reports.
        std::size_t got = 0;
        bool connected = false;
        std::thread reader([port = listener.port(), &got, &connected] {
            const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
            const int size = 16384;
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
            sockaddr_in a{};
            a.sin_family = AF_INET;
            a.sin_port = htons(port);
            inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
            connected = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
            std::vector<char> buffer(1 << 16);
            for (ssize_t n; connected && (n = ::read(fd, buffer.data(), buffer.size())) > 0;)
                got += static_cast<std::size_t>(n);
            ::close(fd);
        });
        loop.run(real::monotonic_now() + 10'000'000'000);
        reader.join();
        REQUIRE(connected);
        CHECK(got == total);
        CHECK(writer.closed);
        CHECK(writer.false_returns >= 1);
        CHECK(writer.drains == writer.false_returns);

        // The order the lesson teaches: the kernel says EAGAIN, user space
        // holds bytes at or above highWaterMark and write() says false;
        // later epoll/poll reports the socket writable and 'drain' runs.
        const real::Tracer& t = loop.tracer();
        // The kernel refusing bytes shows as EAGAIN, or, when writability
        // came back with only a little room, as a write it took only part of
        // (seen under ASan, where the writer is slower than the kernel).
        std::size_t eagain = t.size();
        for (std::size_t i = 0; i < t.size() && eagain == t.size(); ++i)
            if (t[i].kind == Kind::loop_write && (t[i].fields[2] == 1 || t[i].fields[1] < t[i].fields[0])) eagain = i;
        REQUIRE(eagain < t.size());
        const std::size_t refused = find_record(t, 0, Kind::js_write, 1, 0);
        REQUIRE(refused < t.size());
        CHECK(t[refused].fields[2] >= static_cast<std::int64_t>(real::default_high_water_mark));
        const std::size_t writable = find_record(t, std::max(eagain, refused), Kind::notifier_ready, 2, 1);
        REQUIRE(writable < t.size());
        const std::size_t drain = find_record(t, writable, Kind::js_drain);
        REQUIRE(drain < t.size());
        CHECK(std::min(eagain, refused) < writable);
        CHECK(writable < drain);
        // The kernel's send-buffer level was probed while bytes waited.
        CHECK_FALSE(records_of(t, Kind::kernel_send_buffer).empty());
        stream.reset();
    }
    CHECK(open_fds() == fds_before);
}

TEST_CASE("the recorder keeps a callback's duration in counter ticks and gives it back in ns", "[real][loop]") {
    real::Tracer tracer(0, true, {16, 64});
    const std::uint32_t r = tracer.record(Kind::js_data, 3, {100, 0});
    const real::Stamp started = real::cycle_stamp();
    const Nanos before = real::monotonic_now();
    while (real::monotonic_now() - before < 2'000'000) {
    }
    tracer.set_duration(r, 1, started);
    const Nanos measured = real::monotonic_now() - before;
    tracer.finish_clock();
    CHECK(tracer.field_value(tracer[r], 0) == 100);  // not a duration: as recorded
    const std::int64_t dur = tracer.field_value(tracer[r], 1);
    // The stamp-to-ns line is calibrated over this test's 2 ms only, so its
    // rate carries the jitter of two back-to-back clock reads (tens of ns):
    // a 1% band, not an exact lower bound (1,999,965 ns once failed ">= 2 ms").
    CHECK(dur >= 1'980'000);
    CHECK(dur <= measured + 100'000);
    // A disabled tracer, or no record, ignores it.
    real::Tracer off(0, false);
    off.set_duration(real::no_record, 1, started);
    CHECK(off.size() == 0);
}
