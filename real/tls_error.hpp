// OpenSSL's errors as std::error_code, so a TLS failure reaches a
// program's on_error() the same way a socket error does. The code's value
// is OpenSSL's packed error (library and reason); message() is OpenSSL's
// own text, e.g. "error:0A00010B:SSL routines::wrong version number".
#pragma once

#include <system_error>

namespace loopscope::real {

const std::error_category& tls_category() noexcept;

// The oldest error on this thread's OpenSSL error queue, which it then
// clears (OpenSSL keeps one queue per thread, so a stale entry would be
// blamed on the next call). `fallback` when the queue is empty.
std::error_code take_tls_error(std::error_code fallback = std::make_error_code(std::errc::protocol_error));

}  // namespace loopscope::real
