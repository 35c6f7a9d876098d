#include "real/client_uploader.hpp"

#include <algorithm>

#include "sim/client_program.hpp"

namespace loopscope::real {
namespace {

// Each write offers at most this much: libuv reads 64 KiB at a time on the
// other side, and the upload never has to be built in memory at once.
constexpr std::uint64_t upload_chunk_bytes = 65536;

class UploadConnection final : public ClientConnection {
public:
    UploadConnection(ClientHost& host, std::uint32_t client, std::uint64_t bytes, bool end_when_sent)
        : ClientConnection(host, client), left_(bytes), end_when_sent_(end_when_sent) {}

private:
    void connected_hook() override { send_pending(); }
    void drain_hook() override { send_pending(); }
    void closed_hook() override { host().client_finished(client()); }

    // Writes until write() says to wait for 'drain' or everything is out.
    void send_pending() {
        bool room = true;
        while (room && left_ > 0 && !closed()) {
            const std::uint64_t n = std::min(left_, upload_chunk_bytes);
            room = write(sim::filler_bytes(sent(), n));
            left_ -= n;
        }
        if (left_ == 0 && end_when_sent_) end();
    }

    std::uint64_t left_;  // bytes not yet handed to write()
    bool end_when_sent_;
};

class UploaderClient final : public ClientHost {
public:
    UploaderClient(Loop& loop, const sim::Scenario& scenario) : ClientHost(loop, scenario) {}

private:
    void start_client(std::uint32_t client) override {
        open(std::make_unique<UploadConnection>(*this, client, params().upload_bytes, params().close_when_done),
             client_stream_options(scenario()));
    }
};

}  // namespace

std::unique_ptr<ClientProgram> make_uploader_client(Loop& loop, const sim::Scenario& scenario, RunNotes&) {
    return std::make_unique<UploaderClient>(loop, scenario);
}

}  // namespace loopscope::real
