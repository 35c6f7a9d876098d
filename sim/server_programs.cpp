// The JavaScript the server runs in each lesson, written as callbacks the
// way the chapter writes them (net.createServer(socket => ...)).
#include <algorithm>
#include <map>
#include <stdexcept>

#include "sim/http_server.hpp"
#include "sim/node_runtime.hpp"

namespace loopscope::sim {
namespace {

// socket.on("data", data => socket.write("You said: " + data));
// With pool_work_ns, each chunk first goes through the thread pool (as
// crypto.pbkdf2 would), and the reply is written from the completion.
class EchoServer final : public ServerProgram {
public:
    explicit EchoServer(Nanos pool_work) : pool_work_(pool_work) {}

    void on_data(NodeApi& node, std::int32_t conn, const std::string& chunk) override {
        if (pool_work_ > 0) {
            waiting_[next_tag_] = chunk;
            node.submit_work(pool_work_, conn, next_tag_++);
            return;
        }
        node.write(conn, "You said: " + chunk);
    }

    void on_work_done(NodeApi& node, std::int32_t conn, std::uint64_t tag) override {
        const auto found = waiting_.find(tag);
        if (found == waiting_.end()) return;
        node.write(conn, "You said: " + found->second);
        waiting_.erase(found);
    }

private:
    Nanos pool_work_;
    std::uint64_t next_tag_ = 0;
    std::map<std::uint64_t, std::string> waiting_;
};

// Counts what arrives and says nothing back.
class SinkServer final : public ServerProgram {};

// On each connection, writes payload_bytes in chunk_bytes pieces. When
// respect_backpressure is set it stops as soon as write() returns false and
// goes on from 'drain', as pipe() does.
class PayloadServer final : public ServerProgram {
public:
    explicit PayloadServer(const ServerParams& params) : params_(params) {
        const std::string_view pattern = "loopscope payload: the bytes a fast writer sends to a slow reader. ";
        chunk_.reserve(params.chunk_bytes);
        while (chunk_.size() < params.chunk_bytes)
            chunk_.append(pattern.substr(0, std::min<std::size_t>(pattern.size(), params.chunk_bytes - chunk_.size())));
    }

    void on_connection(NodeApi& node, std::int32_t conn) override {
        sent_[conn] = 0;
        write_more(node, conn);
    }
    void on_drain(NodeApi& node, std::int32_t conn) override { write_more(node, conn); }

private:
    void write_more(NodeApi& node, std::int32_t conn) {
        std::uint64_t& sent = sent_[conn];
        while (sent < params_.payload_bytes) {
            const std::uint64_t n = std::min<std::uint64_t>(params_.chunk_bytes, params_.payload_bytes - sent);
            sent += n;
            const bool ok = node.write(conn, chunk_.substr(0, n));
            if (!ok && params_.respect_backpressure) return;
        }
        if (params_.close_after_payload) node.end(conn);
    }

    ServerParams params_;
    std::string chunk_;
    std::map<std::int32_t, std::uint64_t> sent_;
};

}  // namespace

std::unique_ptr<ServerProgram> make_server_program(const ServerParams& params) {
    if (params.program == "echo") return std::make_unique<EchoServer>(params.pool_work_ns);
    if (params.program == "sink") return std::make_unique<SinkServer>();
    if (params.program == "payload") return std::make_unique<PayloadServer>(params);
    if (params.program == "hello" || params.program == "site") return make_http_server(params);
    throw std::invalid_argument("unknown server program \"" + params.program + "\"");
}

}  // namespace loopscope::sim
