// The simulator's HTTP against real Node 20's: the exact bytes of a response
// (tests/node/http_framing.js; the Date header's value is the one thing
// allowed to differ, Node's being the wall clock and the simulator's derived
// from virtual time, so both sides replace it by "<date>"), and how many
// connections a page load opens and how many requests each carries
// (tests/node/keepalive.js).
#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <regex>
#include <string>
#include <vector>

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
        const std::string program = r.at("program").get<std::string>();
        const bool keep_alive = r.at("keep_alive").get<bool>();
        auto scenario = test::basic_scenario();
        scenario.server.program = "hello";
        // http-get asks with "Connection: keep-alive"; the browser without
        // keep-alive asks with "Connection: close" (its first request, the
        // page, is the one on connection 1).
        scenario.clients.program = keep_alive ? "http-get" : "browser";
        scenario.clients.keep_alive = keep_alive;
        scenario.clients.page_loads = 1;
        scenario.stop_ns = 1'000'000'000;
        const auto t = test::run(scenario, std::make_unique<sim::HttpServer>(
                                               scenario.server, std::make_unique<FramingHandler>(program)));
        const std::string node_bytes = r.at("response").get<std::string>();
        const std::string sim_bytes = without_date(server_bytes(t));
        INFO(program << (keep_alive ? " (keep-alive)" : " (close)") << ":\n  Node:      " << json(node_bytes).dump()
                     << "\n  simulator: " << json(sim_bytes).dump());
        CHECK(sim_bytes == node_bytes);
        ++compared;
    }
    CHECK(compared == 6);
}

namespace {

struct PageLoad {
    bool keep_alive;
    std::uint32_t max_connections;
    std::uint32_t requests;  // the page and requests - 1 resources
    const char* node_max_sockets;
};

// keepalive.js's page load against the browser and site programs.
void compare_page_load(const PageLoad& setting) {
    const auto node = test::node_result("keepalive.js", {setting.keep_alive ? "on" : "off", setting.node_max_sockets,
                                                         std::to_string(setting.requests), "page"});
    if (!node) return;

    auto scenario = test::basic_scenario();
    scenario.server.program = "site";
    scenario.server.site_html_bytes = 1000;  // keepalive.js answers 1000 bytes to everything
    scenario.server.site_css_bytes = 1000;
    scenario.server.site_js_bytes = 1000;
    scenario.server.site_image_bytes = 1000;
    scenario.server.site_images = setting.requests - 3;  // the page, a stylesheet, a script, the images
    scenario.clients.program = "browser";
    scenario.clients.keep_alive = setting.keep_alive;
    scenario.clients.max_connections = setting.max_connections;
    scenario.clients.page_loads = 1;
    scenario.stop_ns = 10'000'000'000;
    const auto t = test::run(scenario);

    std::map<std::int32_t, std::uint64_t> per_connection;
    for (std::size_t i : test::find_all(t, Kind::js_connection)) per_connection[t[i].conn] = 0;
    for (std::size_t i : test::find_all(t, Kind::js_request)) ++per_connection[t[i].conn];
    std::vector<std::uint64_t> sim_counts;
    for (const auto& [conn, n] : per_connection) sim_counts.push_back(n);
    // Which connection carries more depends on which finished first; the
    // counts are compared as a multiset.
    auto node_counts = node->at("requests_per_connection").get<std::vector<std::uint64_t>>();
    std::sort(sim_counts.rbegin(), sim_counts.rend());
    std::sort(node_counts.rbegin(), node_counts.rend());

    INFO("keep-alive " << setting.keep_alive << ", " << setting.max_connections << " connections, "
                       << setting.requests << " requests: Node printed " << node->dump() << ", the simulator "
                       << json(sim_counts).dump());
    CHECK(node->at("connection_headers") == json::array({setting.keep_alive ? "keep-alive" : "close"}));
    CHECK(sim_counts.size() == node->at("connections").get<std::size_t>());
    CHECK(sim_counts == node_counts);
    CHECK(test::count(t, Kind::js_request) == setting.requests);
}

}  // namespace

TEST_CASE("the browser opens Node's number of connections and carries Node's number of requests on each",
          "[node][http][keepalive]") {
    // Without keep-alive the browser says "Connection: close" on every
    // request. Node's agent says so only with maxSockets Infinity: with a
    // finite maxSockets it says "keep-alive" and hands a finished socket to a
    // queued request (measured: keepalive.js off 2 7 page gives 3
    // connections carrying 1, 3 and 3), which is not what a browser
    // without keep-alive does, so that is the Node run compared.
    compare_page_load(GENERATE(PageLoad{true, 6, 7, "6"}, PageLoad{true, 1, 7, "1"}, PageLoad{true, 2, 7, "2"},
                               PageLoad{true, 2, 9, "2"}, PageLoad{false, 6, 7, "Infinity"},
                               PageLoad{false, 2, 7, "Infinity"}));
}

// A known difference, reported rather than hidden: with 3 connections for 13
// requests Node's agent puts 6, 4 and 3 on them, the simulated browser 5, 4
// and 4. While Node's two new connections are still being set up (accept,
// 'connection' and the agent's socket setup all run JavaScript on both
// sides), the first one serves two more requests; the simulated client has no
// event loop, so its new connections are ready after one round trip.
TEST_CASE("with more requests than connections, the first connection carries Node's share", "[node][http][keepalive][!mayfail]") {
    compare_page_load(PageLoad{true, 3, 13, "3"});
}
