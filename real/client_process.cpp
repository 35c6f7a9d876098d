#include "real/client_process.hpp"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstring>
#include <type_traits>

#include "real/client_load.hpp"

namespace loopscope::real {

namespace {

// What the child sends first: fixed size, plain integers.
struct WireHeader {
    std::uint32_t magic = 0x4c534350;  // "LSCP"
    std::uint32_t version = 1;
    std::uint64_t connections = 0, connect_failures = 0, requests = 0, responses = 0, errors = 0, bytes_sent = 0,
                  bytes_received = 0, peak_open = 0;
    std::uint64_t clients_done = 0;
    std::uint64_t error_bytes = 0;  // a child-side exception's message follows
    std::uint64_t note_count = 0;
    std::uint64_t record_count = 0;
    std::uint64_t dropped = 0;
};
static_assert(std::is_trivially_copyable_v<WireHeader>);
static_assert(std::is_trivially_copyable_v<TraceRecord>);

constexpr std::uint32_t max_note_bytes = 4096;
constexpr std::uint64_t max_notes = 256;
// The pipe's descriptor in the child, after every other one is closed.
constexpr int child_pipe_fd = 3;
// How long the child's loop runs after close() so each connection's close
// phase records client.close and client.done.
constexpr Nanos close_settle_ns = 20'000'000;

bool write_all(int fd, const void* data, std::size_t size) {
    const char* p = static_cast<const char*>(data);
    while (size > 0) {
        const ssize_t n = ::write(fd, p, size);
        if (n < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        p += n;
        size -= static_cast<std::size_t>(n);
    }
    return true;
}

bool write_text(int fd, std::string_view text) {
    const auto size = static_cast<std::uint32_t>(text.size());
    return write_all(fd, &size, sizeof size) && write_all(fd, text.data(), text.size());
}

// Closes every inherited descriptor but stdin, stdout, stderr and the
// pipe: the parent's listener and connections are not the child's to hold,
// and they would count against its RLIMIT_NOFILE.
void close_inherited(int pipe_fd) {
    if (pipe_fd != child_pipe_fd) {
        ::dup2(pipe_fd, child_pipe_fd);
        ::close(pipe_fd);
    }
#if defined(SYS_close_range)
    if (::syscall(SYS_close_range, child_pipe_fd + 1, ~0u, 0) == 0) return;
#endif
    rlimit limit{};
    const rlim_t top = getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY
                           ? std::min<rlim_t>(limit.rlim_cur, 1u << 20)
                           : 1u << 16;
    for (rlim_t fd = child_pipe_fd + 1; fd < top; ++fd) ::close(static_cast<int>(fd));
}

// Runs `loop` for `ns` (a timer makes sure the poll phase wakes by then).
void run_for(Loop& loop, Nanos ns) {
    const TimerId guard = loop.start_timer(ns, [] {});
    loop.run(monotonic_now() + ns);
    loop.stop_timer(guard);
}

std::unique_ptr<ClientProgram> make_child_program(Loop& loop, const sim::Scenario& scenario, RunNotes& notes) {
    // Alone in its process, a load client needs one descriptor per
    // connection, not two.
    if (scenario.clients.program == "load") return make_load_client_budgeted(loop, scenario, notes, 1);
    return make_client_program(loop, scenario, notes);
}

[[noreturn]] void run_child(int pipe_fd, const sim::Scenario& scenario, const std::string& host, std::uint16_t port,
                            const ChildOptions& options) {
    close_inherited(pipe_fd);
    std::signal(SIGPIPE, SIG_IGN);
    if (options.max_open_files > 0) {
        const rlimit limit{options.max_open_files, options.max_open_files};
        setrlimit(RLIMIT_NOFILE, &limit);
    }
    WireHeader header;
    std::string error;
    RunNotes notes;
    std::unique_ptr<Loop> loop;
    try {
        loop = std::make_unique<Loop>(options.loop);
        std::unique_ptr<ClientProgram> program = make_child_program(*loop, scenario, notes);
        program->start(host, port);
        const Nanos deadline = monotonic_now() + options.time_limit_ns;
        const TimerId guard = loop->start_timer(options.time_limit_ns, [] {});
        while (!program->done() && monotonic_now() < deadline)
            if (!loop->run_once()) break;
        loop->stop_timer(guard);
        header.clients_done = program->done() ? 1 : 0;
        if (header.clients_done != 0 && options.hold_ns > 0) run_for(*loop, options.hold_ns);
        program->close();
        run_for(*loop, close_settle_ns);
        const ClientTotals t = program->totals();
        header.connections = t.connections;
        header.connect_failures = t.connect_failures;
        header.requests = t.requests;
        header.responses = t.responses;
        header.errors = t.errors;
        header.bytes_sent = t.bytes_sent;
        header.bytes_received = t.bytes_received;
        header.peak_open = t.peak_open;
        program.reset();
    } catch (const std::exception& e) {
        error = e.what();
    }
    const Tracer* tracer = loop ? &loop->tracer() : nullptr;
    header.error_bytes = std::min<std::uint64_t>(error.size(), max_note_bytes);
    header.note_count = std::min<std::uint64_t>(notes.lines.size(), max_notes);
    header.record_count = tracer ? tracer->size() : 0;
    header.dropped = tracer ? tracer->dropped() : 0;
    bool ok = write_all(child_pipe_fd, &header, sizeof header) &&
              write_all(child_pipe_fd, error.data(), static_cast<std::size_t>(header.error_bytes));
    for (std::uint64_t i = 0; ok && i < header.note_count; ++i)
        ok = write_text(child_pipe_fd, std::string_view(notes.lines[i]).substr(0, max_note_bytes));
    for (std::uint64_t i = 0; ok && i < header.record_count; ++i) {
        const TraceRecord& r = (*tracer)[i];
        ok = write_all(child_pipe_fd, &r, sizeof r);
        // Text fields are handles into this process's arena: send the bytes.
        const auto fields = trace::kind_spec(r.kind).fields;
        for (std::size_t f = 0; ok && f < r.field_count && f < fields.size(); ++f)
            if (fields[f].type == trace::FieldType::text) ok = write_text(child_pipe_fd, tracer->text_of(r.fields[f]));
    }
    ::close(child_pipe_fd);
    // _exit: the parent's atexit handlers and stdio buffers are not ours.
    ::_exit(ok && error.empty() ? 0 : 1);
}

// Reads what the child sent, checking every length against what is left.
class WireReader {
public:
    explicit WireReader(const std::vector<char>& bytes) : bytes_(bytes) {}
    bool read(void* out, std::size_t size) {
        if (bytes_.size() - at_ < size) return false;
        std::memcpy(out, bytes_.data() + at_, size);
        at_ += size;
        return true;
    }
    bool read_text(std::string& out, std::uint32_t limit) {
        std::uint32_t size = 0;
        if (!read(&size, sizeof size) || size > limit || bytes_.size() - at_ < size) return false;
        out.assign(bytes_.data() + at_, size);
        at_ += size;
        return true;
    }

private:
    const std::vector<char>& bytes_;
    std::size_t at_ = 0;
};

}  // namespace

std::variant<std::unique_ptr<ClientProcess>, std::string> ClientProcess::start(const sim::Scenario& scenario,
                                                                               const std::string& host,
                                                                               std::uint16_t port, ChildOptions options,
                                                                               std::function<void()> on_finished) {
    // The tracer the child's records are replayed into is made now, before
    // the child records anything: records carry the CPU's time-stamp
    // counter, which both processes share, and a tracer converts stamps to
    // monotonic ns by a line from its own start to its finish_clock(), so
    // starting it here spans the child's whole run.
    auto replay = std::make_unique<Tracer>(options.loop.host, options.loop.trace, options.loop.trace_limits);
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0)
        return std::string("cannot start the client process: pipe() failed: ") + std::strerror(errno);
    const pid_t pid = ::fork();
    if (pid < 0) {
        const int e = errno;
        ::close(fds[0]);
        ::close(fds[1]);
        return std::string("cannot start the client process: fork() failed: ") + std::strerror(e);
    }
    if (pid == 0) {
        ::close(fds[0]);
        run_child(fds[1], scenario, host, port, options);
    }
    ::close(fds[1]);
    return std::unique_ptr<ClientProcess>(
        new ClientProcess(pid, fds[0], std::move(options), std::move(on_finished), std::move(replay)));
}

ClientProcess::ClientProcess(pid_t pid, int read_fd, ChildOptions options, std::function<void()> on_finished,
                             std::unique_ptr<Tracer> replay)
    : pid_(pid), read_fd_(read_fd), options_(std::move(options)), on_finished_(std::move(on_finished)),
      replay_(std::move(replay)) {
    reader_ = std::thread([this] { read_all(); });
}

ClientProcess::~ClientProcess() {
    if (!waited_) {
        kill();
        if (reader_.joinable()) reader_.join();
        int status = 0;
        ::waitpid(pid_, &status, 0);
    }
    if (read_fd_ >= 0) ::close(read_fd_);
}

void ClientProcess::kill() {
    if (!waited_) ::kill(pid_, SIGKILL);
}

// The reader keeps draining the pipe to its end even past the bound, so a
// child never blocks on a full pipe; bytes past the bound are not kept.
void ClientProcess::read_all() {
    const TracerLimits& limits = options_.loop.trace_limits;
    const std::uint64_t bound = sizeof(WireHeader) + max_note_bytes * (max_notes + 1) +
                                limits.records * (sizeof(TraceRecord) + max_record_fields * sizeof(std::uint32_t)) +
                                limits.text_bytes;
    char chunk[65536];
    for (;;) {
        const ssize_t n = ::read(read_fd_, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        if (bytes_.size() + static_cast<std::size_t>(n) > bound) {
            overflow_ = true;
            continue;
        }
        bytes_.insert(bytes_.end(), chunk, chunk + n);
    }
    finished_.store(true);
    if (on_finished_) on_finished_();
}

ChildResult ClientProcess::wait() {
    ChildResult result;
    if (waited_) {
        result.error = "the client process was already waited for";
        return result;
    }
    if (reader_.joinable()) reader_.join();
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    waited_ = true;
    result.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : -1;

    WireReader in(bytes_);
    WireHeader header;
    const WireHeader expected;
    if (overflow_) {
        result.error = "the client process sent more than its trace limits allow";
        return result;
    }
    if (!in.read(&header, sizeof header) || header.magic != expected.magic || header.version != expected.version) {
        result.error = "the client process ended without reporting (exit status " + std::to_string(result.exit_status) + ")";
        return result;
    }
    result.totals = {header.connections, header.connect_failures, header.requests, header.responses,
                     header.errors,      header.bytes_sent,       header.bytes_received, header.peak_open};
    result.clients_done = header.clients_done != 0;
    result.dropped = header.dropped;
    if (header.error_bytes > max_note_bytes || header.note_count > max_notes ||
        header.record_count > options_.loop.trace_limits.records) {
        result.error = "the client process's report is malformed";
        return result;
    }
    std::string error(static_cast<std::size_t>(header.error_bytes), '\0');
    if (!in.read(error.data(), error.size())) {
        result.error = "the client process's report is cut short";
        return result;
    }
    for (std::uint64_t i = 0; i < header.note_count; ++i) {
        std::string line;
        if (!in.read_text(line, max_note_bytes)) {
            result.error = "the client process's report is cut short";
            return result;
        }
        result.notes.add(std::move(line));
    }
    result.tracer = std::move(replay_);
    for (std::uint64_t i = 0; i < header.record_count; ++i) {
        TraceRecord r{};
        if (!in.read(&r, sizeof r) || static_cast<int>(r.kind) >= trace::kind_count || r.field_count > max_record_fields ||
            (r.cause != no_record && r.cause >= i)) {
            result.error = "the client process's trace records are malformed";
            return result;
        }
        const auto fields = trace::kind_spec(r.kind).fields;
        for (std::size_t f = 0; f < r.field_count && f < fields.size(); ++f) {
            if (fields[f].type != trace::FieldType::text) continue;
            std::string text;
            if (!in.read_text(text, static_cast<std::uint32_t>(options_.loop.trace_limits.text_bytes))) {
                result.error = "the client process's trace records are cut short";
                return result;
            }
            r.fields[f] = text.empty() && r.fields[f] < 0 ? -1 : result.tracer->text(text);
        }
        // Replayed in order, so every record keeps its number and every
        // cause still names the same record.
        const std::uint32_t id = result.tracer->record_at(r.stamp, r.kind, r.conn, r.fields, r.field_count, r.cause);
        result.tracer->set_tick_fields(id, r.tick_fields);
    }
    if (!error.empty()) {
        result.error = "the client process failed: " + error;
        return result;
    }
    result.ok = result.exit_status == 0;
    if (!result.ok) result.error = "the client process exited with status " + std::to_string(result.exit_status);
    return result;
}

ChildResult run_clients_in_child(Loop& server_loop, const sim::Scenario& scenario, const std::string& host,
                                 std::uint16_t port, const ChildOptions& options) {
    // Posted, not called: a stop() made before run() begins would be
    // forgotten by run(), but a posted callback runs inside it.
    auto started = ClientProcess::start(scenario, host, port, options,
                                        [&server_loop] { server_loop.post([&server_loop] { server_loop.stop(); }); });
    if (auto* reason = std::get_if<std::string>(&started)) {
        ChildResult failed;
        failed.error = *reason;
        return failed;
    }
    std::unique_ptr<ClientProcess> child = std::move(std::get<std::unique_ptr<ClientProcess>>(started));
    // The child stops itself at its time limit; a second more covers its
    // closing and its report. Past that it is killed.
    const Nanos limit = options.time_limit_ns + options.hold_ns + 1'000'000'000;
    const Nanos deadline = monotonic_now() + limit;
    const TimerId guard = server_loop.start_timer(limit, [] {});  // the poll phase wakes by the deadline
    server_loop.run(deadline);
    server_loop.stop_timer(guard);
    // run() also returns when nothing is left on the server's loop.
    while (!child->finished() && monotonic_now() < deadline) ::usleep(1000);
    if (!child->finished()) child->kill();
    return child->wait();
}

}  // namespace loopscope::real
