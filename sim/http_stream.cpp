// server.program "stream": chapter §8's file server.
//   http.createServer((req, res) => {
//     res.setHeader("Content-Length", size);   // with server.stream_content_length
//     fs.createReadStream("bigfile.mp4").pipe(res);
//   });
// What Node 20's fs.ReadStream and Readable.prototype.pipe do with it:
// - the stream opens the file, reads it in highWaterMark (64 KiB) pieces and
//   closes it, each call a job on libuv's thread pool whose completion wakes
//   the loop (js.pool_done);
// - it keeps at most one read in flight, and reads ahead only while what it
//   holds (readableLength) is below its highWaterMark (maybeReadMore);
// - flowing, a completed read goes straight to 'data', and pipe's ondata
//   calls res.write(chunk); a false return pauses the stream (js.pipe_pause);
// - res's 'drain' resumes it (js.pipe_resume), and resume_ runs on the next
//   tick: it writes what the stream holds, then reads on;
// - a read of 0 bytes is the end of the file: 'end', and pipe calls res.end().
// So whatever the file's size, the server holds at most about one chunk in
// the stream and one chunk (plus what was under the mark) in res.
#include <algorithm>
#include <deque>
#include <vector>

#include "sim/http_server.hpp"

namespace loopscope::sim {
namespace {

using trace::Kind;

// fs.open and fs.close of a file whose inode is cached: system calls of a
// few microseconds (an assumption; the thread-pool hop is what the lesson
// shows).
constexpr Nanos file_open_ns = 5'000;
constexpr Nanos file_close_ns = 5'000;

// Pool job tags: the pipe's index, and which call the job is.
enum class FileOp : std::uint64_t { open = 0, read = 1, close = 2 };
std::uint64_t file_tag(std::size_t pipe, FileOp op) { return pipe << 2 | static_cast<std::uint64_t>(op); }

class StreamHandler final : public HttpHandler {
public:
    explicit StreamHandler(const ServerParams& params) : params_(params) {
        const std::string_view pattern = "loopscope file: the bytes of bigfile.mp4, streamed 64 KiB at a time. ";
        chunk_.reserve(static_cast<std::size_t>(params.file_chunk_bytes));
        while (chunk_.size() < params.file_chunk_bytes)
            chunk_.append(pattern.substr(0, std::min<std::size_t>(pattern.size(), params.file_chunk_bytes - chunk_.size())));
    }

    void on_request(HttpApi& http, RequestId req) override {
        if (!params_.content_type.empty()) http.set_header(req, "Content-Type", params_.content_type);
        if (params_.stream_content_length) http.set_header(req, "Content-Length", std::to_string(params_.file_bytes));
        Pipe p;
        p.req = req;
        p.conn = http.connection_of(req);
        pipes_.push_back(p);
        http.node().submit_work(file_open_ns, p.conn, file_tag(pipes_.size() - 1, FileOp::open));
    }

    void on_work_done(HttpApi& http, std::int32_t, std::uint64_t tag) override {
        const auto index = static_cast<std::size_t>(tag >> 2);
        if (index >= pipes_.size()) return;
        switch (static_cast<FileOp>(tag & 3)) {
            case FileOp::open: read_more(http, index); break;
            case FileOp::read: read_done(http, index); break;
            case FileOp::close: break;  // the stream's 'close'
        }
    }

    void on_res_drain(HttpApi& http, RequestId req) override {
        for (std::size_t i = 0; i < pipes_.size(); ++i) {
            Pipe& p = pipes_[i];
            if (p.req != req || p.flowing || p.ended) continue;
            // pipeOnDrain: src.resume(); the stream flows again from resume_
            // on the next tick.
            http.node().record(Kind::js_pipe_resume, p.conn,
                               {static_cast<std::int64_t>(p.readable_length), static_cast<std::int64_t>(p.piped)});
            http.next_tick(i);
        }
    }

