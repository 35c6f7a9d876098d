// server.program "blocking": chapter §15's mistake, CPU-heavy JavaScript on
// the main thread, for real: the handler spins on the loop's thread.
//   setInterval(() => {}, interval);            // shows event-loop lag
//   http.createServer((req, res) => {
//     if (req.url === "/report") burnCpu(200);  // a synchronous loop
//     res.end(req.url === "/report" ? "report ready" : "Hello world");
//   })
#include "real/http_exchange.hpp"
#include "real/http_handlers.hpp"
#include "trace/trace.hpp"

namespace loopscope::real {
namespace {

using trace::Kind;

class BlockingHandler final : public HttpHandler {
public:
    explicit BlockingHandler(const sim::ServerParams& params) : params_(params) {}
    ~BlockingHandler() override { stop_interval(); }

    void on_listening(Loop& loop) override {
        loop_ = &loop;
        if (params_.interval_ns > 0) arm_interval();
    }
    void on_close(Loop&) override { stop_interval(); }
    bool has_own_work() const override { return params_.interval_ns > 0; }

    void on_request(HttpExchange& res) override {
        const bool slow = res.request().url == params_.slow_path;
        // A busy loop on the clock, as `while (Date.now() < end) {}` in
        // JavaScript: real CPU time on the one thread that runs the loop,
        // so every other socket and the interval wait until it is over.
        if (slow) {
            const Nanos until = monotonic_now() + params_.burn_cpu_ns;
            while (monotonic_now() < until) {
            }
        }
        res.end(slow ? std::string_view("report ready") : std::string_view(params_.hello_body));
    }

private:
    void arm_interval() {
        due_ = monotonic_now() + params_.interval_ns;
        armed_ = true;
        timer_ = loop_->start_timer(params_.interval_ns, [this] { interval_fired(); });
    }

    void interval_fired() {
        armed_ = false;
        const Nanos start = monotonic_now();
        const Nanos late = start > due_ ? start - due_ : 0;
        // The interval's callback is empty; it is here to be late.
        const std::uint32_t rec = loop_->tracer().record(Kind::js_timer, trace::no_conn, {late, 0});
        loop_->tracer().set_field(rec, 1, monotonic_now() - start);
        // setInterval re-arms from the time its callback ran, so lag does
        // not pile up into a burst of late calls.
        arm_interval();
    }

    void stop_interval() {
        if (!armed_ || loop_ == nullptr) return;
        armed_ = false;
        loop_->stop_timer(timer_);
    }

    sim::ServerParams params_;
    Loop* loop_ = nullptr;
    TimerId timer_ = 0;
    Nanos due_ = 0;
    bool armed_ = false;
};

}  // namespace

std::unique_ptr<HttpHandler> make_blocking_handler(const sim::ServerParams& params) {
    return std::make_unique<BlockingHandler>(params);
}

}  // namespace loopscope::real
