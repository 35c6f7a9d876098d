// server.program "hello" in the thread-per-connection model: each thread
// feeds what it read to its own http-parser (sim/http_parser.hpp, the same
// wrapper the event loop's http.Server uses) and answers every complete
// request with the bytes Node 20's hello server writes (http_response.cpp):
// the same head, Date from virtual time, chunked or Content-Length framing,
// keep-alive or close. Not modelled here: keepAliveTimeout (an idle thread
// waits in read() until the client closes) and the 431 header limit.
#include <http_parser.h>

#include <cstdio>
#include <map>
#include <vector>

#include "sim/http_server.hpp"  // http_date
#include "sim/thread_server.hpp"

namespace loopscope::sim {
namespace {

struct Request {
    bool keep_alive = false;
    bool http10 = false;
};

// Collects the requests one read() completed.
class RequestCollector final : public HttpParserEvents {
public:
    void on_headers_complete(const HttpHead& head) override {
        current_ = {head.keep_alive, head.http_major == 1 && head.http_minor == 0};
    }
    void on_message_complete() override { done.push_back(current_); }
    std::vector<Request> done;

private:
    Request current_;
};

struct HttpConnection {
    RequestCollector requests;
    HttpParser parser{HttpParser::Mode::request, requests};
    bool closing = false;
};

class HelloHandler final : public ThreadHandler {
public:
    explicit HelloHandler(const ServerParams& params) : params_(params) {}

    std::string on_bytes(std::int32_t conn, const std::string& bytes, Nanos now) override {
        HttpConnection& c = connection(conn);
        if (c.closing) return {};
        c.parser.feed(bytes);
        std::string out;
        for (const Request& r : c.requests.done) {
            out += response(r, now);
            if (!r.keep_alive || r.http10) {  // Connection: close ends the socket after this one
                c.closing = true;
                break;
            }
        }
        c.requests.done.clear();
        if (!c.closing && c.parser.failed()) {
            c.closing = true;
            out += "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n";
        }
        return out;
    }
    bool close_after_write(std::int32_t conn) const override {
        const auto found = connections_.find(conn);
        return found != connections_.end() && found->second.closing;
    }

private:
    HttpConnection& connection(std::int32_t conn) {
        return connections_.try_emplace(conn).first->second;
    }

    // What res.write(body); res.end() (or res.end(body)) puts on the wire,
    // in one write as Node's cork/uncork does.
    std::string response(const Request& r, Nanos now) const {
        const bool keep_alive = r.keep_alive && !r.http10;
        const std::string& body = params_.hello_body;
        const char* framing = params_.hello_end_with_body ? "content-length" : r.http10 ? "close" : "chunked";
        std::string out = "HTTP/1.1 200 " + std::string(http_status_str(HTTP_STATUS_OK)) + "\r\n";
        if (!params_.content_type.empty()) out += "Content-Type: " + params_.content_type + "\r\n";
        out += "Date: " + http_date(now) + "\r\n";
        if (keep_alive)
            out += "Connection: keep-alive\r\nKeep-Alive: timeout=" +
                   std::to_string(params_.keep_alive_timeout_ns / 1'000'000'000) + "\r\n";
        else
            out += "Connection: close\r\n";
        const std::string_view f = framing;
        if (f == "content-length") out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
        if (f == "chunked") out += "Transfer-Encoding: chunked\r\n";
        out += "\r\n";
        if (f == "chunked") {
            if (!body.empty()) {
                char size[24];
                std::snprintf(size, sizeof size, "%zx", body.size());
                out.append(size).append("\r\n").append(body).append("\r\n");
            }
            out += "0\r\n\r\n";
        } else {
            out += body;
        }
        return out;
    }

    ServerParams params_;
    std::map<std::int32_t, HttpConnection> connections_;
};

}  // namespace

std::unique_ptr<ThreadHandler> make_thread_http_handler(const ServerParams& params) {
    return std::make_unique<HelloHandler>(params);
}

}  // namespace loopscope::sim
