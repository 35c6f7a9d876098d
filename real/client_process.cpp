#include "real/client_process.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__APPLE__)
#include <mach-o/dyld.h>
#endif

#include <csignal>
#include <cstring>

#include "real/client_wire.hpp"

extern char** environ;  // <unistd.h> declares it only on some systems

namespace loopscope::real {

namespace {

struct Spawned {
    pid_t pid;
    int report_fd;  // the read end of the child's descriptor 3
};

// The program this process runs, to start again as the child.
std::string self_executable() {
#if defined(__APPLE__)
    std::uint32_t size = 0;
    _NSGetExecutablePath(nullptr, &size);
    std::string path(size, '\0');
    if (_NSGetExecutablePath(path.data(), &size) != 0) return {};
    path.resize(std::strlen(path.c_str()));
    return path;
#else
    return "/proc/self/exe";
#endif
}

// Starts this program again as the client child (real/client_child.hpp
// says why not fork): stdin a pipe the request is written to, descriptor
// 3 the pipe the report comes back on, stdout and stderr shared.
std::variant<Spawned, std::string> spawn_child(const std::string& request) {
    int request_pipe[2], report_pipe[2];
    if (::pipe2(request_pipe, O_CLOEXEC) != 0)
        return std::string("cannot start the client process: pipe() failed: ") + std::strerror(errno);
    if (::pipe2(report_pipe, O_CLOEXEC) != 0) {
        const int e = errno;
        ::close(request_pipe[0]);
        ::close(request_pipe[1]);
        return std::string("cannot start the client process: pipe() failed: ") + std::strerror(e);
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    // dup2 clears O_CLOEXEC on the copy, so exactly these two are inherited.
    posix_spawn_file_actions_adddup2(&actions, request_pipe[0], 0);
    posix_spawn_file_actions_adddup2(&actions, report_pipe[1], child_report_fd);
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    // A server that waits for Ctrl-C with sigwait() blocks SIGINT; the
    // child starts with nothing blocked and default dispositions.
    sigset_t none, defaults;
    sigemptyset(&none);
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGINT);
    sigaddset(&defaults, SIGTERM);
    sigaddset(&defaults, SIGPIPE);
    posix_spawnattr_setsigmask(&attributes, &none);
    posix_spawnattr_setsigdefault(&attributes, &defaults);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    const std::string path = self_executable();
    std::string argv0 = "loopscope-clients", flag(client_child_flag);
    char* argv[] = {argv0.data(), flag.data(), nullptr};
    pid_t pid = -1;
    const int rc = ::posix_spawn(&pid, path.c_str(), &actions, &attributes, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    ::close(request_pipe[0]);
    ::close(report_pipe[1]);
    if (rc != 0) {
        ::close(request_pipe[1]);
        ::close(report_pipe[0]);
        return "cannot start the client process: posix_spawn(" + path + ") failed: " + std::strerror(rc);
    }
    // The request is the scenario's JSON, then EOF. A child that died
    // first makes the write fail with EPIPE: SIGPIPE is held back on this
    // thread meanwhile (and a pending one taken), so it cannot end the
    // parent, and the child's missing report then says what happened.
    sigset_t pipe_signal, previous;
    sigemptyset(&pipe_signal);
    sigaddset(&pipe_signal, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_signal, &previous);
    const bool sent = write_all(request_pipe[1], request.data(), request.size());
    if (!sent && errno == EPIPE) {
        const timespec now{0, 0};
        while (sigtimedwait(&pipe_signal, nullptr, &now) < 0 && errno == EINTR) {
        }
    }
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    ::close(request_pipe[1]);
    return Spawned{pid, report_pipe[0]};
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
    auto spawned = spawn_child(encode_child_request(scenario, host, port, options));
    if (auto* reason = std::get_if<std::string>(&spawned)) return *reason;
    const auto [pid, report_fd] = std::get<Spawned>(spawned);
    return std::unique_ptr<ClientProcess>(
        new ClientProcess(pid, report_fd, std::move(options), std::move(on_finished), std::move(replay)));
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
    result.totals = header.totals;
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
