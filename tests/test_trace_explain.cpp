// The explanation catalogue: a sentence for every kind and every enum value,
// each OS in its own words, and the number formatting the sentences use.
#include <catch2/catch.hpp>

#include "trace_test_support.hpp"
#include "trace/explain.hpp"

using namespace loopscope;
using namespace loopscope::trace;

namespace {

// A trace holding one event, on the given host (0 = server, 1 = client).
std::string explain_one(Kind kind, std::initializer_list<std::int64_t> values, std::uint8_t host = 0,
                        std::int32_t conn = 3) {
    Trace t;
    t.header = test::small_world_header();
    t.append(0, kind, host, conn, no_event, values);
    return explain(t, 0);
}

void check_sentence(const std::string& sentence) {
    CHECK_FALSE(sentence.empty());
    CHECK(sentence.find('{') == std::string::npos);
    CHECK(sentence.find('}') == std::string::npos);
    CHECK(sentence.find(" ? ") == std::string::npos);  // an enum value without a name
    CHECK(sentence.find("  ") == std::string::npos);
}

}  // namespace

TEST_CASE("every kind has a filled sentence", "[trace][explain]") {
    const Trace t = test::every_kind_trace();
    for (std::size_t i = 0; i < t.size(); ++i) {
        INFO(kind_spec(t[i].kind).name << ": " << explain(t, i));
        check_sentence(explain(t, i));
        if (t[i].kind != Kind::note_caption) CHECK(explain(t, i).back() == '.');
    }
    CHECK(explain(t, t.size()).empty());  // past the end
}

TEST_CASE("every enum value of every field reads as a sentence", "[trace][explain]") {
    // For each kind and each enum field, an event per enum value (the other
    // fields keep their sample values): every OS, op, reason and phase.
    for (const KindSpec& spec : all_kinds()) {
        for (std::size_t f = 0; f < spec.fields.size(); ++f) {
            const FieldType type = spec.fields[f].type;
            if (!is_enum(type)) continue;
            for (std::size_t value = 0; value < enum_names(type).size(); ++value) {
                Trace t;
                t.header = test::small_world_header();
                std::vector<std::int64_t> values;
                for (const FieldSpec& field : spec.fields) values.push_back(test::sample_value(t, field.type, 1));
                values[f] = static_cast<std::int64_t>(value);
                for (std::uint8_t host : {0, 1}) t.append(0, spec.kind, host, 2, no_event, values);
                for (std::size_t i = 0; i < t.size(); ++i) {
                    INFO(spec.name << " " << spec.fields[f].name << "=" << enum_names(type)[value] << ": " << explain(t, i));
                    check_sentence(explain(t, i));
                }
            }
        }
    }
}

TEST_CASE("the chapter's example sentences", "[trace][explain]") {
    CHECK(explain_one(Kind::kernel_accept_queue, {1, 2, 511}) ==
          "The kernel finished the 3-way handshake and put connection 3 in the accept queue (2 of 512).");
    CHECK(explain_one(Kind::js_write, {65536, 0, 49152, 16384}) ==
          "JavaScript called socket.write() with 64 KiB; 48 KiB are still waiting in user space, above the "
          "highWaterMark of 16 KiB, so write() returned false: wait for 'drain'.");
    CHECK_THAT(explain_one(Kind::notifier_wait, {0 /* epoll */, -1, 3}),
               Catch::StartsWith("libuv calls epoll_wait() and sleeps until a socket is ready (no timeout)."));
    CHECK_THAT(explain_one(Kind::notifier_complete, {0 /* zero_read */, 0, 0}),
               Catch::StartsWith("GetQueuedCompletionStatusEx returned a completion: "));
}

