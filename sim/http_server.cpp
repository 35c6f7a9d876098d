#include "sim/http_server.hpp"

#include <stdexcept>

namespace loopscope::sim {

using trace::Kind;

// Forwards one connection's parser callbacks to the server.
struct ParserSink final : HttpParserEvents {
    HttpServer& server;
    std::int32_t conn;
    ParserSink(HttpServer& s, std::int32_t c) : server(s), conn(c) {}
    void on_message_begin() override { server.parser_message_begin(conn); }
    void on_url(std::string_view piece) override { server.parser_url(conn, piece); }
    void on_headers_complete(const HttpHead& head) override { server.parser_headers_complete(conn, head); }
    void on_body(std::string_view bytes) override { server.parser_body(conn, bytes); }
    void on_chunk_header(std::uint64_t size) override { server.parser_chunk_header(conn, size); }
    void on_chunk_complete() override { server.parser_chunk_complete(conn); }
    void on_message_complete() override { server.parser_message_complete(conn); }
    void on_error(std::string_view name) override { server.parser_error(conn, name); }
};

HttpServer::HttpServer(const ServerParams& params, std::unique_ptr<HttpHandler> handler)
    : params_(params), handler_(std::move(handler)) {}

HttpServer::~HttpServer() = default;

HttpServer::Connection& HttpServer::connection(std::int32_t conn) {
    const auto index = static_cast<std::size_t>(conn);
    if (connections_.size() <= index) connections_.resize(index + 1);
    if (!connections_[index]) connections_[index] = std::make_unique<Connection>();
    return *connections_[index];
}

const HttpHead& HttpServer::request(RequestId req) const { return exchange(req).head; }
std::int32_t HttpServer::connection_of(RequestId req) const { return exchange(req).conn; }

void HttpServer::on_connection(NodeApi& node, std::int32_t conn) {
    node_ = &node;
    Connection& c = connection(conn);
    c = Connection{};
    c.id = conn;
    c.sink = std::make_unique<ParserSink>(*this, conn);
    c.parser = std::make_unique<HttpParser>(HttpParser::Mode::request, *c.sink);
}

void HttpServer::on_data(NodeApi& node, std::int32_t conn, const std::string& chunk) {
    node_ = &node;
    Connection& c = connection(conn);
    if (c.closed || !c.parser) return;
    c.parser->feed(chunk);
}

void HttpServer::on_end(NodeApi& node, std::int32_t conn) {
    node_ = &node;
    // The client finished sending. Node's socketOnEnd: finish the parser;
    // net then ends our side (allowHalfOpen is false for http too).
    Connection& c = connection(conn);
    if (c.parser) c.parser->finish();
}

void HttpServer::on_drain(NodeApi& node, std::int32_t conn) {
    node_ = &node;
    Connection& c = connection(conn);
    if (!c.responses.empty()) handler_->on_res_drain(*this, c.responses.front());
}

void HttpServer::on_close(NodeApi& node, std::int32_t conn, bool) {
    node_ = &node;
    disarm_keep_alive(conn);
    Connection& c = connection(conn);
    c.closed = true;
    c.responses.clear();
}

void HttpServer::on_timer(NodeApi& node, std::uint64_t tag) {
    node_ = &node;
    const auto kind = static_cast<HttpTag>(tag & 3);
    if (kind == HttpTag::handler) {
        handler_->on_timer(*this, tag >> 2);
        return;
    }
    if (kind != HttpTag::keep_alive) return;
    // socket.setTimeout(keepAliveTimeout) fired: no 'timeout' listener, so
    // the server destroys the idle socket.
    const auto conn = static_cast<std::int32_t>(tag >> 2);
    Connection& c = connection(conn);
    if (!c.keep_alive_armed || c.closed) return;
    c.keep_alive_armed = false;
    c.closing = true;
    node.record(Kind::http_keep_alive_timeout, conn, {params_.keep_alive_timeout_ns, c.served});
    node.destroy(conn);
}

void HttpServer::on_tick(NodeApi& node, std::uint64_t tag) {
    node_ = &node;
    if (static_cast<HttpTag>(tag & 3) != HttpTag::uncork) return;
    // connectionCorkNT: res.write corks the socket and uncorks it on the
    // next tick, so the head and the chunks of one tick leave as one write.
    const auto conn = static_cast<std::int32_t>(tag >> 2);
    Connection& c = connection(conn);
    c.uncork_queued = false;
    node.uncork(conn);
}

void HttpServer::on_work_done(NodeApi& node, std::int32_t conn, std::uint64_t tag) {
    node_ = &node;
    handler_->on_work_done(*this, conn, tag);
}

void HttpServer::set_timeout(Nanos delay, std::uint64_t tag) {
    node_->set_timeout(delay, http_tag(HttpTag::handler, tag));
}

// ---- the parser's callbacks, as http lane events ----

void HttpServer::parser_message_begin(std::int32_t conn) {
    Connection& c = connection(conn);
    node_->record(Kind::http_message_begin, conn, {c.parser->messages()});
}

void HttpServer::parser_url(std::int32_t conn, std::string_view piece) {
    node_->record(Kind::http_url, conn, {node_->text(piece), static_cast<std::int64_t>(piece.size())});
}

void HttpServer::parser_headers_complete(std::int32_t conn, const HttpHead& head) {
    Connection& c = connection(conn);
    const std::string version = std::to_string(head.http_major) + "." + std::to_string(head.http_minor);
    const auto parsed = node_->record(Kind::http_headers_complete, conn,
                                      {node_->text(head.method), node_->text(head.url), node_->text(version), head.headers,
                                       head.keep_alive ? 1 : 0, head.chunked ? 1 : 0,
                                       static_cast<std::int64_t>(head.content_length)});
    // parserOnIncoming: a new request clears the keep-alive timer.
    disarm_keep_alive(conn);
    auto ex = std::make_unique<Exchange>();
    ex->id = exchanges_.size();
    ex->conn = conn;
    ex->n = c.parser->messages();
    ex->head = head;
    ex->http10 = head.http_major == 1 && head.http_minor == 0;
    ex->keep_alive = head.keep_alive && !c.closing;
    const RequestId id = ex->id;
    exchanges_.push_back(std::move(ex));
    c.responses.push_back(id);
    c.parsing = id;
    c.has_parsing = true;
    // The request listener is a JavaScript function: it costs a callback's CPU.
    node_->record(Kind::js_request, conn, {node_->text(head.method), node_->text(head.url), exchange(id).n});
    node_->burn_cpu(params_.cpu_per_callback_ns);
    handler_->on_request(*this, id);
    // What the parser finds next follows from the parser, not from the handler.
    node_->set_cause(parsed);
}

void HttpServer::parser_body(std::int32_t conn, std::string_view bytes) {
    Connection& c = connection(conn);
    const auto found = node_->record(Kind::http_body, conn, {static_cast<std::int64_t>(bytes.size())});
    if (!c.has_parsing) return;
    Exchange& ex = exchange(c.parsing);
    ex.body_received += bytes.size();
    node_->record(Kind::js_req_data, conn, {static_cast<std::int64_t>(bytes.size())});
    handler_->on_req_data(*this, ex.id, bytes);
    node_->set_cause(found);
}

void HttpServer::parser_chunk_header(std::int32_t conn, std::uint64_t size) {
    node_->record(Kind::http_chunk_header, conn, {static_cast<std::int64_t>(size)});
}

void HttpServer::parser_chunk_complete(std::int32_t conn) { node_->record(Kind::http_chunk_complete, conn, {}); }

void HttpServer::parser_message_complete(std::int32_t conn) {
    Connection& c = connection(conn);
    const auto complete = node_->record(Kind::http_message_complete, conn, {c.parser->messages()});
    if (!c.has_parsing) return;
    c.has_parsing = false;
    Exchange& ex = exchange(c.parsing);
    node_->record(Kind::js_req_end, conn, {static_cast<std::int64_t>(ex.body_received)});
    handler_->on_req_end(*this, ex.id);
    node_->set_cause(complete);
    if (c.responses.empty() && !c.closing) arm_keep_alive(conn);
}

void HttpServer::parser_error(std::int32_t conn, std::string_view name) {
    Connection& c = connection(conn);
    // socketOnError: 431 for a header section over --max-http-header-size,
    // 400 for anything else; written only if no response has started.
    const bool too_large = name == "HPE_HEADER_OVERFLOW";
    node_->record(Kind::http_parse_error, conn, {node_->text(name), too_large ? 431 : 400});
    c.closing = true;
    c.has_parsing = false;
    bool response_started = false;
    for (RequestId id : c.responses) response_started = response_started || exchange(id).head_sent;
    node_->uncork(conn);
    if (!response_started)
        node_->write(conn, too_large ? "HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\n\r\n"
                                     : "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
    node_->destroy(conn);
}

void HttpServer::arm_keep_alive(std::int32_t conn) {
    Connection& c = connection(conn);
    if (c.keep_alive_armed || c.closed || params_.keep_alive_timeout_ns <= 0) return;
    c.keep_alive_armed = true;
    node_->set_timeout(params_.keep_alive_timeout_ns, http_tag(HttpTag::keep_alive, static_cast<std::uint64_t>(conn)));
}

void HttpServer::disarm_keep_alive(std::int32_t conn) {
    Connection& c = connection(conn);
    if (!c.keep_alive_armed) return;
    c.keep_alive_armed = false;
    node_->clear_timeout(http_tag(HttpTag::keep_alive, static_cast<std::uint64_t>(conn)));
}

std::unique_ptr<HttpHandler> make_hello_handler(const ServerParams& params);
std::unique_ptr<HttpHandler> make_site_handler(const ServerParams& params);

std::unique_ptr<ServerProgram> make_http_server(const ServerParams& params) {
    if (params.program == "hello") return std::make_unique<HttpServer>(params, make_hello_handler(params));
    if (params.program == "site") return std::make_unique<HttpServer>(params, make_site_handler(params));
    throw std::invalid_argument("unknown http server program \"" + params.program + "\"");
}

}  // namespace loopscope::sim
