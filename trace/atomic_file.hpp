// Writing a file so that a crash, a full disk or Ctrl-C never leaves half of
// it behind: the bytes go to a temporary file beside the target, which is
// renamed over the target only once everything is written. Traces and
// screenshots both go through here.
#pragma once

#include <functional>
#include <iosfwd>
#include <optional>
#include <string>

namespace loopscope::trace {

// Calls `write` with a stream into a temporary file beside `path`, then
// renames it over `path`. A symbolic link is followed (the link stays, its
// target gets the bytes). A device or a pipe (/dev/null, /dev/stdout, a FIFO)
// cannot be replaced by a rename and must not be: it is written into
// directly. Throws std::runtime_error naming the path on any failure,
// leaving no temporary file; exceptions from `write` are reported the same.
void write_file_atomically(const std::string& path, const std::function<void(std::ostream&)>& write);

// Why write_file_atomically(path) would fail for lack of a place to write
// ("cannot write out/t.jsonl: no such directory"), found before a long run
// starts instead of after it; nullopt when a file can be created there (a
// temporary file is created and removed to find out).
std::optional<std::string> cannot_write(const std::string& path);

}  // namespace loopscope::trace
