#include "real/client_child.hpp"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <string>

#include "real/client_load.hpp"
#include "real/client_wire.hpp"
#include "real/loop.hpp"

namespace loopscope::real {

namespace {

// How long the child's loop runs after close() so each connection's close
// phase records client.close and client.done.
constexpr Nanos close_settle_ns = 20'000'000;

// Closes every inherited descriptor but stdin, stdout, stderr and the
// report: a descriptor the parent opened without O_CLOEXEC is not the
// child's to hold, and it would count against its RLIMIT_NOFILE.
void close_inherited() {
#if defined(SYS_close_range)
    if (::syscall(SYS_close_range, child_report_fd + 1, ~0u, 0) == 0) return;
#endif
    rlimit limit{};
    const rlim_t top = getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY
                           ? std::min<rlim_t>(limit.rlim_cur, 1u << 20)
                           : 1u << 16;
    for (rlim_t fd = child_report_fd + 1; fd < top; ++fd) ::close(static_cast<int>(fd));
}

std::string read_stdin() {
    std::string text;
    char chunk[65536];
    for (;;) {
        const ssize_t n = ::read(0, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        text.append(chunk, static_cast<std::size_t>(n));
    }
    return text;
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

// Runs the clients and fills the report's header; an exception's message
// goes to `error`.
std::unique_ptr<Loop> run_clients(const ChildRequest& request, WireHeader& header, RunNotes& notes, std::string& error) {
    std::unique_ptr<Loop> loop;
    try {
        loop = std::make_unique<Loop>(request.options.loop);
        std::unique_ptr<ClientProgram> program = make_child_program(*loop, request.scenario, notes);
        program->start(request.host, request.port);
        const Nanos limit = request.options.time_limit_ns;
        const Nanos deadline = monotonic_now() + limit;
        const TimerId guard = loop->start_timer(limit, [] {});
        while ((!program->done() || program->open_connections() > 0) && monotonic_now() < deadline)
            if (!loop->run_once()) break;
        loop->stop_timer(guard);
        header.clients_done = program->done() ? 1 : 0;
        if (header.clients_done != 0 && request.options.hold_ns > 0) run_for(*loop, request.options.hold_ns);
        program->close();
        run_for(*loop, close_settle_ns);
        header.totals = program->totals();
    } catch (const std::exception& e) {
        error = e.what();
    }
    return loop;
}

bool write_report(const WireHeader& header, const std::string& error, const RunNotes& notes, const Tracer* tracer) {
    bool ok = write_all(child_report_fd, &header, sizeof header) &&
              write_all(child_report_fd, error.data(), static_cast<std::size_t>(header.error_bytes));
    for (std::uint64_t i = 0; ok && i < header.note_count; ++i)
        ok = write_text(child_report_fd, std::string_view(notes.lines[i]).substr(0, max_note_bytes));
    for (std::uint64_t i = 0; ok && i < header.record_count; ++i) {
        const TraceRecord& r = (*tracer)[i];
        ok = write_all(child_report_fd, &r, sizeof r);
        // Text fields are handles into this process's arena: send the bytes.
        const auto fields = trace::kind_spec(r.kind).fields;
        for (std::size_t f = 0; ok && f < r.field_count && f < fields.size(); ++f)
            if (fields[f].type == trace::FieldType::text) ok = write_text(child_report_fd, tracer->text_of(r.fields[f]));
    }
    return ok;
}

}  // namespace

std::optional<int> run_client_child_if_asked(int argc, char** argv) {
    if (argc != 2 || argv[1] != client_child_flag) return std::nullopt;
    close_inherited();
    std::signal(SIGPIPE, SIG_IGN);
    WireHeader header;
    std::string error;
    RunNotes notes;
    std::unique_ptr<Loop> loop;
    auto decoded = decode_child_request(read_stdin());
    if (auto* reason = std::get_if<std::string>(&decoded)) {
        error = *reason;
    } else {
        const ChildRequest& request = std::get<ChildRequest>(decoded);
        if (request.options.max_open_files > 0) {
            const rlimit limit{request.options.max_open_files, request.options.max_open_files};
            setrlimit(RLIMIT_NOFILE, &limit);
        }
        loop = run_clients(request, header, notes, error);
    }
    const Tracer* tracer = loop ? &loop->tracer() : nullptr;
    header.error_bytes = std::min<std::uint64_t>(error.size(), max_note_bytes);
    header.note_count = std::min<std::uint64_t>(notes.lines.size(), max_notes);
    header.record_count = tracer ? tracer->size() : 0;
    header.dropped = tracer ? tracer->dropped() : 0;
    const bool ok = write_report(header, error, notes, tracer);
    ::close(child_report_fd);
    return ok && error.empty() ? 0 : 1;
}

}  // namespace loopscope::real
