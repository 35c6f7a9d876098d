// clients.program "slow-reader": takes read_bytes every read_interval_ns,
// however much is waiting, so its receive buffer fills and its window
// closes; it closes once it has read the server's FIN.
#include "sim/client_program.hpp"

namespace loopscope::sim {
namespace {

class SlowReaderClient final : public ClientProgram {
public:
    explicit SlowReaderClient(const Scenario& scenario) : params_(scenario.clients) {}

    void on_connected(ClientApi& api, Nanos now, std::int32_t conn) override {
        api.set_timer(now, conn, params_.read_interval_ns, 0);
    }

    void on_timer(ClientApi& api, Nanos now, std::int32_t conn, std::uint64_t) override {
        api.read(now, conn, params_.read_bytes);
        if (!api.eof(conn)) api.set_timer(now, conn, params_.read_interval_ns, 0);
    }

private:
    ClientParams params_;
};

}  // namespace

std::unique_ptr<ClientProgram> make_slow_reader_client(const Scenario& scenario) {
    return std::make_unique<SlowReaderClient>(scenario);
}

}  // namespace loopscope::sim
