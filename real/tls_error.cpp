#include "real/tls_error.hpp"

#include <openssl/err.h>

#include <string>

namespace loopscope::real {

namespace {

class TlsCategory final : public std::error_category {
public:
    const char* name() const noexcept override { return "tls"; }
    std::string message(int value) const override {
        char text[256];
        ERR_error_string_n(static_cast<unsigned long>(value), text, sizeof text);
        return text;
    }
};

}  // namespace

const std::error_category& tls_category() noexcept {
    // One immutable instance, as std::generic_category() is: error_code
    // compares categories by address.
    static const TlsCategory category;
    return category;
}

std::error_code take_tls_error(std::error_code fallback) {
    const unsigned long code = ERR_get_error();
    ERR_clear_error();
    if (code == 0) return fallback;
    // OpenSSL 3 packs the library into bits 23..30 and the reason below:
    // the code fits an int.
    return {static_cast<int>(code & 0x7fffffffUL), tls_category()};
}

}  // namespace loopscope::real