TEST_CASE("each OS is explained in its own terms", "[trace][explain]") {
    const auto epoll = static_cast<std::int64_t>(NotifierApi::epoll);
    const auto kqueue = static_cast<std::int64_t>(NotifierApi::kqueue);
    const auto iocp = static_cast<std::int64_t>(NotifierApi::iocp);
    const auto add = static_cast<std::int64_t>(RegisterOp::add);
    const auto readable = static_cast<std::int64_t>(Interest::readable);

    CHECK_THAT(explain_one(Kind::notifier_register, {epoll, add, readable, 0}),
               Catch::Contains("epoll_ctl(EPOLL_CTL_ADD)") && Catch::Contains("EPOLLIN"));
    CHECK_THAT(explain_one(Kind::notifier_register, {kqueue, add, readable, 0}),
               Catch::Contains("kevent()") && Catch::Contains("EVFILT_READ"));
    CHECK_THAT(explain_one(Kind::notifier_register, {iocp, add, readable, 0}), Catch::Contains("CreateIoCompletionPort"));

    CHECK_THAT(explain_one(Kind::notifier_wait, {kqueue, 2000000, 4}),
               Catch::StartsWith("libuv calls kevent() and sleeps until a socket is ready, for at most 2 ms."));
    CHECK_THAT(explain_one(Kind::notifier_wait, {iocp, -1, 2}),
               Catch::StartsWith("libuv calls GetQueuedCompletionStatusEx() and sleeps until an overlapped operation "
                                 "completes (no timeout)."));

    // kqueue tells how many bytes are readable; epoll does not.
    CHECK(explain_one(Kind::notifier_ready, {kqueue, 1, 0, 0, 1460, 0}) ==
          "kevent() reports connection 3 readable (EVFILT_READ) with 1,460 bytes to read.");
    CHECK(explain_one(Kind::notifier_ready, {epoll, 1, 0, 1, 0, 0}) ==
          "epoll_wait() reports connection 3 readable (EPOLLIN); EPOLLRDHUP says the peer closed its side.");
    CHECK_THAT(explain_one(Kind::notifier_ready, {epoll, 1, 0, 0, 0, 1}),
               Catch::Contains("the listening socket of listener 1 readable: a new connection waits"));

    CHECK_THAT(explain_one(Kind::notifier_submit, {static_cast<std::int64_t>(IocpOp::zero_read), 0, 0}),
               Catch::StartsWith("libuv posts a zero-byte WSARecv on connection 3"));
    CHECK_THAT(explain_one(Kind::notifier_submit, {static_cast<std::int64_t>(IocpOp::write), 65536, 0}),
               Catch::StartsWith("libuv starts an overlapped WSASend of 64 KiB"));
    CHECK_THAT(explain_one(Kind::notifier_complete, {static_cast<std::int64_t>(IocpOp::accept), 0, 1}),
               Catch::Contains("AcceptEx on listener 1 accepted connection 3"));
}

TEST_CASE("sentences name the host by its role", "[trace][explain]") {
    const std::initializer_list<std::int64_t> syn = {tcp_syn, 0, 0, 0, 65535, 50000, 0, 0};
    CHECK(explain_one(Kind::wire_segment, syn, 1) ==
          "The client sends a SYN segment (\"may I connect?\") on connection 3 (flags SYN, seq 0, window 65,535 "
          "bytes); it reaches the server 50 µs later.");
    CHECK_THAT(explain_one(Kind::wire_segment, {tcp_syn | tcp_ack, 0, 1, 0, 65535, 50000, 1, 0}, 0),
               Catch::StartsWith("The server sends a SYN-ACK") && Catch::EndsWith("but the network loses it: it never arrives."));
    CHECK_THAT(explain_one(Kind::kernel_tcp_state, {static_cast<std::int64_t>(TcpState::established),
                                                    static_cast<std::int64_t>(TcpState::syn_received)}),
               Catch::StartsWith("The TCP state of the server's end of connection 3 changes from SYN_RECEIVED to ESTABLISHED"));
    CHECK(explain_one(Kind::js_write, {1460, 1, 0, 16384}) ==
          "JavaScript called socket.write() with 1,460 bytes; libuv handed it all to the kernel at once, so write() "
          "returned true: keep writing.");
    CHECK(explain_one(Kind::loop_poll_timeout, {-1, static_cast<std::int64_t>(PollReason::no_timers)}) ==
          "No timers are set, so the poll phase may block until I/O arrives (no timeout).");
    CHECK(explain_one(Kind::client_connect, {3000}, 1, no_conn) ==
          "The client calls connect() to port 3000 for a connection: its kernel sends a SYN to start the 3-way handshake.");
}

TEST_CASE("format_bytes", "[trace][explain]") {
    CHECK(format_bytes(0) == "0 bytes");
    CHECK(format_bytes(1) == "1 byte");
    CHECK(format_bytes(1023) == "1023 bytes");
    CHECK(format_bytes(1024) == "1 KiB");
    CHECK(format_bytes(1460) == "1,460 bytes");
    CHECK(format_bytes(1536) == "1.5 KiB");
    CHECK(format_bytes(65535) == "65,535 bytes");
    CHECK(format_bytes(65536) == "64 KiB");
    CHECK(format_bytes(1024 * 1024) == "1 MiB");
    CHECK(format_bytes(1024 * 1024 * 3 / 2) == "1.5 MiB");
    CHECK(format_bytes(4194304 + 100) == "4 MiB");  // rounded to a tenth
    CHECK(format_bytes(3900000) == "3.7 MiB");
    CHECK(format_bytes(std::uint64_t{5} << 30) == "5 GiB");
}

TEST_CASE("format_nanos", "[trace][explain]") {
    CHECK(format_nanos(-1) == "forever");
    CHECK(format_nanos(0) == "0 ns");
    CHECK(format_nanos(850) == "850 ns");
    CHECK(format_nanos(1500) == "1.5 µs");
    CHECK(format_nanos(12000) == "12 µs");
    CHECK(format_nanos(1500000) == "1.5 ms");
    CHECK(format_nanos(2000000000) == "2 s");
    CHECK(format_nanos(3600000000000) == "3,600 s");
}
