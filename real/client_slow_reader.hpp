// clients.program "slow-reader" on real sockets: a small receive buffer
// (SO_RCVBUF = clients.recv_buffer) and one read of at most read_bytes
// every read_interval_ns, however much is waiting, so its receive buffer
// fills, its window closes and the server's writes back up. It closes once
// it has read the server's FIN.
#pragma once

#include <memory>

#include "real/client_host.hpp"

namespace loopscope::real {

std::unique_ptr<ClientProgram> make_slow_reader_client(Loop& loop, const sim::Scenario& scenario, RunNotes& notes);

// Paces a connection's reads: pause() at once, then every interval one
// resume() for a single read of at most read_bytes (the stream's
// max_read_bytes), paused again as soon as it arrives. The next read is
// due an interval after this one, so reads are never closer than that.
// Shared by slow-reader and http-get's read_slowly.
class ReadPacer {
public:
    ReadPacer(ClientConnection& connection, Nanos interval) : connection_(connection), interval_(interval) {}
    ~ReadPacer();
    ReadPacer(const ReadPacer&) = delete;
    ReadPacer& operator=(const ReadPacer&) = delete;

    void start(Loop& loop);  // on connect: nothing is read until the first interval has passed
    void on_read();          // from data_hook/end_hook: pause and wait an interval
    void stop();             // the connection closed

private:
    void schedule();
    ClientConnection& connection_;
    Loop* loop_ = nullptr;
    Nanos interval_;
    TimerId timer_ = 0;
    bool timer_pending_ = false;
    bool stopped_ = false;
};

}  // namespace loopscope::real
