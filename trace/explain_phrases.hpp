// Phrases that several sentences of the explanation catalogue share: what
// a TCP state, an error, a loop phase or a handshake message means, and how
// each OS's notifier waits.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "trace/explain_sentence.hpp"

namespace loopscope::trace::explain_detail {

std::string segment_name(std::uint8_t flags, std::uint64_t len);
std::string state_meaning(std::string_view state);
std::string error_meaning(std::string_view code);
std::string interest_name(NotifierApi api, std::string_view interest);
std::string phase_meaning(std::string_view phase);
std::string waiter(NotifierApi api);
// A callback's CPU time; -1 (unknown) says nothing rather than "forever".
std::string callback_time(const Sentence& s);
std::string tls_version(const Sentence& s);
// What each handshake message is for, in a sentence.
std::string handshake_meaning(std::string_view message);
// How `level` compares with the highWaterMark, in Node's rule for write().
std::string user_space(const Sentence& s);
// The memory levels a thread's start or end leaves behind.
std::string thread_memory(const Sentence& s);

}  // namespace loopscope::trace::explain_detail
