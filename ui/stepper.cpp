#include "ui/stepper.hpp"

#include <algorithm>
#include <ostream>
#include <sstream>

#include "trace/explain.hpp"
#include "ui/terminal.hpp"

namespace loopscope::ui {

namespace {

constexpr std::size_t text_width = 78;
constexpr std::string_view state_indent = "          ";

std::string tcp_state_name(trace::TcpState state) {
    return std::string(trace::enum_names(trace::FieldType::tcp_state)[static_cast<int>(state)]);
}

std::string phase_name(trace::LoopPhase phase) {
    return std::string(trace::enum_names(trace::FieldType::phase)[static_cast<int>(phase)]);
}

// The call the loop blocks in, in the server OS's own words.
std::string_view wait_call(const trace::TraceHeader& header) {
    for (const trace::HostInfo& host : header.hosts) {
        if (host.role != "server") continue;
        if (host.os == "macos") return "kevent";
        if (host.os == "windows") return "GetQueuedCompletionStatusEx";
        return "epoll_wait";
    }
    return "the OS notifier";
}

std::string pad_right(std::string text, std::size_t width) {
    if (text.size() < width) text.append(width - text.size(), ' ');
    return text;
}

}  // namespace

std::string format_step_time(trace::Nanos ns) {
    const bool negative = ns < 0;
    const std::uint64_t v = negative ? static_cast<std::uint64_t>(-(ns + 1)) + 1 : static_cast<std::uint64_t>(ns);
    const bool seconds = v >= 10'000'000'000ull;
    const std::uint64_t unit = seconds ? 1'000'000'000ull : 1'000'000ull;
    const std::uint64_t whole = v / unit;
    const std::uint64_t thousandths = (v % unit) / (unit / 1000);
    const std::string digits = std::to_string(thousandths);
    // Appending piece by piece (rather than "literal" + string) also avoids
    // a false -Wrestrict warning in GCC 12.
    std::string text = negative ? "-" : "";
    text += std::to_string(whole);
    text += '.';
    text.append(3 - digits.size(), '0');
    text += digits;
    text += seconds ? " s" : " ms";
    return text;
}

std::string buffer_bar(std::uint64_t level, std::uint64_t capacity, int width) {
    int filled = 0;
    if (capacity > 0 && level > 0) {
        const std::uint64_t clamped = std::min(level, capacity);
        // Round to the nearest cell, but never show an empty bar for a
        // non-empty buffer or a full bar for one with room left.
        filled = static_cast<int>((clamped * static_cast<std::uint64_t>(width) + capacity / 2) / capacity);
        filled = std::clamp(filled, 1, clamped < capacity ? width - 1 : width);
    }
    std::string bar = "[";
    bar.append(static_cast<std::size_t>(filled), '#');
    bar.append(static_cast<std::size_t>(width - filled), '.');
    bar += ']';
    return bar;
}

std::string wrap_text(const std::string& text, std::size_t width, const std::string& indent) {
    std::string out;
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
        // Indented lines are code samples: keep them exactly as written.
        if (line.empty() || line.front() == ' ') {
            out += line.empty() ? "" : indent + line;
            out += '\n';
            continue;
        }
        std::istringstream words(line);
        std::string word;
        std::string current = indent;
        while (words >> word) {
            if (current.size() > indent.size() && current.size() + 1 + word.size() > width) {
                out += current + '\n';
                current = indent;
            }
            if (current.size() > indent.size()) current += ' ';
            current += word;
        }
        out += current + '\n';
    }
    return out;
}

Stepper::Stepper(const trace::Trace& trace) : trace_(&trace), cursor_(trace) {}

std::string Stepper::step_line(std::size_t index) const {
    const trace::Event& e = (*trace_)[index];
    const std::string total = std::to_string(trace_->size());
    std::string number = std::to_string(index + 1);
    number.insert(0, total.size() - std::min(total.size(), number.size()), ' ');
    std::string line = "[" + number + "/" + total + "] " + pad_right(format_step_time(e.time), 11) + "  " +
                       pad_right(std::string(trace::lane_name(trace::kind_spec(e.kind).lane)), 9) +
                       pad_right(e.conn == trace::no_conn ? "" : "conn " + std::to_string(e.conn), 8) + " ";
    if (e.kind == trace::Kind::note_caption) return line + "Lesson caption:";
    return line + trace::explain(*trace_, index);
}

std::optional<std::string> Stepper::caption(std::size_t index) const {
    const trace::Event& e = (*trace_)[index];
    if (e.kind != trace::Kind::note_caption) return std::nullopt;
    return std::string(trace_->text(trace_->arg(e, "text")));
}

std::string Stepper::world_line(const trace::WorldState& state) const {
    std::string line = "loop: ";
    if (state.loop.exited) {
        line += "exited";
    } else {
        line += "iteration " + std::to_string(state.loop.iteration) + ", " + phase_name(state.loop.phase) + " phase";
        if (state.loop.blocked) line += ", waiting in " + std::string(wait_call(trace_->header));
        if (state.loop.in_callback) line += ", running JavaScript";
    }
    for (const auto& [id, listener] : state.listeners) {
        // The header knows the backlog before any accept-queue event says it.
        std::uint64_t backlog = listener.backlog;
        for (const trace::ListenerInfo& info : trace_->header.listeners)
            if (info.id == id && backlog == 0) backlog = info.backlog;
        line += " | listener " + std::to_string(id) + ": SYN queue " + std::to_string(listener.syn_queue) +
                ", accept queue " + std::to_string(listener.accept_queue) + " (backlog " + std::to_string(backlog) +
                ")";
    }
    std::size_t busy = 0;
    for (std::int64_t job : state.pool.workers) busy += job >= 0 ? 1 : 0;
    if (busy > 0 || state.pool.queued > 0)
        line += " | pool: " + std::to_string(busy) + "/" + std::to_string(state.pool.workers.size()) + " busy, " +
                std::to_string(state.pool.queued) + " queued";
    return line;
}

