// The simulator against real Node 20: each tests/node/*.js script prints
// what Node did, and the same program runs in the simulator. A difference is
// a finding about the model, never a reason to bend the comparison.
#include <catch2/catch.hpp>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "node_compare_support.hpp"
#include "sim_test_support.hpp"

using namespace loopscope;
using nlohmann::json;
using trace::Kind;

namespace {

// --- Ordering of nextTick / promise / immediate / timeout -----------------

// One callback of an ordering case: what registers it, and what it
// registers in turn when it runs.
struct Registered {
    std::string kind;  // tick | promise | immediate | timeout (as ordering.js names them)
    std::string name;
    std::vector<std::size_t> then;
};

std::size_t add_registered(const json& spec, std::vector<Registered>& all) {
    const std::size_t index = all.size();
    all.push_back(Registered{spec.at("kind").get<std::string>(), spec.at("name").get<std::string>(), {}});
    for (const json& child : spec.at("then")) {
        const std::size_t c = add_registered(child, all);
        all[index].then.push_back(c);
    }
    return index;
}

enum class Context : std::uint8_t { data, timer, immediate };

// The case as JavaScript on the simulated server: the first 'data' (or a
// setTimeout(…, 0) or setImmediate queued from it) registers the case's
// callbacks; each one logs its name and registers its own.
class OrderingProgram final : public sim::ServerProgram {
public:
    OrderingProgram(std::vector<Registered> all, std::vector<std::size_t> roots, Context context,
                    std::vector<std::string>* ran)
        : all_(std::move(all)), roots_(std::move(roots)), context_(context), ran_(ran) {}

    void on_data(sim::NodeApi& api, std::int32_t, const std::string&) override {
        if (started_) return;
        started_ = true;
        switch (context_) {
            case Context::data: register_all(api, roots_); break;
            case Context::timer: api.set_timeout(0, context_tag); break;
            case Context::immediate: api.set_immediate(context_tag); break;
        }
    }
    void on_timer(sim::NodeApi& api, std::uint64_t tag) override { context_or_run(api, tag); }
    void on_immediate(sim::NodeApi& api, std::uint64_t tag) override { context_or_run(api, tag); }
    void on_tick(sim::NodeApi& api, std::uint64_t tag) override { run(api, tag); }
    void on_microtask(sim::NodeApi& api, std::uint64_t tag) override { run(api, tag); }

private:
    static constexpr std::uint64_t context_tag = std::numeric_limits<std::uint64_t>::max();

    void context_or_run(sim::NodeApi& api, std::uint64_t tag) {
        if (tag == context_tag) register_all(api, roots_);
        else run(api, tag);
    }
    void run(sim::NodeApi& api, std::uint64_t tag) {
        ran_->push_back(all_[tag].name);
        register_all(api, all_[tag].then);
    }
    void register_all(sim::NodeApi& api, const std::vector<std::size_t>& which) {
        for (std::size_t i : which) {
            const std::string& kind = all_[i].kind;
            if (kind == "tick") api.next_tick(i);
            else if (kind == "promise") api.queue_microtask(i);
            else if (kind == "immediate") api.set_immediate(i);
            else if (kind == "timeout") api.set_timeout(0, i);
            else FAIL("ordering.js registered an unknown kind: " << kind);
        }
    }

    std::vector<Registered> all_;
    std::vector<std::size_t> roots_;
    Context context_;
    std::vector<std::string>* ran_;
    bool started_ = false;
};

// The trace's name for each kind of deferred callback.
std::string deferred_kind(Kind kind) {
    switch (kind) {
        case Kind::js_next_tick: return "tick";
        case Kind::js_microtask: return "promise";
        case Kind::js_immediate: return "immediate";
        case Kind::js_timer: return "timeout";
        default: return {};
    }
}

// --- write() return values ---------------------------------------------------

struct WriteOutcome {
    std::uint64_t high_water_mark = 0;
    std::uint64_t user_space_writes = 0;
    std::uint64_t writable_length_at_false = 0;
    std::uint64_t drains = 0;
    std::uint64_t writable_length_at_drain = 0;
    std::uint64_t written = 0;
};

// write_returns.js as a simulated server: write `chunk` bytes in one
// synchronous loop until a write leaves bytes in user space, count from
// there to the first false, end() on 'drain'.
class WriteProgram final : public sim::ServerProgram {
public:
    WriteProgram(std::uint64_t chunk, WriteOutcome* out) : chunk_(chunk), out_(out) {}

