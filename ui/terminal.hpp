// The terminal under the stepper: raw key-at-a-time input through termios,
// always restored (on return, on exceptions and on SIGINT), and the keys the
// stepper understands.
#pragma once

#include <optional>

namespace loopscope::ui {

enum class Key { next, back, next_caption, previous_caption, first, last, quit, other };

// True when standard input and output are both a terminal, so waiting for
// keys makes sense. Anything else (a pipe, a file, a test) never waits.
bool is_interactive_terminal();

// Puts the terminal in raw mode (no echo, no line buffering) for its
// lifetime. Ctrl-C arrives as a key and quits; a SIGINT from elsewhere
// restores the terminal before the default handler ends the process.
class RawTerminal {
public:
    RawTerminal();
    ~RawTerminal();
    RawTerminal(const RawTerminal&) = delete;
    RawTerminal& operator=(const RawTerminal&) = delete;

    bool active() const { return active_; }
    // Blocks until a key is pressed; Key::quit at end of input.
    Key read_key() const;

private:
    bool active_ = false;
};

}  // namespace loopscope::ui