std::string Stepper::connection_line(const trace::WorldState& state, std::size_t index) const {
    const trace::Event& e = (*trace_)[index];
    if (e.conn == trace::no_conn) return {};
    const auto found = state.connections.find(e.conn);
    if (found == state.connections.end()) return {};
    const bool server = e.host < trace_->header.hosts.size() && trace_->header.hosts[e.host].role == "server";
    const trace::EndpointState& end = server ? found->second.server : found->second.client;
    std::string line = "conn " + std::to_string(e.conn) + (server ? " server " : " client ");
    if (!end.seen) return line + "(no socket yet)";
    line += tcp_state_name(end.tcp);
    // A buffer whose size no event has reported yet is left out rather than
    // drawn as "0 bytes/0 bytes".
    const auto gauge = [](const char* name, std::uint64_t level, std::uint64_t capacity) {
        if (capacity == 0) return std::string();
        return std::string("  ") + name + " " + buffer_bar(level, capacity) + " " + trace::format_bytes(level) + "/" +
               trace::format_bytes(capacity);
    };
    line += gauge("send", end.send_level, end.send_capacity);
    line += gauge("recv", end.recv_level, end.recv_capacity);
    if (end.high_water_mark > 0)
        line += "  user " + trace::format_bytes(end.writable_length) + "/" + trace::format_bytes(end.high_water_mark) +
                " hwm" + (end.write_returned_false ? " (waiting for 'drain')" : "");
    if (end.stalled) line += "  peer window 0: stalled";
    return line;
}

std::optional<std::size_t> Stepper::next_caption(std::size_t from) const {
    for (std::size_t i = from + 1; i < trace_->size(); ++i)
        if ((*trace_)[i].kind == trace::Kind::note_caption) return i;
    return std::nullopt;
}

std::optional<std::size_t> Stepper::previous_caption(std::size_t from) const {
    for (std::size_t i = std::min(from, trace_->size()); i-- > 0;)
        if ((*trace_)[i].kind == trace::Kind::note_caption) return i;
    return std::nullopt;
}

std::string Stepper::render(std::size_t index, const trace::WorldState& state) const {
    std::string out = step_line(index) + "\n";
    if (const auto text = caption(index)) {
        out += '\n';
        out += wrap_text(*text, text_width, "   >> ");
        out += '\n';
    }
    out += std::string(state_indent) + world_line(state) + "\n";
    if (const std::string conn = connection_line(state, index); !conn.empty())
        out += std::string(state_indent) + conn + "\n";
    return out;
}

std::string Stepper::render(std::size_t index) const { return render(index, cursor_.state_at(index)); }

std::string real_trace_note(const trace::Trace& trace) {
    if (trace.header.source != "real") return {};
    std::string api = "its OS notifier";
    for (const trace::Event& e : trace.events()) {
        if (e.kind != trace::Kind::notifier_wait) continue;
        const auto names = trace::enum_names(trace::FieldType::notifier_api);
        const auto value = static_cast<std::size_t>(trace.arg(e, "api"));
        if (value < names.size()) api = std::string(names[value]);
        break;
    }
    std::string port;
    if (!trace.header.listeners.empty()) port = ", server port " + std::to_string(trace.header.listeners[0].port);
    return "Recorded on real sockets (loopscope real, " + api + port +
           "): the times are this machine's. The lesson text above was written for the simulated run, so its "
           "numbers (port 3000, latencies, counts) can differ here, and captions about moments real sockets do "
           "not show are left out.";
}

int run_stepper(const trace::Trace& trace, const StepperOptions& options, bool interactive, std::ostream& out) {
    if (!options.title.empty()) out << options.title << "\n" << std::string(options.title.size(), '=') << "\n\n";
    if (!options.lesson.empty()) out << wrap_text(options.lesson, text_width, "") << "\n";
    if (const std::string note = real_trace_note(trace); !note.empty()) out << wrap_text(note, text_width, "") << "\n";
    if (trace.empty()) {
        out << "The trace has no events.\n";
        return 0;
    }
    Stepper stepper(trace);
    if (!interactive || options.all) {
        // Folding forward once is cheaper than asking the cursor per step.
        trace::WorldState state;
        for (std::size_t i = 0; i < trace.size(); ++i) {
            trace::apply(state, trace, trace[i]);
            out << stepper.render(i, state);
        }
        out.flush();
        return 0;
    }
    RawTerminal terminal;
    if (!terminal.active()) return run_stepper(trace, StepperOptions{"", "", true}, false, out);
    out << "Keys: Enter or Right = next, Left or b = back, n / p = next / previous caption,\n"
           "      Home / End = first / last step, q = quit.\n\n";
    std::size_t index = 0;
    out << stepper.render(index) << std::flush;
    for (;;) {
        const Key key = terminal.read_key();
        if (key == Key::quit) break;
        std::optional<std::size_t> target;
        switch (key) {
            case Key::next: if (index + 1 < trace.size()) target = index + 1; break;
            case Key::back: if (index > 0) target = index - 1; break;
            case Key::next_caption: target = stepper.next_caption(index); break;
            case Key::previous_caption: target = stepper.previous_caption(index); break;
            case Key::first: target = 0; break;
            case Key::last: target = trace.size() - 1; break;
            default: break;
        }
        if (!target || *target == index) {
            out << "\a" << std::flush;  // nothing there: a bell, as a pager would
            continue;
        }
        index = *target;
        out << "\n" << stepper.render(index) << std::flush;
    }
    out << "\n";
    return 0;
}

}  // namespace loopscope::ui
