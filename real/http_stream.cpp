// server.program "stream": chapter §8's file server, on a real file.
//   http.createServer((req, res) => {
//     res.setHeader("Content-Length", size);   // with server.stream_content_length
//     fs.createReadStream("bigfile.mp4").pipe(res);
//   });
// The file is a temporary file of server.file_bytes (unlinked at once, so
// nothing is left behind), holding the simulator's bytes. Each request
// reads it from the start in file_chunk_bytes pieces, as fs.ReadStream and
// Readable.prototype.pipe do:
// - at most one read in flight, and a read only while the stream holds
//   less than one chunk (maybeReadMore);
// - flowing, a chunk read goes straight to res.write(); a false return
//   pauses the stream (js.pipe_pause), and res's 'drain' resumes it
//   (js.pipe_resume): it writes what it holds, then reads on;
// - the end of the file ends the response (res.end()).
// A simplification: Node runs each fs.read on the thread pool and its
// completion wakes the loop; here the read is a pread() on the loop's own
// thread, run from the check phase (setImmediate), one chunk per stream per
// loop iteration. A page-cached 64 KiB pread takes microseconds, so the
// loop is not held up, and the trace shows the same pause and resume.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>

#include "real/http_exchange.hpp"
#include "real/http_handlers.hpp"

namespace loopscope::real {
namespace {

using trace::Kind;

// The bytes of one chunk, as the simulator's stream program sends them.
std::string chunk_pattern(std::uint64_t chunk_bytes) {
    const std::string_view pattern = "loopscope file: the bytes of bigfile.mp4, streamed 64 KiB at a time. ";
    std::string chunk;
    chunk.reserve(static_cast<std::size_t>(chunk_bytes));
    while (chunk.size() < chunk_bytes)
        chunk.append(pattern.substr(0, std::min<std::size_t>(pattern.size(), chunk_bytes - chunk.size())));
    return chunk;
}

// A temporary file of `bytes`, every chunk of it the pattern; unlinked at
// once, so it goes when the descriptor is closed.
int make_file(std::uint64_t bytes, std::uint64_t chunk_bytes) {
    const char* dir = std::getenv("TMPDIR");
    std::string path = std::string(dir != nullptr && *dir != '\0' ? dir : "/tmp") + "/loopscope-stream-XXXXXX";
    const int fd = mkostemp(path.data(), O_CLOEXEC);
    if (fd < 0)
        throw std::runtime_error("server.program stream: cannot create a temporary file in " + path + ": " +
                                 std::strerror(errno));
    unlink(path.c_str());
    const std::string chunk = chunk_pattern(chunk_bytes);
    std::uint64_t written = 0;
    while (written < bytes) {
        const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(chunk.size(), bytes - written));
        const ssize_t w = ::write(fd, chunk.data(), n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            const int error = errno;
            ::close(fd);
            throw std::runtime_error("server.program stream: cannot write the " + std::to_string(bytes) +
                                     "-byte temporary file: " + std::strerror(error));
        }
        written += static_cast<std::uint64_t>(w);
    }
    return fd;
}

// One fs.createReadStream(file).pipe(res).
struct Pipe final : HttpExchange::State {
    std::uint64_t position = 0;  // next byte of the file to read
    std::string held;            // a chunk read, not yet written to res
    std::uint64_t piped = 0;     // bytes written to res
    bool reading = false;        // a read is queued
    bool flowing = true;         // pipe() starts the stream flowing
    bool eof = false;
    bool ended = false;          // res.end() called
};

class StreamHandler final : public HttpHandler {
public:
    explicit StreamHandler(const sim::ServerParams& params)
        : params_(params), fd_(make_file(params.file_bytes, params.file_chunk_bytes)), alive_(std::make_shared<char>(0)) {}
    ~StreamHandler() override { ::close(fd_); }

