// The input side of an HTTP connection: bytes to the parser, the parser's
// events to the trace and the handler, the timeouts, and closing.
#include "real/http_connection.hpp"

#include <ctime>

#include "real/http_exchange.hpp"

namespace loopscope::real {

using trace::Kind;

namespace {

// Node's canned answers (lib/_http_server.js), written before it destroys
// the socket when no response has begun.
constexpr std::string_view bad_request_response = "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n";
constexpr std::string_view header_too_large_response =
    "HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\n\r\n";
constexpr std::string_view request_timeout_response = "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n";

}  // namespace

std::string_view HttpDate::now() {
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    if (ts.tv_sec != second_) {
        // Fixed English names: the header is not localised (strftime's %a
        // and %b would follow the locale).
        static constexpr const char* weekdays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
        static constexpr const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
        std::tm tm{};
        const std::time_t t = ts.tv_sec;
        gmtime_r(&t, &tm);
        const int n = std::snprintf(text_, sizeof text_, "%s, %02d %s %04d %02d:%02d:%02d GMT", weekdays[tm.tm_wday],
                                    tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
        size_ = n > 0 ? static_cast<std::size_t>(n) : 0;
        second_ = ts.tv_sec;
    }
    return {text_, size_};
}

HttpConnection::HttpConnection(HttpServerContext& server) : server_(server), message_start_(monotonic_now()) {}

HttpConnection::~HttpConnection() {
    disarm_keep_alive();
    stop_keep_alive_timer();
    if (server_.corked_by == this) {
        server_.corked_by = nullptr;
        server_.cork.clear();
    }
    for (auto& ex : responses_) ex->connection_ = nullptr;
    if (parsing_) parsing_->connection_ = nullptr;
}

void HttpConnection::attach(std::unique_ptr<Duplex> stream) {
    stream_ = std::move(stream);
    if (!stream_) return;
    conn_ = stream_->conn();
    stream_->set_events(*this);
}

std::uint32_t HttpConnection::record(Kind kind, std::initializer_list<std::int64_t> fields) {
    return server_.loop.tracer().record(kind, conn_, fields, parse_record_);
}

std::uint64_t HttpConnection::writable_length() const {
    const std::uint64_t queued = stream_ && !closed_ ? stream_->writable_length() : 0;
    return queued + (server_.corked_by == this ? server_.cork.size() : 0);
}

// ---- input ----

void HttpConnection::on_data(Duplex&, std::string_view bytes) {
    if (closed_ || input_done_ || !stream_ || bytes.empty()) return;
    // Node refreshes the socket's timeout on every chunk the parser
    // consumes (socket._unrefTimer), so keepAliveTimeout counts idle time.
    if (keep_alive_armed_) keep_alive_deadline_ = monotonic_now() + server_.timeouts.keep_alive_ns;
    if (!parser_) {
        sim::HttpParserEvents& events = *this;  // a private base: converted here, inside the class
        parser_ = std::make_unique<sim::HttpParser>(sim::HttpParser::Mode::request, events);
    }
    Tracer& tracer = server_.loop.tracer();
    const Stamp start = tracer.enabled() ? cycle_stamp() : Stamp{};
    parse_record_ =
        tracer.record(Kind::http_parse, conn_, {static_cast<std::int64_t>(bytes.size()), 0}, server_.loop.io_cause());
    begin_callback();
    parser_->feed(bytes);
    end_callback();
    tracer.set_duration(parse_record_, 1, start);
    parse_record_ = no_record;
    // Between requests the parser holds nothing worth keeping: free it, so
    // an idle keep-alive connection costs only this object.
    if (!in_message_) parser_.reset();
}

void HttpConnection::on_message_begin() {
    if (input_done_) return;  // after Connection: close, an error or the peer's FIN, nothing more is read
    ++requests_;
    in_message_ = true;
    headers_done_ = false;
    timed_ = true;
    message_start_ = monotonic_now();
    record(Kind::http_message_begin, {requests_});
}

void HttpConnection::on_url(std::string_view piece) {
    if (input_done_) return;  // after Connection: close, an error or the peer's FIN, nothing more is read
    Tracer& tracer = server_.loop.tracer();
    record(Kind::http_url, {tracer.text(piece), static_cast<std::int64_t>(piece.size())});
}

void HttpConnection::on_headers_complete(const sim::HttpHead& head) {
    if (input_done_) return;  // after Connection: close, an error or the peer's FIN, nothing more is read
    Tracer& tracer = server_.loop.tracer();
    headers_done_ = true;
    char version[8];
    const int vn = std::snprintf(version, sizeof version, "%u.%u", head.http_major % 10, head.http_minor % 10);
    const std::uint32_t parsed =
        record(Kind::http_headers_complete,
               {tracer.text(head.method), tracer.text(head.url),
                tracer.text(std::string_view(version, vn > 0 ? static_cast<std::size_t>(vn) : 0)), head.headers,
                head.keep_alive ? 1 : 0, head.chunked ? 1 : 0, static_cast<std::int64_t>(head.content_length)});
    // parserOnIncoming: a new request stops the keep-alive timer.
    disarm_keep_alive();
    auto ex = std::make_shared<HttpExchange>(*this, head, requests_);
    responses_.push_back(ex);
    parsing_ = ex;
    tracer.record(Kind::js_request, conn_, {tracer.text(head.method), tracer.text(head.url), requests_}, parsed);
    server_.handler.on_request(*ex);
}

void HttpConnection::on_body(std::string_view bytes) {
    if (input_done_) return;  // after Connection: close, an error or the peer's FIN, nothing more is read
    const std::uint32_t found = record(Kind::http_body, {static_cast<std::int64_t>(bytes.size())});
    if (!parsing_) return;
    parsing_->body_received_ += bytes.size();
    server_.loop.tracer().record(Kind::js_req_data, conn_, {static_cast<std::int64_t>(bytes.size())}, found);
    server_.handler.on_req_data(*parsing_, bytes);
}

void HttpConnection::on_chunk_header(std::uint64_t size) {
    if (input_done_) return;  // after Connection: close, an error or the peer's FIN, nothing more is read
    record(Kind::http_chunk_header, {static_cast<std::int64_t>(size)});
}

void HttpConnection::on_chunk_complete() {
    if (!input_done_) record(Kind::http_chunk_complete, {});
}

void HttpConnection::on_message_complete() {
    if (input_done_) return;  // after Connection: close, an error or the peer's FIN, nothing more is read
    const std::uint32_t complete = record(Kind::http_message_complete, {requests_});
    in_message_ = false;
    timed_ = false;  // Node's connections list stops checking it until the next request begins
    if (!parsing_) return;
    std::shared_ptr<HttpExchange> ex = std::move(parsing_);
    parsing_.reset();
    // A request that may not be followed by another ends the input: what
    // comes after it on this connection is not read.
    if (!ex->request().keep_alive || last_message_) input_done_ = true;
    server_.loop.tracer().record(Kind::js_req_end, conn_, {static_cast<std::int64_t>(ex->body_received_)}, complete);
    if (!ex->aborted()) server_.handler.on_req_end(*ex);
    if (responses_.empty() && !input_done_ && !closed_) arm_keep_alive();
}

void HttpConnection::on_error(std::string_view name) {
    // After a request with Connection: close the parser refuses whatever
    // follows (HPE_CLOSED_CONNECTION): those bytes are ignored, and the
    // response being written goes on.
    if (input_done_) return;
    const bool too_large = name == "HPE_HEADER_OVERFLOW";
    Tracer& tracer = server_.loop.tracer();
    record(Kind::http_parse_error, {tracer.text(name), too_large ? 431 : 400});
    in_message_ = false;
    fail(too_large ? header_too_large_response : bad_request_response);
}

void HttpConnection::on_end(Duplex&) {
    if (closed_ || !stream_) return;
    // socketOnEnd: finish the parser (a request cut off mid-head is an
    // error), then end our side as well: http.Server does not allow half
    // open connections, so a response still being written is cut short.
    if (parser_ && !input_done_) {
        begin_callback();
        parser_->finish();
        end_callback();
    }
    input_done_ = true;
    if (closed_ || ended_) return;
    disarm_keep_alive();
    flush_cork();
    ended_ = true;
    stream_->end();
}

void HttpConnection::on_drain(Duplex&) {
    if (closed_ || !stream_) return;
    emit_drain_if_below_mark();
}

void HttpConnection::on_close(Duplex&, bool) {
    if (closed_ || !stream_) return;
    closed_ = true;
    input_done_ = true;
    disarm_keep_alive();
    stop_keep_alive_timer();
    if (server_.corked_by == this) {
        server_.corked_by = nullptr;
        server_.cork.clear();
        cork_depth_ = 0;
    }
    // Handlers may still hold an exchange (a file read in progress): from
    // now on it is aborted and every res call does nothing.
    for (auto& ex : responses_) ex->connection_ = nullptr;
    responses_.clear();
    if (parsing_) parsing_->connection_ = nullptr;
    parsing_.reset();
    server_.owner.connection_closed(*this);
}

void HttpConnection::destroy() {
    if (closed_ || !stream_) return;
    input_done_ = true;
    disarm_keep_alive();
    stream_->destroy(false);
}

void HttpConnection::fail(std::string_view response) {
    // socketOnError: the canned response only if no response has begun on
    // this socket (it would corrupt the one being written), then destroy.
    input_done_ = true;
    disarm_keep_alive();
    bool response_started = false;
    for (const auto& ex : responses_) response_started = response_started || ex->head_sent_;
    flush_cork();
    if (closed_) return;
    if (!response_started && !ended_) stream_->write(response);
    stream_->destroy(false);
}

// ---- timeouts ----

void HttpConnection::check_timeouts(Nanos now) {
    if (closed_ || !timed_ || input_done_) return;
    const HttpTimeouts& t = server_.timeouts;
    const Nanos waited = now - message_start_;
    Nanos limit = 0;
    if (!headers_done_ && t.headers_ns > 0 && waited > t.headers_ns) limit = t.headers_ns;
    else if (t.request_ns > 0 && waited > t.request_ns) limit = t.request_ns;
    if (limit == 0) return;
    bool response_started = false;
    for (const auto& ex : responses_) response_started = response_started || ex->head_sent_;
    record(Kind::http_request_timeout, {limit, headers_done_ ? 1 : 0, response_started || ended_ ? 0 : 408});
    fail(request_timeout_response);
}

// keepAliveTimeout with at most one loop timer per connection: arming and
// disarming only move the deadline (a request on a busy kept-alive
// connection costs no timer), and the timer, when it fires, either finds
// the deadline passed or starts again for the time that is left.
void HttpConnection::arm_keep_alive() {
    const Nanos timeout = server_.timeouts.keep_alive_ns;
    if (keep_alive_armed_ || closed_ || timeout <= 0) return;
    keep_alive_armed_ = true;
    keep_alive_deadline_ = monotonic_now() + timeout;
    if (!keep_alive_timer_pending_) start_keep_alive_timer(timeout);
}

void HttpConnection::disarm_keep_alive() { keep_alive_armed_ = false; }

void HttpConnection::start_keep_alive_timer(Nanos delay) {
    keep_alive_timer_pending_ = true;
    keep_alive_timer_ = server_.loop.start_timer(delay, [this] {
        keep_alive_timer_pending_ = false;
        keep_alive_fired();
    });
}

void HttpConnection::stop_keep_alive_timer() {
    if (!keep_alive_timer_pending_) return;
    keep_alive_timer_pending_ = false;
    server_.loop.stop_timer(keep_alive_timer_);
}

void HttpConnection::keep_alive_fired() {
    if (!keep_alive_armed_ || closed_) return;
    const Nanos left = keep_alive_deadline_ - monotonic_now();
    if (left > 0) {
        start_keep_alive_timer(left);
        return;
    }
    // socket.setTimeout(keepAliveTimeout) fired and nobody listens for
    // 'timeout': the server destroys the idle socket.
    keep_alive_armed_ = false;
    record(Kind::http_keep_alive_timeout, {server_.timeouts.keep_alive_ns, served_});
    input_done_ = true;
    stream_->destroy(false);
}

}  // namespace loopscope::real
