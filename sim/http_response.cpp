// res: the response head and body framing exactly as Node 20 writes them,
// and the order of responses on a connection (a pipelined request's
// response waits until the one before it is finished).
#include <http_parser.h>

#include <cstdio>

#include "sim/http_server.hpp"

namespace loopscope::sim {

using trace::Kind;

namespace {

std::string hex(std::uint64_t n) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "%llx", static_cast<unsigned long long>(n));
    return buf;
}

// Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
void civil_from_days(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) {
    z += 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const auto doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    d = doy - (153 * mp + 2) / 5 + 1;
    m = mp < 10 ? mp + 3 : mp - 9;
    y = static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2 ? 1 : 0);
}

constexpr std::int64_t virtual_epoch_days = 19723;  // 2024-01-01, a Monday

}  // namespace

std::string http_date(Nanos now) {
    static constexpr const char* weekdays[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
    static constexpr const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                             "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const std::int64_t seconds = now / 1'000'000'000;
    const std::int64_t days = seconds / 86400;
    const std::int64_t in_day = seconds % 86400;
    std::int64_t y = 0;
    unsigned m = 1, d = 1;
    civil_from_days(virtual_epoch_days + days, y, m, d);
    char buf[40];
    std::snprintf(buf, sizeof buf, "%s, %02u %s %lld %02lld:%02lld:%02lld GMT", weekdays[days % 7], d, months[m - 1],
                  static_cast<long long>(y), static_cast<long long>(in_day / 3600),
                  static_cast<long long>(in_day / 60 % 60), static_cast<long long>(in_day % 60));
    return buf;
}

std::string HttpServer::head_text(const Exchange& ex, std::string_view framing, std::uint64_t content_length) const {
    std::string head =
        "HTTP/1.1 " + std::to_string(ex.status) + " " + http_status_str(static_cast<http_status>(ex.status)) + "\r\n";
    for (const auto& [name, value] : ex.set_headers) head += name + ": " + value + "\r\n";
    head += "Date: " + http_date(node_->now()) + "\r\n";
    if (ex.keep_alive)
        head += "Connection: keep-alive\r\nKeep-Alive: timeout=" + std::to_string(params_.keep_alive_timeout_ns / 1'000'000'000) + "\r\n";
    else
        head += "Connection: close\r\n";
    if (framing == "content-length" && !ex.has_content_length)
        head += "Content-Length: " + std::to_string(content_length) + "\r\n";
    if (framing == "chunked") head += "Transfer-Encoding: chunked\r\n";
    return head + "\r\n";
}

void HttpServer::set_header(RequestId req, std::string_view name, std::string_view value) {
    Exchange& ex = exchange(req);
    // Only Content-Type and Content-Length change what Node writes in these
    // lessons. A program that sets Content-Length (as static file servers
    // do, from fs.stat) gets its body unframed instead of chunked.
    if (ex.head_sent || (name != "Content-Type" && name != "Content-Length")) return;
    if (name == "Content-Length") {
        ex.has_content_length = true;
        ex.content_length = std::stoull(std::string(value));
    }
    // Setting a header again replaces its value and keeps its place.
    for (auto& [set_name, set_value] : ex.set_headers)
        if (set_name == name) {
            set_value = value;
            return;
        }
    ex.set_headers.emplace_back(name, value);
}

void HttpServer::write_head(RequestId req, unsigned status,
                            std::initializer_list<std::pair<std::string_view, std::string_view>> headers) {
    Exchange& ex = exchange(req);
    if (ex.head_sent) return;  // Node throws ERR_HTTP_HEADERS_SENT; the model ignores it
    ex.status = status;
    for (const auto& [name, value] : headers) set_header(req, name, value);
}

bool HttpServer::write(RequestId req, std::string_view chunk) {
    Exchange& ex = exchange(req);
    if (ex.finished || connection(ex.conn).closed) return false;
    std::string out;
    if (!ex.head_sent) {
        // The length is not known yet: chunked, except for HTTP/1.0, where
        // the body ends with the connection.
        ex.head_sent = true;
        ex.chunked = !ex.http10 && !ex.has_content_length;
        if (ex.http10 && !ex.has_content_length) ex.keep_alive = false;
        const std::string_view framing = ex.has_content_length ? "content-length" : ex.chunked ? "chunked" : "close";
        out = head_text(ex, framing, ex.content_length);
        node_->record(Kind::http_response, ex.conn,
                      {ex.status, node_->text(framing), static_cast<std::int64_t>(ex.content_length), ex.keep_alive ? 1 : 0,
                       static_cast<std::int64_t>(out.size()), ex.n});
    }
    if (!chunk.empty()) {
        const std::size_t before = out.size();
        if (ex.chunked) out += hex(chunk.size()) + "\r\n";
        out += chunk;
        if (ex.chunked) out += "\r\n";
        node_->record(Kind::http_response_chunk, ex.conn,
                      {static_cast<std::int64_t>(chunk.size()), static_cast<std::int64_t>(out.size() - before)});
        ex.body_sent += chunk.size();
    }
    const bool returned = send(ex, std::move(out));
    const std::uint64_t hwm = node_->scenario().server.high_water_mark;
    node_->record(Kind::js_res_write, ex.conn,
                  {static_cast<std::int64_t>(chunk.size()), returned ? 1 : 0,
                   static_cast<std::int64_t>(node_->writable_length(ex.conn)), static_cast<std::int64_t>(hwm)});
    return returned;
}

void HttpServer::end(RequestId req, std::string_view chunk) {
    Exchange& ex = exchange(req);
    if (ex.finished || connection(ex.conn).closed) return;
    std::string out;
    if (!ex.head_sent) {
        // res.end(body) before any write: the whole length is known.
        ex.head_sent = true;
        const std::uint64_t length = ex.has_content_length ? ex.content_length : chunk.size();
        out = head_text(ex, "content-length", length);
        node_->record(Kind::http_response, ex.conn,
                      {ex.status, node_->text("content-length"), static_cast<std::int64_t>(length), ex.keep_alive ? 1 : 0,
                       static_cast<std::int64_t>(out.size()), ex.n});
        out += chunk;
        if (!chunk.empty())
            node_->record(Kind::http_response_chunk, ex.conn,
                          {static_cast<std::int64_t>(chunk.size()), static_cast<std::int64_t>(chunk.size())});
    } else {
        const std::size_t before = out.size();
        if (ex.chunked && !chunk.empty()) out += hex(chunk.size()) + "\r\n" + std::string(chunk) + "\r\n";
        else out += chunk;
        if (!chunk.empty())
            node_->record(Kind::http_response_chunk, ex.conn,
                          {static_cast<std::int64_t>(chunk.size()), static_cast<std::int64_t>(out.size() - before)});
        if (ex.chunked) out += "0\r\n\r\n";
    }
    ex.body_sent += chunk.size();
    ex.finished = true;
    node_->record(Kind::http_response_end, ex.conn, {ex.n, static_cast<std::int64_t>(ex.body_sent)});
    send(ex, std::move(out));
    node_->record(Kind::js_res_end, ex.conn, {static_cast<std::int64_t>(chunk.size()), static_cast<std::int64_t>(ex.body_sent)});
    response_finished(ex);
}

bool HttpServer::send(Exchange& ex, std::string bytes) {
    Connection& c = connection(ex.conn);
    const std::uint64_t hwm = node_->scenario().server.high_water_mark;
    if (c.responses.empty() || c.responses.front() != ex.id) {
        // An earlier response on this connection is not finished: Node keeps
        // these bytes with the response (outputData) until it is.
        ex.waiting += bytes;
        return ex.waiting.size() < hwm;
    }
    if (bytes.empty()) return node_->writable_length(ex.conn) < hwm;
    if (!c.uncork_queued) {
        c.uncork_queued = true;
        node_->cork(ex.conn);
        node_->next_tick(http_tag(HttpTag::uncork, static_cast<std::uint64_t>(ex.conn)));
    }
    return node_->write(ex.conn, std::move(bytes));
}

void HttpServer::response_finished(Exchange& ex) {
    Connection& c = connection(ex.conn);
    if (c.responses.empty() || c.responses.front() != ex.id) return;  // it goes out when its turn comes
    // This one and every finished one queued behind it leave in order; the
    // first unfinished one now writes straight to the socket.
    while (!c.responses.empty()) {
        Exchange& front = exchange(c.responses.front());
        if (!front.waiting.empty()) {
            std::string bytes = std::move(front.waiting);
            front.waiting.clear();
            send(front, std::move(bytes));
        }
        if (!front.finished) break;
        ++c.served;
        const bool keep = front.keep_alive;
        c.responses.pop_front();
        if (!keep) {
            // resOnFinish: Connection: close ends the socket (a FIN after the
            // bytes); later pipelined requests get no response.
            c.closing = true;
            c.responses.clear();
            node_->end(ex.conn);
            return;
        }
    }
    if (c.responses.empty() && !c.has_parsing) arm_keep_alive(ex.conn);
}

}  // namespace loopscope::sim
