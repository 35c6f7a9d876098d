// res: the response head and body framing exactly as Node 20 writes them,
// the order of responses on a connection, corking and 'drain'.
#include <http_parser.h>

#include <cctype>
#include <cstdio>

#include "real/http_exchange.hpp"

namespace loopscope::real {

using trace::Kind;

namespace {

bool same_name(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
    return true;
}

// RFC 9110's token characters: what Node's checkIsHttpToken accepts.
bool is_token(std::string_view name) {
    if (name.empty()) return false;
    for (const char c : name) {
        const auto u = static_cast<unsigned char>(c);
        if (std::isalnum(u) != 0) continue;
        if (std::string_view("!#$%&'*+-.^_`|~").find(c) == std::string_view::npos) return false;
    }
    return true;
}

bool is_header_value(std::string_view value) {
    return value.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

void append_hex(std::string& out, std::uint64_t n) {
    char buf[20];
    const int len = std::snprintf(buf, sizeof buf, "%llx", static_cast<unsigned long long>(n));
    out.append(buf, static_cast<std::size_t>(len));
}

}  // namespace

HttpExchange::HttpExchange(HttpConnection& connection, const sim::HttpHead& head, std::uint32_t n)
    : connection_(&connection),
      loop_(connection.server_.loop),
      head_(head),
      high_water_mark_(connection.server_.high_water_mark),
      conn_(connection.conn()),
      n_(n) {
    keep_alive_ = head.keep_alive;
}

std::uint64_t HttpExchange::writable_length() const {
    if (aborted()) return 0;
    const bool front = !connection_->responses_.empty() && connection_->responses_.front().get() == this;
    return front ? connection_->writable_length() : waiting_.size();
}

bool HttpExchange::has_body() const {
    // Node's _hasBody: no body for HEAD, 204, 304 or an informational status.
    return head_.method != "HEAD" && status_ != 204 && status_ != 304 && status_ >= 200;
}

bool HttpExchange::set_header(std::string_view name, std::string_view value) {
    if (head_sent_ || !is_token(name) || !is_header_value(value)) return false;
    if (same_name(name, "Content-Length")) {
        std::uint64_t length = 0;
        if (value.empty() || value.size() > 19) return false;
        for (const char c : value) {
            if (c < '0' || c > '9') return false;
            length = length * 10 + static_cast<std::uint64_t>(c - '0');
        }
        has_content_length_ = true;
        content_length_ = length;
    } else if (same_name(name, "Transfer-Encoding")) {
        return false;  // the framing is the response's own (chunked when no length is known)
    } else if (same_name(name, "Date")) {
        has_date_ = true;
    } else if (same_name(name, "Connection")) {
        // A program may close the connection after this response.
        if (same_name(value, "close")) keep_alive_ = false;
    }
    for (auto& [set_name, set_value] : set_headers_)
        if (same_name(set_name, name)) {
            set_value = value;
            return true;
        }
    set_headers_.emplace_back(name, value);
    return true;
}

bool HttpExchange::write_head(unsigned status, std::initializer_list<std::pair<std::string_view, std::string_view>> headers) {
    if (head_sent_ || status < 100 || status > 999) return false;  // Node: ERR_HTTP_HEADERS_SENT / ERR_HTTP_INVALID_STATUS_CODE
    status_ = status;
    bool ok = true;
    for (const auto& [name, value] : headers) ok = set_header(name, value) && ok;
    return ok;
}

// The head as Node 20 writes it: status line, the program's headers in the
// order set, Date, Connection (and Keep-Alive), then the framing.
void HttpExchange::send_head(std::string& out, bool length_known, std::uint64_t length) {
    HttpServerContext& server = connection_->server_;
    head_sent_ = true;
    const bool body = has_body();
    const bool http10 = head_.http_major == 1 && head_.http_minor == 0;
    std::string_view framing = "content-length";
    if (!body) {
        framing = "none";
    } else if (has_content_length_) {
        length_known = true;
        length = content_length_;
    } else if (!length_known) {
        // The length is not known yet: chunked, except for HTTP/1.0, where
        // the body ends with the connection.
        chunked_ = !http10;
        framing = chunked_ ? "chunked" : "close";
        if (!chunked_) keep_alive_ = false;
    }
    const std::size_t start = out.size();
    out += "HTTP/1.1 ";
    out += std::to_string(status_);
    out += ' ';
    out += http_status_str(static_cast<http_status>(status_));
    out += "\r\n";
    bool has_connection = false;
    for (const auto& [name, value] : set_headers_) {
        has_connection = has_connection || same_name(name, "Connection");
        out += name;
        out += ": ";
        out += value;
        out += "\r\n";
    }
    if (!has_date_) {
        out += "Date: ";
        out += server.date.now();
        out += "\r\n";
    }
    if (!has_connection) {
        if (keep_alive_) {
            out += "Connection: keep-alive\r\n";
            // Node sends Keep-Alive only when the server has a keepAliveTimeout.
            if (server.timeouts.keep_alive_ns > 0) {
                out += "Keep-Alive: timeout=";
                out += std::to_string(server.timeouts.keep_alive_ns / 1'000'000'000);
                out += "\r\n";
            }
        } else {
            out += "Connection: close\r\n";
        }
    }
    if (body && framing == "content-length" && !has_content_length_) {
        out += "Content-Length: ";
        out += std::to_string(length);
        out += "\r\n";
    }
    if (chunked_) out += "Transfer-Encoding: chunked\r\n";
    out += "\r\n";
    Tracer& tracer = loop_.tracer();
    tracer.record(Kind::http_response, conn_,
                  {status_, tracer.text(framing), framing == "content-length" ? static_cast<std::int64_t>(length) : 0,
                   keep_alive_ ? 1 : 0, static_cast<std::int64_t>(out.size() - start), n_});
}

bool HttpExchange::write(std::string_view chunk) {
    if (aborted() || finished_) return false;
    HttpConnection& c = *connection_;
    std::string out;
    if (!head_sent_) send_head(out, false, 0);
    Tracer& tracer = loop_.tracer();
    if (!chunk.empty() && has_body()) {
        const std::size_t before = out.size();
        if (chunked_) {
            append_hex(out, chunk.size());
            out += "\r\n";
        }
        out += chunk;
        if (chunked_) out += "\r\n";
        tracer.record(Kind::http_response_chunk, conn_,
                      {static_cast<std::int64_t>(chunk.size()), static_cast<std::int64_t>(out.size() - before)});
        body_sent_ += chunk.size();
    }
    const bool returned = c.send(*this, out);
    if (!returned) need_drain_ = true;
    tracer.record(Kind::js_res_write, conn_,
                  {static_cast<std::int64_t>(chunk.size()), returned ? 1 : 0,
                   static_cast<std::int64_t>(aborted() ? 0 : writable_length()), static_cast<std::int64_t>(high_water_mark_)});
    return returned;
}

void HttpExchange::end(std::string_view chunk) {
    if (aborted() || finished_) return;
    HttpConnection& c = *connection_;
    Tracer& tracer = loop_.tracer();
    const bool body = has_body();
    std::string out;
    if (!head_sent_) {
        // res.end(body) before any write: the whole length is known.
        send_head(out, true, chunk.size());
        if (!chunk.empty() && body) {
            out += chunk;
            tracer.record(Kind::http_response_chunk, conn_,
                          {static_cast<std::int64_t>(chunk.size()), static_cast<std::int64_t>(chunk.size())});
        }
    } else if (!chunk.empty() && body) {
        const std::size_t before = out.size();
        if (chunked_) {
            append_hex(out, chunk.size());
            out += "\r\n";
        }
        out += chunk;
        if (chunked_) out += "\r\n";
        tracer.record(Kind::http_response_chunk, conn_,
                      {static_cast<std::int64_t>(chunk.size()), static_cast<std::int64_t>(out.size() - before)});
    }
    if (chunked_) out += "0\r\n\r\n";
    if (body) body_sent_ += chunk.size();
    finished_ = true;
    tracer.record(Kind::http_response_end, conn_, {n_, static_cast<std::int64_t>(body_sent_)});
    c.send(*this, out);
    tracer.record(Kind::js_res_end, conn_, {static_cast<std::int64_t>(chunk.size()), static_cast<std::int64_t>(body_sent_)});
    c.response_finished(*this);
}

// ---- the connection's output ----

void HttpConnection::begin_callback() {
    if (server_.corked_by == nullptr) server_.corked_by = this;
    if (server_.corked_by == this) ++cork_depth_;
}

void HttpConnection::end_callback() {
    if (server_.corked_by != this || cork_depth_ == 0) return;
    if (--cork_depth_ != 0) return;
    flush_cork();
    server_.corked_by = nullptr;
    emit_drain_if_below_mark();
}

void HttpConnection::flush_cork() {
    if (server_.corked_by != this || server_.cork.empty()) return;
    if (!closed_ && !ended_) stream_->write(server_.cork);
    server_.cork.clear();
}

bool HttpConnection::send(HttpExchange& ex, std::string_view bytes) {
    const std::uint64_t hwm = server_.high_water_mark;
    if (closed_ || ended_) return false;
    if (responses_.empty() || responses_.front().get() != &ex) {
        // An earlier response on this connection is not finished: Node keeps
        // these bytes with the response (outputData) until it is.
        ex.waiting_ += bytes;
        return ex.waiting_.size() < hwm;
    }
    if (bytes.empty()) return writable_length() < hwm;
    if (server_.corked_by == this) {
        server_.cork += bytes;
        return writable_length() < hwm;
    }
    return stream_->write(bytes);
}

void HttpConnection::response_finished(HttpExchange& ex) {
    if (responses_.empty() || responses_.front().get() != &ex) return;  // it goes out when its turn comes
    // This one and every finished one queued behind it leave in order; the
    // first unfinished one then writes straight to the socket.
    while (!responses_.empty() && !closed_) {
        std::shared_ptr<HttpExchange> front = responses_.front();
        if (!front->waiting_.empty()) {
            std::string bytes = std::move(front->waiting_);
            front->waiting_.clear();
            send(*front, bytes);
        }
        if (!front->finished_) break;
        ++served_;
        responses_.erase(responses_.begin());
        if (!front->keep_alive_) {
            // resOnFinish: Connection: close ends the socket (a FIN after the
            // bytes); later pipelined requests get no response.
            for (auto& later : responses_) later->connection_ = nullptr;
            responses_.clear();
            if (in_message_ && parsing_ == front) {
                last_message_ = true;  // its http.message_complete and js.req_end still come
            } else {
                input_done_ = true;
                if (parsing_) parsing_->connection_ = nullptr;
                parsing_.reset();
            }
            flush_cork();
            ended_ = true;
            stream_->end();
            return;
        }
    }
    if (closed_) return;
    if (responses_.empty() && !in_message_ && !input_done_) arm_keep_alive();
    // The new oldest response may have been waiting for 'drain'.
    if (server_.corked_by != this) emit_drain_if_below_mark();
}

void HttpConnection::emit_drain_if_below_mark() {
    // socketOnDrain: the response being written hears 'drain' if a write of
    // its returned false and its bytes have left user space.
    if (closed_ || responses_.empty()) return;
    std::shared_ptr<HttpExchange> front = responses_.front();
    if (!front->need_drain_ || front->finished_ || writable_length() >= server_.high_water_mark) return;
    front->need_drain_ = false;
    server_.handler.on_res_drain(*front);
}

}  // namespace loopscope::real