    void on_tick(HttpApi& http, std::uint64_t tag) override {
        const auto index = static_cast<std::size_t>(tag);
        if (index >= pipes_.size()) return;
        pipes_[index].flowing = true;
        flow(http, index);
        read_more(http, index);
    }

private:
    struct Pipe {
        RequestId req = 0;
        std::int32_t conn = 0;
        std::uint64_t position = 0;         // next byte of the file to read
        std::deque<std::uint64_t> held;     // chunks read, not yet given to 'data'
        std::uint64_t readable_length = 0;  // their bytes
        std::uint64_t piped = 0;            // bytes written to res
        bool reading = false;               // an fs.read is on the pool
        bool flowing = true;                // pipe() starts the stream flowing
        bool eof = false;
        bool ended = false;                 // res.end() called
    };

    // Readable.read(0) / maybeReadMore: one read at a time, and only while
    // the stream holds less than its highWaterMark.
    void read_more(HttpApi& http, std::size_t index) {
        Pipe& p = pipes_[index];
        if (p.reading || p.eof || p.ended || p.readable_length >= params_.file_chunk_bytes) return;
        const std::uint64_t n = std::min(params_.file_chunk_bytes, params_.file_bytes - p.position);
        p.reading = true;
        ++reads_in_flight_;
        http.node().submit_work(read_ns(n), p.conn, file_tag(index, FileOp::read));
    }

    void read_done(HttpApi& http, std::size_t index) {
        Pipe& p = pipes_[index];
        const std::uint64_t at = p.position;
        const std::uint64_t n = std::min(params_.file_chunk_bytes, params_.file_bytes - at);
        p.reading = false;
        --reads_in_flight_;
        p.position += n;
        if (n == 0) p.eof = true;
        else {
            p.held.push_back(n);
            p.readable_length += n;
        }
        // Flowing and holding nothing else, the chunk goes straight to 'data'.
        const std::uint64_t kept = p.flowing && p.held.size() == 1 ? 0 : p.readable_length;
        http.node().record(Kind::js_file_read, p.conn,
                           {static_cast<std::int64_t>(n), static_cast<std::int64_t>(at), static_cast<std::int64_t>(kept),
                            static_cast<std::int64_t>(reads_in_flight_)});
        flow(http, index);
        read_more(http, index);
    }

    // 'data' for each chunk held while flowing; pipe's ondata writes it.
    void flow(HttpApi& http, std::size_t index) {
        Pipe& p = pipes_[index];
        while (p.flowing && !p.held.empty()) {
            const std::uint64_t n = p.held.front();
            p.held.pop_front();
            p.readable_length -= n;
            p.piped += n;
            if (!http.write(p.req, std::string_view(chunk_).substr(0, static_cast<std::size_t>(n)))) {
                p.flowing = false;
                http.node().record(Kind::js_pipe_pause, p.conn,
                                   {static_cast<std::int64_t>(http.node().writable_length(p.conn)),
                                    static_cast<std::int64_t>(p.readable_length)});
            }
        }
        if (p.flowing && p.eof && p.held.empty() && !p.ended) {
            // 'end' (only read() emits it, and a paused stream is not read:
            // a stream that met the end while paused ends once resumed) ->
            // pipe's onend -> res.end(); autoClose closes the file.
            p.ended = true;
            http.end(p.req);
            http.node().submit_work(file_close_ns, p.conn, file_tag(index, FileOp::close));
        }
    }

    Nanos read_ns(std::uint64_t bytes) const {
        return static_cast<Nanos>(bytes * 1'000'000'000 / params_.disk_bytes_per_second);
    }

    ServerParams params_;
    std::string chunk_;
    std::vector<Pipe> pipes_;  // one per request, by tag
    std::int64_t reads_in_flight_ = 0;
};

}  // namespace

std::unique_ptr<HttpHandler> make_stream_handler(const ServerParams& params) {
    return std::make_unique<StreamHandler>(params);
}

}  // namespace loopscope::sim
