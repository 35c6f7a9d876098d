#include "real/client_slow_reader.hpp"

#include <algorithm>

namespace loopscope::real {

// ---- ReadPacer ----

ReadPacer::~ReadPacer() { stop(); }

void ReadPacer::start(Loop& loop) {
    loop_ = &loop;
    connection_.pause();
    schedule();
}

void ReadPacer::on_read() {
    if (stopped_) return;
    connection_.pause();
    schedule();
}

void ReadPacer::stop() {
    stopped_ = true;
    if (timer_pending_ && loop_ != nullptr) loop_->stop_timer(timer_);
    timer_pending_ = false;
}

void ReadPacer::schedule() {
    if (stopped_ || connection_.closed() || connection_.eof()) return;
    if (timer_pending_) loop_->stop_timer(timer_);
    timer_pending_ = true;
    timer_ = loop_->start_timer(interval_, [this] {
        timer_pending_ = false;
        if (stopped_ || connection_.closed()) return;
        // One read: on_read() pauses the stream again when it has happened.
        connection_.resume();
    });
}

namespace {

class SlowReadConnection final : public ClientConnection {
public:
    SlowReadConnection(ClientHost& host, std::uint32_t client, Nanos interval)
        : ClientConnection(host, client), pacer_(*this, interval) {}

private:
    void connected_hook() override { pacer_.start(host().loop()); }
    void data_hook(std::string_view) override { pacer_.on_read(); }
    // The server's FIN was read: the stream ends and closes by itself.
    void end_hook() override { pacer_.stop(); }
    void closed_hook() override {
        pacer_.stop();
        host().client_finished(client());
    }

    ReadPacer pacer_;
};

class SlowReaderClient final : public ClientHost {
public:
    SlowReaderClient(Loop& loop, const sim::Scenario& scenario) : ClientHost(loop, scenario) {}

private:
    void start_client(std::uint32_t client) override {
        StreamOptions options = client_stream_options(scenario(), true);
        options.max_read_bytes = std::max<std::uint64_t>(1, params().read_bytes);
        open(std::make_unique<SlowReadConnection>(*this, client, params().read_interval_ns), options);
    }
};

}  // namespace

std::unique_ptr<ClientProgram> make_slow_reader_client(Loop& loop, const sim::Scenario& scenario, RunNotes&) {
    return std::make_unique<SlowReaderClient>(loop, scenario);
}

}  // namespace loopscope::real