    void on_connection(sim::NodeApi& api, std::int32_t conn) override {
        const std::string data(chunk_, 'x');
        bool returned = true;
        for (;;) {
            returned = api.write(conn, data);
            out_->written += chunk_;
            if (api.writable_length(conn) > 0 || out_->written >= limit) break;
        }
        out_->user_space_writes = 1;
        while (returned) {
            returned = api.write(conn, data);
            out_->written += chunk_;
            ++out_->user_space_writes;
        }
        out_->writable_length_at_false = api.writable_length(conn);
    }
    void on_drain(sim::NodeApi& api, std::int32_t conn) override {
        ++out_->drains;
        out_->writable_length_at_drain = api.writable_length(conn);
        api.end(conn);
    }

private:
    static constexpr std::uint64_t limit = 256u << 20;  // as in write_returns.js
    std::uint64_t chunk_;
    WriteOutcome* out_;
};

// --- who ends first ------------------------------------------------------------

// lifecycle.js's server side: notes 'data' (consecutive ones as one),
// 'end' and 'close'; with `say` it writes that and end()s on 'connection'.
class LifecycleProgram final : public sim::ServerProgram {
public:
    LifecycleProgram(std::string say, std::vector<std::string>* events) : say_(std::move(say)), events_(events) {}

    void on_connection(sim::NodeApi& api, std::int32_t conn) override {
        if (say_.empty()) return;
        api.write(conn, say_);
        api.end(conn);
    }
    void on_data(sim::NodeApi&, std::int32_t, const std::string&) override { note("data"); }
    void on_end(sim::NodeApi&, std::int32_t) override { note("end"); }
    void on_close(sim::NodeApi&, std::int32_t, bool had_error) override { note(had_error ? "close:error" : "close"); }

private:
    void note(const std::string& event) {
        if (events_->empty() || events_->back() != event) events_->push_back(event);
    }
    std::string say_;
    std::vector<std::string>* events_;
};

}  // namespace

TEST_CASE("nextTick, promise, immediate and timeout run in Node's order", "[node][loop]") {
    const auto node = test::node_result("ordering.js");
    if (!node) return;
    const json& cases = node->at("cases");
    REQUIRE(cases.size() >= 54);  // every registration order in each context, and the nested cases
    // Each context, and the trace kind of the callback that is the context.
    const std::map<std::string, std::pair<Context, Kind>> contexts{
        {"data", {Context::data, Kind::js_data}},
        {"timer", {Context::timer, Kind::js_timer}},
        {"immediate", {Context::immediate, Kind::js_immediate}}};
    for (const json& c : cases) {
        std::vector<Registered> all;
        std::vector<std::size_t> roots;
        for (const json& spec : c.at("register")) roots.push_back(add_registered(spec, all));
        std::map<std::string, std::string> kind_of;
        for (const auto& r : all) kind_of[r.name] = r.kind;
        const std::string context_name = c.at("context").get<std::string>();
        REQUIRE(contexts.count(context_name) == 1);
        const auto [context, context_kind] = contexts.at(context_name);
        const auto node_ran = c.at("ran").get<std::vector<std::string>>();

        auto scenario = test::basic_scenario();
        scenario.server.program = "sink";  // the client expects no reply
        scenario.clients.message_bytes = 4;
        scenario.clients.close_when_done = false;
        scenario.stop_ns = 1'000'000'000;
        std::vector<std::string> sim_ran;
        const auto t = test::run(scenario, std::make_unique<OrderingProgram>(all, roots, context, &sim_ran));

        INFO("context " << context_name << ", registered " << c.at("register").dump());
        INFO("Node ran " << json(node_ran).dump() << ", the simulator " << json(sim_ran).dump());
        CHECK(sim_ran == node_ran);
        // The trace tells the same story: the js.* kinds after the 'data'
        // (less the timer or immediate that is the context) follow Node's order.
        std::vector<std::string> node_kinds;
        for (const auto& name : node_ran) node_kinds.push_back(kind_of.at(name));
        std::vector<std::string> trace_kinds;
        const auto data = test::find_all(t, Kind::js_data);
        REQUIRE(data.size() == 1);
        bool context_skipped = context == Context::data;
        for (std::size_t i = data[0] + 1; i < t.size(); ++i) {
            const std::string kind = deferred_kind(t[i].kind);
            if (kind.empty()) continue;
            if (!context_skipped && t[i].kind == context_kind) {
                context_skipped = true;
                continue;
            }
            trace_kinds.push_back(kind);
        }
        CHECK(trace_kinds == node_kinds);
    }
}

