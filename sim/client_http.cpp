#include "sim/client_http.hpp"

namespace loopscope::sim {

std::string browser_get(std::string_view path, std::string_view host, std::string_view accept, bool keep_alive) {
    std::string r = "GET ";
    r += path;
    r += " HTTP/1.1\r\nHost: ";
    r += host;
    r += "\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\nAccept: ";
    r += accept;
    r += "\r\nAccept-Language: en-US,en;q=0.5\r\nAccept-Encoding: gzip, deflate, br, zstd\r\nConnection: ";
    r += keep_alive ? "keep-alive" : "close";
    r += "\r\n\r\n";
    return r;
}

void HttpClientConnection::pump(ClientApi& api, Nanos now, std::int32_t conn) {
    if (out_.empty() || api.ended(conn) || api.closed(conn)) return;
    const ClientWrite w = api.write(now, conn, out_, out_.size());
    out_.erase(0, static_cast<std::size_t>(w.accepted));
}

void HttpClientConnection::receive(ClientApi& api, Nanos now, std::int32_t conn) {
    const std::string bytes = api.read(now, conn, ~std::uint64_t{0});
    if (!bytes.empty()) parser_.feed(bytes);
    if (api.eof(conn)) parser_.finish();
}

}  // namespace loopscope::sim
