#include "sim/http_parser.hpp"

#include <http_parser.h>

namespace loopscope::sim {

struct HttpParser::State {
    http_parser parser{};
    HttpParserEvents* events = nullptr;
    HttpHead head;
    // Bytes of URL, status and header names and values, as Node counts them
    // against --max-http-header-size (Parser::TrackHeader).
    std::uint64_t header_bytes = 0;
    bool header_overflow = false;
    std::uint32_t messages = 0;
    bool new_header_line = false;  // the next field-name piece starts a header line

    static State& of(http_parser* p) { return *static_cast<State*>(p->data); }

    int track(std::size_t n) {
        header_bytes += n;
        if (header_bytes >= node_max_header_bytes) {
            header_overflow = true;
            return 1;  // stops the parser (HPE_CB_*); reported as HPE_HEADER_OVERFLOW
        }
        return 0;
    }
};

namespace {

using State = HttpParser::State;

int on_message_begin(http_parser* p) {
    State& s = State::of(p);
    s.head = HttpHead{};
    s.header_bytes = 0;
    s.new_header_line = true;
    ++s.messages;
    s.events->on_message_begin();
    return 0;
}

int on_url(http_parser* p, const char* at, std::size_t n) {
    State& s = State::of(p);
    s.head.url.append(at, n);
    s.events->on_url(std::string_view(at, n));
    return s.track(n);
}

int on_status(http_parser* p, const char*, std::size_t n) { return State::of(p).track(n); }

int on_header_field(http_parser* p, const char*, std::size_t n) {
    State& s = State::of(p);
    // A field name starts a new header line; http-parser calls this once
    // per piece, and the value callback always comes between two names.
    if (s.new_header_line) {
        ++s.head.headers;
        s.new_header_line = false;
    }
    return s.track(n);
}

int on_header_value(http_parser* p, const char*, std::size_t n) {
    State& s = State::of(p);
    s.new_header_line = true;
    return s.track(n);
}

int on_headers_complete(http_parser* p) {
    State& s = State::of(p);
    HttpHead& h = s.head;
    if (p->type == HTTP_REQUEST) h.method = http_method_str(static_cast<http_method>(p->method));
    h.status = p->status_code;
    h.http_major = p->http_major;
    h.http_minor = p->http_minor;
    h.keep_alive = http_should_keep_alive(p) != 0;
    h.chunked = (p->flags & F_CHUNKED) != 0;
    h.has_content_length = (p->flags & F_CONTENTLENGTH) != 0;
    h.content_length = h.has_content_length ? p->content_length : 0;
    s.events->on_headers_complete(h);
    return 0;
}

int on_body(http_parser* p, const char* at, std::size_t n) {
    State::of(p).events->on_body(std::string_view(at, n));
    return 0;
}

int on_message_complete(http_parser* p) {
    State::of(p).events->on_message_complete();
    return 0;
}

int on_chunk_header(http_parser* p) {
    // The final chunk's header (size 0) is reported too; it ends the body.
    State::of(p).events->on_chunk_header(p->content_length);
    return 0;
}

int on_chunk_complete(http_parser* p) {
    State::of(p).events->on_chunk_complete();
    return 0;
}

http_parser_settings make_settings() {
    http_parser_settings s;
    http_parser_settings_init(&s);
    s.on_message_begin = on_message_begin;
    s.on_url = on_url;
    s.on_status = on_status;
    s.on_header_field = on_header_field;
    s.on_header_value = on_header_value;
    s.on_headers_complete = on_headers_complete;
    s.on_body = on_body;
    s.on_message_complete = on_message_complete;
    s.on_chunk_header = on_chunk_header;
    s.on_chunk_complete = on_chunk_complete;
    return s;
}

const http_parser_settings settings = make_settings();

}  // namespace

HttpParser::HttpParser(Mode mode, HttpParserEvents& events) : state_(std::make_unique<State>()) {
    http_parser_init(&state_->parser, mode == Mode::request ? HTTP_REQUEST : HTTP_RESPONSE);
    state_->parser.data = state_.get();
    state_->events = &events;
}

HttpParser::~HttpParser() = default;

std::uint32_t HttpParser::messages() const { return state_->messages; }

void HttpParser::feed(std::string_view bytes) {
    if (failed() || bytes.empty()) return;
    State& s = *state_;
    const std::size_t parsed = http_parser_execute(&s.parser, &settings, bytes.data(), bytes.size());
    const auto err = HTTP_PARSER_ERRNO(&s.parser);
    if (s.header_overflow) error_ = "HPE_HEADER_OVERFLOW";
    else if (err != HPE_OK) error_ = http_errno_name(err);
    else if (s.parser.upgrade) error_ = "HPE_UPGRADE";  // no upgrades (WebSocket) in this model
    else if (parsed != bytes.size()) error_ = "HPE_UNKNOWN";
    if (failed()) s.events->on_error(error_);
}

void HttpParser::finish() {
    if (failed()) return;
    State& s = *state_;
    http_parser_execute(&s.parser, &settings, nullptr, 0);
    const auto err = HTTP_PARSER_ERRNO(&s.parser);
    if (err != HPE_OK) {
        error_ = http_errno_name(err);
        s.events->on_error(error_);
    }
}

}  // namespace loopscope::sim
