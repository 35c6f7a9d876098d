// The Chrome Trace Event Format writer (export_chrome.hpp). Like the JSONL
// writer, it prints integers with to_chars into one buffer that is flushed
// in pieces, and uses nlohmann only to escape strings, so exporting a
// 1M-event trace costs time proportional to the output and little memory.
#include "trace/export_chrome.hpp"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <ostream>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace loopscope::trace {
namespace {

constexpr std::size_t flush_bytes = std::size_t{1} << 20;

// A JSON string literal, quotes included; invalid UTF-8 is replaced rather
// than thrown on, so an export cannot fail half-way through.
std::string json_string(std::string_view text) {
    return nlohmann::json(std::string(text)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void integer(std::string& out, std::int64_t n) {
    char digits[24];
    const auto result = std::to_chars(digits, digits + sizeof digits, n);
    out.append(digits, result.ptr);
}

void micros(std::string& out, Nanos ns) {
    if (ns < 0) out += '-';
    const std::uint64_t magnitude = ns < 0 ? 0 - static_cast<std::uint64_t>(ns) : static_cast<std::uint64_t>(ns);
    char digits[24];
    const auto result = std::to_chars(digits, digits + sizeof digits, magnitude / 1000);
    out.append(digits, result.ptr);
    const auto fraction = static_cast<int>(magnitude % 1000);
    out += '.';
    out += static_cast<char>('0' + fraction / 100);
    out += static_cast<char>('0' + fraction / 10 % 10);
    out += static_cast<char>('0' + fraction % 10);
}

// One thread of the export. A lane normally has one; spans that overlap
// without nesting open more, because a thread's spans must nest.
struct Track {
    std::uint32_t tid = 0;
    Nanos last_start = 0;
    std::vector<Nanos> open_ends;  // ends of the spans still open, innermost last

    // Whether a span [start, end] nests on this track after the spans that
    // ended by `start` are closed. Spans arrive in order of start on a track,
    // which is what makes closing them early safe.
    bool place(Nanos start, Nanos end) {
        if (!open_ends.empty() && start < last_start) return false;
        while (!open_ends.empty() && open_ends.back() <= start) open_ends.pop_back();
        if (!open_ends.empty() && open_ends.back() < end) return false;
        open_ends.push_back(end);
        last_start = start;
        return true;
    }
};

// The threads of one host: tracks[lane][0] has tid lane+1, extra tracks
// get tids after the lanes' in the order they open.
struct HostTracks {
    std::vector<std::vector<Track>> lanes = std::vector<std::vector<Track>>(lane_count);
    std::uint32_t next_tid = lane_count + 1;

    std::uint32_t lane_tid(Lane lane) {
        auto& tracks = lanes[static_cast<std::size_t>(lane)];
        if (tracks.empty()) tracks.push_back(Track{static_cast<std::uint32_t>(lane) + 1, 0, {}});
        return tracks.front().tid;
    }

    std::uint32_t span_tid(Lane lane, Nanos start, Nanos end) {
        lane_tid(lane);
        auto& tracks = lanes[static_cast<std::size_t>(lane)];
        for (Track& track : tracks)
            if (track.place(start, end)) return track.tid;
        tracks.push_back(Track{next_tid++, start, {end}});
        return tracks.back().tid;
    }
};

// Where an event landed, for the flow arrows of the events it caused.
struct Placement {
    Nanos start = 0;
    std::uint32_t tid = 0;
};

// The constant pieces of each kind's events, prepared once per export.
struct KindText {
    std::string name_and_cat;               // "name":"wire.segment","cat":"wire"
    std::vector<std::string> field_prefix;  // ,"flags":
    int dur_field = -1;                     // index of a "dur" field, or -1
};

class ChromeWriter {
public:
    ChromeWriter(std::ostream& out, const Trace& trace) : out_(out), trace_(trace) {
        buffer_.reserve(flush_bytes + 4096);
        for (const KindSpec& spec : all_kinds()) {
            KindText text;
            text.name_and_cat = "\"name\":\"" + std::string(spec.name) + "\",\"cat\":\"" + std::string(lane_name(spec.lane)) + "\"";
            for (const FieldSpec& field : spec.fields) text.field_prefix.push_back(",\"" + std::string(field.name) + "\":");
            text.dur_field = field_index(spec.kind, "dur");
            kinds_.push_back(std::move(text));
        }
        hosts_.resize(trace.header.hosts.size());
        for (const HostInfo& host : trace.header.hosts) {
            const std::string quoted = json_string(host.name);
            host_names_.push_back(quoted.substr(1, quoted.size() - 2));
        }
        placements_.resize(trace.size());
    }

    void write() {
        buffer_ += "{\"traceEvents\":[\n";
        for (std::size_t index = 0; index < trace_.size(); ++index) {
            event(index);
            if (buffer_.size() >= flush_bytes) flush();
        }
        metadata();
        buffer_ += "],\"displayTimeUnit\":\"ns\"}\n";
        flush();
    }

private:
    std::ostream& out_;
    const Trace& trace_;
    std::string buffer_;
    bool first_ = true;
    std::vector<KindText> kinds_;
    std::vector<HostTracks> hosts_;
    std::vector<Placement> placements_;
    std::vector<std::string> escaped_texts_;
    std::vector<std::string> host_names_;  // JSON-escaped, without quotes

    void flush() {
        out_.write(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
        buffer_.clear();
    }

    // Starts one event object: the separator, ph, pid, tid and ts.
    void open(char ph, std::uint8_t host, std::uint32_t tid, Nanos ts) {
        if (!first_) buffer_ += ",\n";
        first_ = false;
        buffer_ += "{\"ph\":\"";
        buffer_ += ph;
        buffer_ += "\",\"pid\":";
        integer(buffer_, host + 1);
        buffer_ += ",\"tid\":";
        integer(buffer_, tid);
        buffer_ += ",\"ts\":";
        micros(buffer_, ts);
    }

    HostTracks& host_tracks(std::uint8_t host) {
        if (host >= hosts_.size()) hosts_.resize(std::size_t{host} + 1);
        return hosts_[host];
    }

    void event(std::size_t index) {
        const Event& e = trace_[index];
        const KindSpec& spec = kind_spec(e.kind);
        const KindText& text = kinds_[static_cast<std::size_t>(e.kind)];
        const auto values = trace_.args(e);
        HostTracks& tracks = host_tracks(e.host);

        // Spans: segments in flight and callbacks from their start for their
        // duration; a notifier wakeup covers the time the call blocked.
        bool span = false;
        Nanos start = e.time;
        Nanos dur = 0;
        if (text.dur_field >= 0) {
            span = true;
            dur = values[static_cast<std::size_t>(text.dur_field)];
        } else if (e.kind == Kind::notifier_wake) {
            span = true;
            dur = trace_.arg(e, "blocked");
            start = e.time - (dur > 0 ? dur : 0);
        }
        if (dur < 0) dur = 0;
        const std::uint32_t tid = span ? tracks.span_tid(spec.lane, start, start + dur) : tracks.lane_tid(spec.lane);
        placements_[index] = Placement{start, tid};

        open(span ? 'X' : 'i', e.host, tid, start);
        if (span) {
            buffer_ += ",\"dur\":";
            micros(buffer_, dur);
        } else {
            buffer_ += ",\"s\":\"t\"";
        }
        buffer_ += ',';
        buffer_ += text.name_and_cat;
        buffer_ += ",\"args\":{\"event\":";
        integer(buffer_, trace_.id(index));
        if (e.conn != no_conn) {
            buffer_ += ",\"conn\":";
            integer(buffer_, e.conn);
        }
        for (std::size_t i = 0; i < spec.fields.size(); ++i) {
            buffer_ += text.field_prefix[i];
            value(spec.fields[i].type, values[i]);
        }
        buffer_ += "}}";

        flow(index);
        counter(index);
    }

    // An arrow from the cause's event to this one, bound to the slices the
    // two events became (each flow event sits at its slice's start).
    void flow(std::size_t index) {
        const Event& e = trace_[index];
        if (e.cause == no_event || e.cause >= index) return;
        const Placement& from = placements_[e.cause];
        const Placement& to = placements_[index];
        open('s', trace_[e.cause].host, from.tid, from.start);
        buffer_ += ",\"id\":";
        integer(buffer_, static_cast<std::int64_t>(index));
        buffer_ += ",\"name\":\"cause\",\"cat\":\"cause\"}";
        open('f', e.host, to.tid, to.start);
        buffer_ += ",\"bp\":\"e\",\"id\":";
        integer(buffer_, static_cast<std::int64_t>(index));
        buffer_ += ",\"name\":\"cause\",\"cat\":\"cause\"}";
    }

    // Counter tracks for the levels a student watches: buffers, queues and
    // Node's user-space write buffer (writableLength).
    void counter(std::size_t index) {
        const Event& e = trace_[index];
        auto field = [&](std::string_view name) { return trace_.arg(e, name); };
        std::string name;
        std::string_view unit;
        std::int64_t amount = 0;
        switch (e.kind) {
            case Kind::kernel_recv_buffer:
                name = conn_name(e) + " recv buffer";
                unit = "bytes", amount = field("level");
                break;
            case Kind::kernel_send_buffer:
                name = conn_name(e) + " send buffer";
                unit = "bytes", amount = field("level");
                break;
            case Kind::kernel_syn_queue:
                name = "listener " + std::to_string(field("listener")) + " SYN queue";
                unit = "connections", amount = field("len");
                break;
            case Kind::kernel_accept_queue:
            case Kind::loop_accept:  // the accept queue shrinks when libuv accepts
                name = "listener " + std::to_string(field("listener")) + " accept queue";
                unit = "connections", amount = field("len");
                break;
            case Kind::loop_write:
            case Kind::js_write:
            case Kind::js_res_write:
            case Kind::js_end_call:
                name = "conn " + std::to_string(e.conn) + " writable_length";
                unit = "bytes", amount = field("writable_length");
                break;
            case Kind::js_queues: fields_counter(e, "JavaScript queues", {}); return;
            case Kind::threads_spawn:
            case Kind::threads_exit:
                // The thread-per-connection server's cost, next to the
                // event loop's: threads, sockets and their memory.
                fields_counter(e, "server threads", {"live", "sockets"});
                fields_counter(e, "server memory", {"virtual", "resident"});
                return;
            case Kind::pool_submit:
            case Kind::pool_start:
                name = "thread pool queue";
                unit = "jobs", amount = field("queued");
                break;
            default: return;
        }
        open('C', e.host, host_tracks(e.host).lane_tid(kind_spec(e.kind).lane), e.time);
        // The name is built from numbers, fixed words and an escaped host
        // name, so it needs no escaping of its own (which would cost an
        // allocation per counter event).
        buffer_ += ",\"name\":\"";
        buffer_ += name;
        buffer_ += "\",\"args\":{\"";
        buffer_ += unit;
        buffer_ += "\":";
        integer(buffer_, amount);
        buffer_ += "}}";
    }

    // One counter event with several series: the named fields of `e`, or
    // all of them when `names` is empty.
    void fields_counter(const Event& e, std::string_view name, std::initializer_list<std::string_view> names) {
        open('C', e.host, host_tracks(e.host).lane_tid(kind_spec(e.kind).lane), e.time);
        buffer_ += ",\"name\":\"";
        buffer_ += name;
        buffer_ += "\",\"args\":{";
        const auto fields = kind_spec(e.kind).fields;
        const auto values = trace_.args(e);
        bool first = true;
        for (std::size_t i = 0; i < fields.size(); ++i) {
            if (names.size() > 0 && std::find(names.begin(), names.end(), fields[i].name) == names.end()) continue;
            if (!first) buffer_ += ',';
            first = false;
            buffer_ += kinds_[static_cast<std::size_t>(e.kind)].field_prefix[i].substr(1);
            integer(buffer_, values[i]);
        }
        buffer_ += "}}";
    }

    // "conn 3 server": the connection and the side (host) whose socket it is.
    std::string conn_name(const Event& e) const {
        std::string name = "conn " + std::to_string(e.conn);
        if (e.host < host_names_.size()) name += " " + host_names_[e.host];
        return name;
    }

    void value(FieldType type, std::int64_t v) {
        switch (type) {
            case FieldType::count:
            case FieldType::bytes:
            case FieldType::nanos: integer(buffer_, v); return;
            case FieldType::flag: buffer_ += v != 0 ? "true" : "false"; return;
            case FieldType::text: buffer_ += text(v); return;
            case FieldType::tcp_flags:
                buffer_ += '"';
                buffer_ += tcp_flags_text(static_cast<std::uint8_t>(v));
                buffer_ += '"';
                return;
            default: {
                const auto names = enum_names(type);
                buffer_ += '"';
                if (v >= 0 && static_cast<std::size_t>(v) < names.size()) buffer_ += names[static_cast<std::size_t>(v)];
                buffer_ += '"';
                return;
            }
        }
    }

    const std::string& text(std::int64_t index) {
        const auto i = static_cast<std::size_t>(index < 0 ? 0 : index);
        if (i >= escaped_texts_.size()) escaped_texts_.resize(i + 1);
        if (escaped_texts_[i].empty()) escaped_texts_[i] = json_string(trace_.text(index));
        return escaped_texts_[i];
    }

    // Names for every process and every thread that an event used; written
    // last because the extra span threads are known only at the end.
    void metadata() {
        for (std::size_t host = 0; host < hosts_.size(); ++host) {
            std::string process = "host " + std::to_string(host);
            if (host < trace_.header.hosts.size()) {
                const HostInfo& info = trace_.header.hosts[host];
                process = info.name + " (" + info.os + ")";
            }
            const auto pid = static_cast<std::uint8_t>(host);
            open('M', pid, 0, 0);
            buffer_ += ",\"name\":\"process_name\",\"args\":{\"name\":" + json_string(process) + "}}";
            open('M', pid, 0, 0);
            buffer_ += ",\"name\":\"process_sort_index\",\"args\":{\"sort_index\":";
            integer(buffer_, static_cast<std::int64_t>(host));
            buffer_ += "}}";
            for (int lane = 0; lane < lane_count; ++lane) {
                const auto& tracks = hosts_[host].lanes[static_cast<std::size_t>(lane)];
                for (std::size_t k = 0; k < tracks.size(); ++k) {
                    std::string thread(lane_name(static_cast<Lane>(lane)));
                    if (k > 0) thread += " " + std::to_string(k + 1);
                    open('M', pid, tracks[k].tid, 0);
                    buffer_ += ",\"name\":\"thread_name\",\"args\":{\"name\":" + json_string(thread) + "}}";
                    // Extra threads of a lane sort right after the lane itself.
                    open('M', pid, tracks[k].tid, 0);
                    buffer_ += ",\"name\":\"thread_sort_index\",\"args\":{\"sort_index\":";
                    integer(buffer_, static_cast<std::int64_t>(lane) * 100000 + static_cast<std::int64_t>(k));
                    buffer_ += "}}";
                }
            }
        }
    }
};

}  // namespace

std::string chrome_micros(Nanos ns) {
    std::string out;
    micros(out, ns);
    return out;
}

void write_chrome_trace(std::ostream& out, const Trace& trace) {
    ChromeWriter writer(out, trace);
    writer.write();
}

}  // namespace loopscope::trace
