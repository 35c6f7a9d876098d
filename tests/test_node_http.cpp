// The simulator's http.Server against real Node 20's: the exact bytes of a
// response (tests/node/http_framing.js). The Date header's value is the one
// thing allowed to differ (Node's is the wall clock, the simulator's is
// derived from virtual time), so both sides replace it by "<date>".
#include <catch2/catch.hpp>
#include <regex>
#include <string>

#include "node_compare_support.hpp"
#include "sim/http_server.hpp"
#include "sim_test_support.hpp"

using namespace loopscope;
using nlohmann::json;
using trace::Kind;

namespace {

// http_framing.js's request handlers, by the names the script prints.
class FramingHandler final : public sim::HttpHandler {
public:
    explicit FramingHandler(std::string program) : program_(std::move(program)) {}

    void on_request(sim::HttpApi& http, sim::RequestId req) override {
        if (program_ == "write-end") {
            http.write(req, "Hello world");
            http.end(req);
        } else if (program_ == "write-write-end") {
            http.write(req, "Hello");
            http.write(req, " world");
            http.end(req);
        } else if (program_ == "end-with-body") {
            http.end(req, "Hello world");
        } else {
            FAIL("http_framing.js printed an unknown program: " << program_);
        }
    }

private:
    std::string program_;
};

std::string without_date(const std::string& response) {
    static const std::regex date("\r\nDate: [^\r]*\r\n");
    return std::regex_replace(response, date, "\r\nDate: <date>\r\n", std::regex_constants::format_first_only);
}

// Every byte the server's libuv handed to the kernel on connection 1, from
// the loop.write events' data (these responses are short, printable text).
std::string server_bytes(const trace::Trace& t) {
    std::string out;
    for (std::size_t i : test::find_all(t, Kind::loop_write, [](const trace::Event& e) {
             return e.host == sim::server_host && e.conn == 1;
         })) {
        const auto data = t.text(t.arg(t[i], "data"));
        REQUIRE(data.size() == static_cast<std::size_t>(test::field(t, i, "accepted")));
        out += data;
    }
    return out;
}

}  // namespace

TEST_CASE("the simulator's response bytes are Node's: chunked and Content-Length framing", "[node][http]") {
    const auto node = test::node_result("http_framing.js");
    if (!node) return;
    std::size_t compared = 0;
    for (const json& r : node->at("responses")) {
        // The simulated browser keeps its connection alive; Node's answers to
        // "Connection: close" are printed for the docs but not compared.
        if (!r.at("keep_alive").get<bool>()) continue;
        const std::string program = r.at("program").get<std::string>();
        auto scenario = test::basic_scenario();
        scenario.server.program = "hello";
        scenario.clients.program = "http-get";
        scenario.stop_ns = 1'000'000'000;
        const auto t = test::run(scenario, std::make_unique<sim::HttpServer>(
                                               scenario.server, std::make_unique<FramingHandler>(program)));
        const std::string node_bytes = r.at("response").get<std::string>();
        const std::string sim_bytes = without_date(server_bytes(t));
        INFO(program << ":\n  Node:      " << json(node_bytes).dump() << "\n  simulator: " << json(sim_bytes).dump());
        CHECK(sim_bytes == node_bytes);
        ++compared;
    }
    CHECK(compared == 3);
}