    void on_request(HttpExchange& res) override {
        if (!params_.content_type.empty()) res.set_header("Content-Type", params_.content_type);
        if (params_.stream_content_length) res.set_header("Content-Length", std::to_string(params_.file_bytes));
        res.state = std::make_unique<Pipe>();
        read_more(res);
    }

    void on_res_drain(HttpExchange& res) override {
        Pipe* p = pipe_of(res);
        if (p == nullptr || p->flowing || p->ended) return;
        // pipeOnDrain: the stream flows again and first writes what it holds.
        res.tracer().record(Kind::js_pipe_resume, res.conn(),
                            {static_cast<std::int64_t>(p->held.size()), static_cast<std::int64_t>(p->piped)});
        p->flowing = true;
        flow(res, *p);
        read_more(res);
    }

private:
    static Pipe* pipe_of(HttpExchange& res) { return dynamic_cast<Pipe*>(res.state.get()); }

    // Readable.read(0) / maybeReadMore: one read at a time, and only while
    // the stream holds less than a chunk.
    void read_more(HttpExchange& res) {
        Pipe* p = pipe_of(res);
        if (p == nullptr || p->reading || p->eof || p->ended || res.aborted() || !p->held.empty()) return;
        p->reading = true;
        ++reads_in_flight_;
        // The exchange may be gone (the client left) when the read runs.
        std::weak_ptr<HttpExchange> weak = res.weak_from_this();
        std::weak_ptr<char> alive = alive_;
        res.loop().set_immediate([this, weak, alive] {
            if (alive.expired()) return;
            --reads_in_flight_;
            if (const std::shared_ptr<HttpExchange> ex = weak.lock()) read_done(*ex);
        });
    }

    void read_done(HttpExchange& res) {
        Pipe* p = pipe_of(res);
        if (p == nullptr) return;
        p->reading = false;
        if (res.aborted()) return;
        const std::uint64_t at = p->position;
        const auto n = static_cast<std::size_t>(std::min(params_.file_chunk_bytes, params_.file_bytes - at));
        p->held.resize(n);
        std::size_t got = 0;
        while (got < n) {
            const ssize_t r = ::pread(fd_, p->held.data() + got, n - got, static_cast<off_t>(at + got));
            if (r < 0 && errno == EINTR) continue;
            if (r <= 0) break;  // an I/O error or a file cut short: end the body here
            got += static_cast<std::size_t>(r);
        }
        p->held.resize(got);
        p->position += got;
        if (got == 0) p->eof = true;
        // Flowing, the chunk goes straight to 'data'; paused, it stays.
        const std::uint64_t kept = p->flowing ? 0 : p->held.size();
        res.tracer().record(Kind::js_file_read, res.conn(),
                            {static_cast<std::int64_t>(got), static_cast<std::int64_t>(at), static_cast<std::int64_t>(kept),
                             reads_in_flight_});
        flow(res, *p);
        read_more(res);
    }

    // 'data' for the chunk held while flowing; pipe's ondata writes it.
    void flow(HttpExchange& res, Pipe& p) {
        if (p.flowing && !p.held.empty()) {
            const std::string chunk = std::move(p.held);
            p.held.clear();
            p.piped += chunk.size();
            if (!res.write(chunk)) {
                p.flowing = false;
                res.tracer().record(Kind::js_pipe_pause, res.conn(),
                                    {static_cast<std::int64_t>(res.writable_length()), static_cast<std::int64_t>(p.held.size())});
            }
        }
        if (p.flowing && p.eof && p.held.empty() && !p.ended) {
            // 'end' -> pipe's onend -> res.end(); autoClose would close the file.
            p.ended = true;
            res.end();
        }
    }

    sim::ServerParams params_;
    int fd_;
    std::shared_ptr<char> alive_;
    std::int64_t reads_in_flight_ = 0;
};

}  // namespace

std::unique_ptr<HttpHandler> make_stream_handler(const sim::ServerParams& params) {
    return std::make_unique<StreamHandler>(params);
}

}  // namespace loopscope::real
