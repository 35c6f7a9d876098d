#include "real/https_server.hpp"

#include "real/http_server.hpp"
#include "real/tls_server.hpp"

#include <stdexcept>
#include <string>

namespace loopscope::real {

namespace {

class HttpsServerProgram final : public ServerProgram {
public:
    HttpsServerProgram(Loop& loop, std::unique_ptr<HttpServerProgram> http, TlsContext context)
        : http_(std::move(http)),
          tls_(loop, http_->options().listener_id, std::move(context), http_->options().stream,
               [this](std::unique_ptr<TlsStream> stream) { http_->adopt(std::move(stream)); }) {}

    std::error_code listen(const std::string& address, std::uint16_t port) override {
        return tls_.listen(address, port, http_->options().backlog);
    }
    std::uint16_t port() const override { return tls_.port(); }
    std::uint32_t backlog() const override { return tls_.backlog(); }
    // Connections still in their handshake count too: they are open.
    std::size_t open_connections() const override { return tls_.handshaking() + http_->open_connections(); }
    bool has_own_work() const override { return http_->has_own_work(); }
    void close() override {
        tls_.close();
        http_->close();
    }

private:
    // Declared first: the TLS server hands streams to it until its own end.
    std::unique_ptr<HttpServerProgram> http_;
    TlsServer tls_;
};

std::string signature_title(std::string_view signature) {
    return signature == "rsa-2048" ? "RSA-2048" : "ECDSA P-256";
}

}  // namespace

std::unique_ptr<ServerProgram> make_https_server(Loop& loop, const sim::Scenario& scenario, RunNotes& notes) {
    std::unique_ptr<HttpServerProgram> http;
    try {
        http = make_http_server_program(loop, scenario, notes);
    } catch (const std::invalid_argument& error) {
        throw std::invalid_argument(std::string(error.what()) +
                                    "; with server.tls real mode serves the HTTP programs over TLS (https)");
    }
    TlsContext context = TlsContext::server(TlsServerSettings::from(scenario.server));
    notes.add("HTTPS: TLS " + std::string(scenario.server.tls_version == 12 ? "1.2" : "1.3") +
              " with a self-signed certificate for localhost made for this run (" +
              signature_title(scenario.server.tls_signature) + ", " +
              std::to_string(context.certificate()->der_bytes()) + " bytes).");
    return std::make_unique<HttpsServerProgram>(loop, std::move(http), std::move(context));
}

}  // namespace loopscope::real