TEST_CASE("write() returns what Node's returns against a reader that does not read", "[node][facts]") {
    struct Setting {
        std::uint64_t chunk;
        std::uint64_t high_water_mark;  // 0: the defaults of both
    };
    const Setting setting = GENERATE(Setting{1024, 0}, Setting{5000, 0}, Setting{65536, 0}, Setting{1024, 65536},
                                     Setting{65536, 65536}, Setting{3000, 4096});
    std::vector<std::string> args{std::to_string(setting.chunk)};
    if (setting.high_water_mark != 0) args.push_back(std::to_string(setting.high_water_mark));
    const auto node = test::node_result("write_returns.js", args);
    if (!node) return;

    auto scenario = test::basic_scenario();
    scenario.server.program = "payload";  // the client expects no echo
    if (setting.high_water_mark != 0) scenario.server.high_water_mark = setting.high_water_mark;
    scenario.clients.program = "slow-reader";  // reads nothing for 10 ms, then everything
    scenario.clients.read_bytes = 1u << 30;
    scenario.clients.read_interval_ns = 10'000'000;
    scenario.stop_ns = 10'000'000'000;
    WriteOutcome sim;
    const auto t = test::run(scenario, std::make_unique<WriteProgram>(setting.chunk, &sim));

    INFO("chunk " << setting.chunk << ", Node printed " << node->dump());
    CHECK(scenario.server.high_water_mark == node->at("high_water_mark").get<std::uint64_t>());
    CHECK(sim.user_space_writes == node->at("user_space_writes").get<std::uint64_t>());
    CHECK(sim.user_space_writes - 1 == node->at("trues_before_false").get<std::uint64_t>());
    CHECK(sim.writable_length_at_false == node->at("writable_length_at_false").get<std::uint64_t>());
    CHECK(sim.drains == node->at("drains").get<std::uint64_t>());
    CHECK(sim.writable_length_at_drain == node->at("writable_length_at_drain").get<std::uint64_t>());
    // Both clients got every byte written.
    CHECK(node->at("received") == node->at("written"));
    const auto done = test::find_all(t, Kind::client_done);
    REQUIRE(done.size() == 1);
    CHECK(static_cast<std::uint64_t>(test::field(t, done[0], "received")) == sim.written);
}

TEST_CASE("the socket events when one side ends first match Node's (allowHalfOpen false)", "[node][lifecycle]") {
    const auto node = test::node_result("lifecycle.js");
    if (!node) return;
    const json& programs = node->at("programs");
    REQUIRE(programs.size() == 2);
    for (const json& p : programs) {
        const std::string name = p.at("program").get<std::string>();
        auto scenario = test::basic_scenario();
        scenario.server.program = "payload";  // no echo expected
        std::string say;
        if (name == "client-ends") {
            scenario.clients.program = "uploader";  // writes 5 bytes, then end()
            scenario.clients.upload_bytes = 5;
        } else {
            REQUIRE(name == "server-ends");
            say = "bye";
            scenario.clients.program = "slow-reader";  // reads until EOF, then closes
            scenario.clients.read_interval_ns = 1'000'000;
        }
        scenario.stop_ns = 120'000'000'000;  // past the client's TIME_WAIT
        std::vector<std::string> events;
        const auto t = test::run(scenario, std::make_unique<LifecycleProgram>(say, &events));

        INFO(name << ": Node printed " << p.dump() << ", the simulator's server saw " << json(events).dump());
        CHECK(events == p.at("server_events").get<std::vector<std::string>>());
        const auto done = test::find_all(t, Kind::client_done);
        REQUIRE(done.size() == 1);
        CHECK(static_cast<std::size_t>(test::field(t, done[0], "received")) ==
              p.at("client_received").get<std::string>().size());
        const bool sim_eof = !test::find_all(t, Kind::client_read, [&](const trace::Event& e) {
                                  return t.arg(e, "eof") != 0;
                              }).empty();
        CHECK(sim_eof == p.at("client_eof").get<bool>());
        CHECK(test::final_state(t, 1, sim::server_host) == trace::TcpState::closed);
    }
}
