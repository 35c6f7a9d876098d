#include "ui/terminal.hpp"

#include <csignal>
#include <iterator>
#include <termios.h>
#include <unistd.h>

namespace loopscope::ui {

namespace {

// A signal handler receives no context, so the terminal settings to restore
// must live where it can reach them. This is the one piece of static state
// in the stepper; it is only written while a RawTerminal is alive.
struct termios saved_settings;
volatile std::sig_atomic_t settings_saved = 0;
// The signals that end the process while the terminal is raw: Ctrl-C, kill,
// and the terminal going away. Each restores the terminal, then dies as usual.
constexpr int restoring_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
struct sigaction previous_actions[std::size(restoring_signals)];

extern "C" void restore_on_sigint(int signal_number) {
    if (settings_saved) tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_settings);
    std::signal(signal_number, SIG_DFL);
    std::raise(signal_number);
}

}  // namespace

bool is_interactive_terminal() { return isatty(STDIN_FILENO) == 1 && isatty(STDOUT_FILENO) == 1; }

RawTerminal::RawTerminal() {
    if (!is_interactive_terminal() || tcgetattr(STDIN_FILENO, &saved_settings) != 0) return;
    settings_saved = 1;
    struct sigaction action {};
    action.sa_handler = restore_on_sigint;
    sigemptyset(&action.sa_mask);
    for (std::size_t i = 0; i < std::size(restoring_signals); ++i)
        sigaction(restoring_signals[i], &action, &previous_actions[i]);

    struct termios raw = saved_settings;
    // No echo, no line editing, and Ctrl-C as a plain byte so quitting goes
    // through the normal path. Output processing stays on, so "\n" still
    // starts a new line at column 1.
    raw.c_lflag &= static_cast<tcflag_t>(~(ECHO | ICANON | ISIG | IEXTEN));
    raw.c_iflag &= static_cast<tcflag_t>(~(IXON | ICRNL));
    raw.c_cc[VMIN] = 1;
    raw.c_cc[VTIME] = 0;
    active_ = tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw) == 0;
}

RawTerminal::~RawTerminal() {
    if (!settings_saved) return;
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_settings);
    for (std::size_t i = 0; i < std::size(restoring_signals); ++i)
        sigaction(restoring_signals[i], &previous_actions[i], nullptr);
    settings_saved = 0;
}

Key RawTerminal::read_key() const {
    char buffer[8];
    const ssize_t n = read(STDIN_FILENO, buffer, sizeof buffer);
    if (n <= 0) return Key::quit;
    if (n == 1) {
        switch (buffer[0]) {
            case '\r': case '\n': case ' ': case 'l': return Key::next;
            case 'b': case 'h': case 0x7f: return Key::back;
            case 'n': return Key::next_caption;
            case 'p': return Key::previous_caption;
            case 'g': return Key::first;
            case 'G': return Key::last;
            case 'q': case 0x03: case 0x04: case 0x1b: return Key::quit;
            default: return Key::other;
        }
    }
    // Escape sequences: arrows "\e[C" "\e[D", Home "\e[H" "\e[1~" "\eOH",
    // End "\e[F" "\e[4~" "\eOF".
    if (buffer[0] == 0x1b && (buffer[1] == '[' || buffer[1] == 'O') && n >= 3) {
        switch (buffer[2]) {
            case 'C': return Key::next;
            case 'D': return Key::back;
            case 'H': return Key::first;
            case 'F': return Key::last;
            case '1': case '7': return Key::first;
            case '4': case '8': return Key::last;
            default: return Key::other;
        }
    }
    return Key::other;
}

}  // namespace loopscope::ui
