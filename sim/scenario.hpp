// A scenario: everything one simulated (or real) lesson run needs. Loaded
// from scenarios/*.json by scenario_loader; every field has the default a
// beginner's lesson would want, and docs/scenario-format.md describes them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "trace/kinds.hpp"

namespace loopscope::sim {

using trace::Nanos;

enum class Os : std::uint8_t { linux, macos, windows };

struct NetworkParams {
    Nanos latency_ns = 50'000;                 // one-way propagation delay
    std::uint64_t bandwidth_bps = 1'000'000'000; // bits per second, per direction
    std::uint32_t mss = 1460;                  // max payload bytes per segment
    double loss = 0.0;                         // probability a data segment is lost, 0..1
};

struct ServerParams {
    std::string program = "echo";  // echo | sink | payload | hello | site | stream | blocking
    std::uint32_t port = 3000;
    std::uint32_t backlog = 511;   // Node's default listen backlog
    std::uint64_t send_buffer = 16384;
    std::uint64_t recv_buffer = 131072;
    std::uint64_t high_water_mark = 16384;  // Node 20's writableHighWaterMark
    Nanos cpu_per_callback_ns = 20'000;     // CPU time of each JS callback
    // payload: bytes written to each new connection, in chunks of chunk_bytes.
    std::uint64_t payload_bytes = 0;
    std::uint64_t chunk_bytes = 65536;
    bool respect_backpressure = true;  // wait for 'drain' when write() returns false
    // echo: if > 0, each 'data' first runs this long on the thread pool
    // (like crypto.pbkdf2) and the echo is written from the completion.
    Nanos pool_work_ns = 0;
    bool close_after_payload = true;  // payload: end() once everything is written
    // https.createServer: every connection is TLS first (sim/tls_server.hpp),
    // and the clients speak TLS too.
    bool tls = false;
    std::uint32_t tls_version = 13;            // 13 or 12
    std::uint64_t tls_certificate_bytes = 2400; // DER bytes of the chain (leaf + intermediate)
    std::string tls_signature = "ecdsa-p256";  // ecdsa-p256 | rsa-2048: the certificate's key
    Nanos tls_x25519_ns = 32'500;              // one X25519 operation (openssl speed ecdhx25519)
    Nanos tls_sign_ns = -1;                    // one signature; -1: the measured cost for tls_signature

    // How the server serves its connections: "event-loop" is Node
    // (NodeRuntime); "thread-per-connection" is the older model of §5
    // (ThreadServer), which runs the same program with one thread per
    // connection and blocking calls. The fields below are for that model.
    std::string model = "event-loop";
    std::uint32_t cores = 1;  // one, to compare with Node's one JavaScript thread
    // EEVDF's base slice (sysctl_sched_base_slice, Linux 6.6+): how long a
    // thread may run before a waiting thread gets the core.
    Nanos time_slice_ns = 750'000;
    // One switch between two threads of a process, measured at about
    // 1.2-2.2 us on Linux (Bendersky, "Measuring context switching and
    // memory overheads for Linux threads", 2018).
    Nanos context_switch_ns = 2'000;
    std::uint64_t thread_stack_bytes = 8 << 20;  // RLIMIT_STACK's default: glibc reserves this per thread
    // What an idle thread really uses: the pages of its stack it has
    // touched (two 4 KiB pages; Bendersky measured about 8 KiB RSS per thread).
    std::uint64_t thread_resident_bytes = 8192;

