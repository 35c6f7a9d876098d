// The stream server program (chapter §8): fs.createReadStream(file).pipe(res)
// reads the file 64 KiB at a time on the thread pool, pauses when res.write()
// returns false and resumes on 'drain', so the server's memory stays bounded
// by the highWaterMarks whatever the file's size, and the client gets
// exactly the file.
#include <catch2/catch.hpp>
#include <string>

#include "sim_test_support.hpp"

using namespace loopscope;
using trace::Kind;

namespace {

constexpr std::uint64_t mib = 1 << 20;

sim::Scenario stream_scenario(std::uint64_t file_bytes, bool content_length) {
    auto s = test::basic_scenario();
    s.stop_ns = 5'000'000'000;
    s.server.program = "stream";
    s.server.file_bytes = file_bytes;
    s.server.stream_content_length = content_length;
    s.clients.program = "http-get";
    s.clients.read_slowly = true;  // 64 KiB a millisecond: slower than the disk
    s.clients.read_bytes = 65536;
    s.clients.read_interval_ns = 1'000'000;
    return s;
}

// The most thread-pool jobs running or queued at any one time.
std::int64_t peak_pool_jobs(const trace::Trace& t) {
    std::int64_t live = 0, peak = 0;
    for (std::size_t i = 0; i < t.size(); ++i) {
        if (t[i].kind == Kind::pool_submit) peak = std::max(peak, ++live);
        if (t[i].kind == Kind::pool_done) --live;
    }
    return peak;
}

struct Bounds {
    std::int64_t head_bytes;
    std::int64_t peak_writable_length;
    std::int64_t peak_readable_length;
    std::int64_t peak_pool_jobs;
};

Bounds check_stream(std::uint64_t file_bytes, bool content_length) {
    CAPTURE(file_bytes, content_length);
    const auto t = test::run(stream_scenario(file_bytes, content_length));
    const std::uint64_t chunks = (file_bytes + 65535) / 65536;

    // Every byte of the file went into res, in 64 KiB chunks, then res.end().
    CHECK(test::sum_field(t, Kind::http_response_chunk, "bytes") == static_cast<std::int64_t>(file_bytes));
    CHECK(test::count(t, Kind::js_res_write) == chunks);
    CHECK(test::count(t, Kind::http_response_end) == 1);
    // One read per chunk plus the read of 0 bytes that finds the end of the file.
    const auto reads = test::find_all(t, Kind::js_file_read);
    REQUIRE(reads.size() == chunks + 1);
    CHECK(test::field(t, reads.back(), "bytes") == 0);
    CHECK(test::field(t, reads.back(), "position") == static_cast<std::int64_t>(file_bytes));
    // Open, the reads, close: every one a pool job whose completion is a js.pool_done.
    CHECK(test::count(t, Kind::pool_submit) == chunks + 3);
    CHECK(test::count(t, Kind::js_pool_done) == chunks + 3);

    // The client received exactly the head and the file, framed.
    const auto response = test::find_all(t, Kind::http_response);
    REQUIRE(response.size() == 1);
    CHECK(t.text(test::field(t, response[0], "framing")) == (content_length ? "content-length" : "chunked"));
    const auto head = static_cast<std::uint64_t>(test::field(t, response[0], "header_bytes"));
    // Chunked: "10000\r\n" before and "\r\n" after each 64 KiB chunk, and "0\r\n\r\n".
    const std::uint64_t framing = content_length ? 0 : chunks * 9 + 5;
    const auto done = test::find_all(t, Kind::client_done);
    REQUIRE(done.size() == 1);
    CHECK(static_cast<std::uint64_t>(test::field(t, done[0], "received")) == head + file_bytes + framing);
    // The browser closes only once its parser saw the whole response.
    CHECK(test::count(t, Kind::client_close) == 1);

    // Backpressure: every pause is answered by a resume after a 'drain'.
    const auto pauses = test::find_all(t, Kind::js_pipe_pause);
    const auto resumes = test::find_all(t, Kind::js_pipe_resume);
    CHECK(pauses.size() > chunks / 2);
    REQUIRE(resumes.size() == pauses.size());
    for (std::size_t i = 0; i < pauses.size(); ++i) {
        CHECK(resumes[i] > pauses[i]);
        CHECK(t[t[resumes[i]].cause].kind == Kind::js_drain);
        if (i + 1 < pauses.size()) CHECK(resumes[i] < pauses[i + 1]);
    }
    return Bounds{static_cast<std::int64_t>(head), test::max_field(t, Kind::js_res_write, "writable_length"),
                  test::max_field(t, Kind::js_file_read, "readable_length"), peak_pool_jobs(t)};
}

}  // namespace

TEST_CASE("stream: memory stays bounded by the highWaterMarks for 1 MiB and 10 MiB files", "[sim][stream]") {
    for (const bool content_length : {false, true}) {
        const Bounds small = check_stream(mib, content_length);
        const Bounds large = check_stream(10 * mib, content_length);
        for (const Bounds& b : {small, large}) {
            // res holds at most one 64 KiB chunk with its framing and the head,
            // the file stream at most its highWaterMark, and one read runs at a time.
            // The first write: the head and one chunk with its chunk framing.
            CHECK(b.peak_writable_length <= b.head_bytes + 65536 + 9);
            CHECK(b.peak_writable_length > 16384);
            CHECK(b.peak_readable_length == 65536);
            CHECK(b.peak_pool_jobs == 1);
        }
        // Ten times the file, the same peaks (the head differs only in the
        // digits of Content-Length).
        CHECK(large.peak_writable_length - large.head_bytes == small.peak_writable_length - small.head_bytes);
        CHECK(large.peak_readable_length == small.peak_readable_length);
    }
}

