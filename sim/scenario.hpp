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
    std::string program = "echo";  // echo | sink | payload | hello | site
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
};

struct ClientParams {
    std::string program = "echo";  // echo | uploader | slow-reader | http-get | browser
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
    // http-get: the path it requests.
    std::string path = "/";
    // browser: loads the site's page and its resources page_loads times
    // (think_ns apart) over at most max_connections connections; with
    // keep_alive false every request says Connection: close.
    bool keep_alive = true;
    std::uint32_t max_connections = 6;
    std::uint32_t page_loads = 2;
};

// A caption is shown (as a note.caption event) just before the nth event of
// the given kind, optionally restricted to one connection.
struct Caption {
    std::string kind;  // event kind name, e.g. "kernel.accept_queue"
    std::int32_t conn = -1;
    std::uint32_t nth = 1;
    std::string os;  // shown only when the scenario runs on this OS; empty = any
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
};

std::string_view os_name(Os os);

}  // namespace loopscope::sim