    // http programs (hello, ...): http.Server's keepAliveTimeout (Node: 5000 ms).
    Nanos keep_alive_timeout_ns = 5'000'000'000;
    std::string content_type;          // res.setHeader("Content-Type", ...) when not empty
    // hello: the body, and res.end(body) (Content-Length) instead of
    // res.write(body); res.end() (chunked).
    std::string hello_body = "Hello world";
    bool hello_end_with_body = false;
    // site: the page and what it links to (a stylesheet, a script, images).
    std::uint64_t site_html_bytes = 20'000;
    std::uint64_t site_css_bytes = 10'000;
    std::uint64_t site_js_bytes = 50'000;
    std::uint64_t site_image_bytes = 30'000;
    std::uint32_t site_images = 4;
    // stream: fs.createReadStream(file).pipe(res) for a file of file_bytes,
    // read in file_chunk_bytes pieces (fs.createReadStream's highWaterMark)
    // at disk_bytes_per_second, each read a thread-pool job. The default
    // disk is a PCIe 3.0 NVMe SSD's sequential read, about 2 GB/s: a 64 KiB
    // read takes 33 us. stream_content_length: res.setHeader("Content-Length")
    // first, as static file servers do (from fs.stat); else chunked.
    std::uint64_t file_bytes = 10 << 20;
    std::uint64_t file_chunk_bytes = 65536;
    std::uint64_t disk_bytes_per_second = 2'000'000'000;
    bool stream_content_length = false;
    // blocking: requests for slow_path burn burn_cpu_ns of CPU on the main
    // thread; a setInterval of interval_ns (0: none) shows the loop's lag.
    std::string slow_path = "/report";
    Nanos burn_cpu_ns = 200'000'000;
    Nanos interval_ns = 10'000'000;
};

struct ClientParams {
    std::string program = "echo";  // echo | uploader | slow-reader | http-get | browser | bad-request | load
    std::uint32_t count = 1;
    Nanos start_interval_ns = 0;   // delay between starting client i and i+1
    Nanos start_at_ns = 1'000'000; // when the first client starts
    std::uint64_t send_buffer = 16384;
    std::uint64_t recv_buffer = 131072;
    // echo: send `messages` messages of `message_bytes`, each after the previous echo.
    std::uint64_t message_bytes = 64;
    std::uint32_t messages = 1;
    Nanos think_ns = 0;            // pause between an echo and the next message
    // uploader: send upload_bytes at once, then end().
    std::uint64_t upload_bytes = 1 << 20;
    // slow-reader: read read_bytes every read_interval_ns.
    std::uint64_t read_bytes = 16384;
    Nanos read_interval_ns = 10'000'000;
    bool close_when_done = true;   // close the socket once the program's work is done
    // http-get: the path it requests; the first slow_clients clients ask
    // for server.slow_path instead.
    std::string path = "/";
    std::uint32_t slow_clients = 0;
    // browser: loads the site's page and its resources page_loads times
    // (think_ns apart) over at most max_connections connections; with
    // keep_alive false every request says Connection: close.
    bool keep_alive = true;
    std::uint32_t max_connections = 6;
    std::uint32_t page_loads = 2;
    // bad-request: malformed | header-too-large | both-lengths
    std::string request = "malformed";
    // http-get: read the response read_bytes every read_interval_ns (a
    // client slower than the server's disk) instead of as it arrives.
    bool read_slowly = false;
};

// A caption is shown (as a note.caption event) just before the nth event of
// the given kind, optionally restricted to one connection.
// One field of the caption's event must have this value ("where": {"state":
// "SYN_SENT"}): anchors a caption to what happened, not to how many events
// of its kind came before, so it lands on the same moment in a real trace,
// which sees fewer events (real TCP states are only those TCP_INFO shows).
struct CaptionCondition {
    std::string field;
    std::int64_t value = 0;  // enums by their index, flags 0/1
    std::string text;        // for text fields
};

struct Caption {
    std::string kind;  // event kind name, e.g. "kernel.accept_queue"
    std::int32_t conn = -1;
    std::uint32_t nth = 1;  // the nth event that meets every other condition
    std::string os;  // shown only when the scenario runs on this OS; empty = any
    std::string host;  // "server", "client", or empty = either
    std::vector<CaptionCondition> where;
    std::string text;
};

struct Scenario {
    std::string id;
    std::string title;
    std::string chapter;  // "§3, §6"
    std::string lesson;   // lesson text shown before the first step
    std::vector<Caption> captions;
    std::uint64_t seed = 1;
    Os os = Os::linux;
    Nanos stop_ns = 10'000'000'000;  // virtual time at which the run stops
    std::uint32_t epoll_max_events = 1024;
    std::uint32_t threadpool_size = 4;
    NetworkParams network;
    ServerParams server;
    ClientParams clients;
    // The scenario as loaded (after --set overrides), compact JSON, copied
    // into the trace header so a trace says how it was made.
    std::string source_json = "{}";
    // Only the members the file (and --set) gave, compact JSON: real mode
    // tells which fields a lesson sets, to report the ones it ignores and
    // to leave Linux's buffer autotuning alone unless a size is given.
    std::string given_json = "{}";
};

std::string_view os_name(Os os);

}  // namespace loopscope::sim
