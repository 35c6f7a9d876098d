// The server programs of server_programs.cpp, written the way a
// thread-per-connection server writes them: a loop of read(), handle,
// write() on one connection. Each answers with the same bytes as its Node
// twin, so a client cannot tell the two models apart except by timing.
#include <algorithm>
#include <stdexcept>

#include "sim/thread_server.hpp"

namespace loopscope::sim {
namespace {

// while ((n = read(fd, buf, sizeof buf)) > 0) write(fd, "You said: " + buf);
class EchoHandler final : public ThreadHandler {
public:
    std::string on_bytes(std::int32_t, const std::string& bytes, Nanos) override {
        std::string out = "You said: ";
        return out.append(bytes);
    }
};

// Reads and discards.
class SinkHandler final : public ThreadHandler {
public:
    std::string on_bytes(std::int32_t, const std::string&, Nanos) override { return {}; }
};

// Writes payload_bytes to each new connection (one blocking write() loop),
// then closes it if close_after_payload says so.
class PayloadHandler final : public ThreadHandler {
public:
    explicit PayloadHandler(const ServerParams& params) : close_(params.close_after_payload) {
        // The same bytes PayloadServer writes: chunk_bytes pieces of the pattern.
        const std::string_view pattern = "loopscope payload: the bytes a fast writer sends to a slow reader. ";
        std::string chunk;
        while (chunk.size() < params.chunk_bytes)
            chunk.append(pattern.substr(0, std::min<std::size_t>(pattern.size(), params.chunk_bytes - chunk.size())));
        payload_.reserve(params.payload_bytes);
        while (payload_.size() < params.payload_bytes)
            payload_.append(chunk, 0, std::min<std::size_t>(chunk.size(), params.payload_bytes - payload_.size()));
    }
    std::string on_accept(std::int32_t) override { return payload_; }
    std::string on_bytes(std::int32_t, const std::string&, Nanos) override { return {}; }
    bool close_after_write(std::int32_t) const override { return close_; }

private:
    bool close_;
    std::string payload_;
};

}  // namespace

std::unique_ptr<ThreadHandler> make_thread_handler(const ServerParams& params) {
    if (params.program == "echo") return std::make_unique<EchoHandler>();
    if (params.program == "sink") return std::make_unique<SinkHandler>();
    if (params.program == "payload") return std::make_unique<PayloadHandler>(params);
    if (params.program == "hello") return make_thread_http_handler(params);
    throw std::invalid_argument("server.program \"" + params.program +
                                "\" has no thread-per-connection version (echo, sink, payload or hello)");
}

}  // namespace loopscope::sim