TEST_CASE("stream: the head as Node 20 writes it, set headers first in the order set", "[sim][stream]") {
    // Checked against node 20: res.setHeader("Content-Type", "video/mp4");
    // res.setHeader("Content-Length", n); res.write(...) sends exactly this head.
    auto s = stream_scenario(200'000, true);
    s.server.content_type = "video/mp4";
    const auto t = test::run(s);
    const auto first = test::find_all(t, Kind::loop_write);
    REQUIRE_FALSE(first.empty());
    const std::string data(t.text(test::field(t, first[0], "data")));
    CHECK(data.rfind("HTTP/1.1 200 OK\r\nContent-Type: video/mp4\r\nContent-Length: 200000\r\n"
                     "Date: Mon, 01 Jan 2024 00:00:00 GMT\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n\r\n"
                     "loopscope file: ",
                     0) == 0);
}

TEST_CASE("stream: Content-Length when the program sets it, chunked otherwise", "[sim][stream]") {
    for (const bool content_length : {false, true}) {
        const auto t = test::run(stream_scenario(200'000, content_length));
        const auto first = test::find_all(t, Kind::loop_write);
        REQUIRE_FALSE(first.empty());
        const std::string head(t.text(test::field(t, first[0], "data")));
        CAPTURE(head);
        CHECK((head.find("Content-Length: 200000\r\n") != std::string::npos) == content_length);
        CHECK((head.find("Transfer-Encoding: chunked\r\n") != std::string::npos) == !content_length);
        // Chunked framing of the first 64 KiB chunk follows the head.
        CHECK((head.find("\r\n\r\n10000\r\n") != std::string::npos) == !content_length);
    }
}

TEST_CASE("stream: each read takes its bytes at the disk's speed on a pool worker", "[sim][stream]") {
    auto s = stream_scenario(3 * 65536 + 100, false);
    s.server.disk_bytes_per_second = 1'000'000'000;
    const auto t = test::run(s);
    const auto submits = test::find_all(t, Kind::pool_submit);
    REQUIRE(submits.size() == 4 + 3);
    // submits[0] is the open; then 65536, 65536, 65536, 100 and 0 bytes.
    CHECK(test::field(t, submits[1], "work") == 65'536);
    CHECK(test::field(t, submits[4], "work") == 100);
    CHECK(test::field(t, submits[5], "work") == 0);
    // A read's completion wakes the loop, and its callback is where the chunk is written.
    const auto reads = test::find_all(t, Kind::js_file_read);
    REQUIRE(reads.size() == 5);
    CHECK(t[t[reads[0]].cause].kind == Kind::js_pool_done);
    CHECK(test::count(t, Kind::loop_async_wakeup) >= 5);
}

TEST_CASE("stream: with a fast client each write still returns false, and 'drain' follows at once", "[sim][stream]") {
    auto s = stream_scenario(mib, false);
    s.clients.read_slowly = false;
    s.server.send_buffer = 4 * mib;  // Linux's tcp_wmem maximum: room for the whole file
    s.clients.recv_buffer = 4 * mib;
    const auto t = test::run(s);
    // res.write corks the socket until the next tick, so the whole 64 KiB
    // chunk counts in writableLength: above 16 KiB, false, whatever the room.
    const auto pauses = test::find_all(t, Kind::js_pipe_pause);
    const auto resumes = test::find_all(t, Kind::js_pipe_resume);
    CHECK(pauses.size() == 16);
    REQUIRE(resumes.size() == pauses.size());
    // But the uncork puts it all in the kernel, and 'drain' comes straight after.
    for (std::size_t i = 0; i < pauses.size(); ++i) CHECK(t[resumes[i]].time - t[pauses[i]].time < 100'000);
    // The stream never had to hold a chunk back.
    CHECK(test::max_field(t, Kind::js_file_read, "readable_length") == 0);
    CHECK(test::sum_field(t, Kind::http_response_chunk, "bytes") == static_cast<std::int64_t>(mib));
    CHECK(test::count(t, Kind::client_close) == 1);
}

TEST_CASE("stream: three clients at once each get the whole file, one read in flight per stream", "[sim][stream]") {
    auto s = stream_scenario(mib, false);
    s.clients.count = 3;
    s.clients.start_interval_ns = 2'000'000;
    const auto t = test::run(s);
    const auto done = test::find_all(t, Kind::client_done);
    REQUIRE(done.size() == 3);
    const auto heads = test::find_all(t, Kind::http_response);
    REQUIRE(heads.size() == 3);
    for (std::size_t i = 0; i < done.size(); ++i) {
        const std::int64_t head = test::field(t, heads[i], "header_bytes");
        CHECK(test::field(t, done[i], "received") == head + static_cast<std::int64_t>(mib) + 16 * 9 + 5);
    }
    CHECK(test::count(t, Kind::js_file_read) == 3 * 17);
    CHECK(peak_pool_jobs(t) <= 3);
    CHECK(test::max_field(t, Kind::js_file_read, "reads_in_flight") <= 2);
    CHECK(test::max_field(t, Kind::js_file_read, "readable_length") == 65536);
}
