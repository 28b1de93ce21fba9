// Drawing frames on a terminal or a pipe.
#include "screen.hpp"

#include "file_text.hpp"

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <sys/ioctl.h>
#include <unistd.h>

namespace om::sub {

namespace {
// DEC private modes: 1049 the alternate screen (with the cursor saved), 25 the cursor.
constexpr char kTake[] = "\x1b[?1049h\x1b[?25l";
constexpr char kGiveBack[] = "\x1b[?25h\x1b[?1049l";

std::atomic<bool> g_resized{false};
std::atomic<bool> g_taken{false};

void on_winch(int) {
    g_resized = true;
}

// At exit too (an exception that ends main, std::exit): the terminal is never left without
// its cursor, or on the alternate screen.
void give_back() {
    if (g_taken.exchange(false)) (void)!::write(STDOUT_FILENO, kGiveBack, sizeof kGiveBack - 1);
}
} // namespace

Screen::Screen(bool terminal) : terminal_(terminal) {
    if (!terminal_) return;
    static const bool registered = std::atexit(give_back) == 0;
    (void)registered;
    std::signal(SIGWINCH, on_winch);
    g_taken = true;
    (void)write_all(STDOUT_FILENO, kTake);
}

Screen::~Screen() {
    give_back();
}

std::pair<std::size_t, std::size_t> Screen::size() const {
    winsize ws{};
    if (!terminal_ || ::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) != 0) return {0, 0};
    return {ws.ws_col, ws.ws_row};
}

bool Screen::draw(const std::vector<std::string>& lines) {
    std::string frame;
    if (terminal_) {
        // Home, then each line over the previous frame's, cleared to its end (ESC[K), the
        // rest of the screen cleared (ESC[J): nothing is blanked first, so nothing flickers.
        frame = "\x1b[H";
        for (std::size_t i = 0; i < lines.size(); ++i)
            frame += lines[i] + "\x1b[K" + (i + 1 < lines.size() ? "\r\n" : "");
        frame += "\x1b[J";
    } else {
        for (const auto& l : lines)
            frame += l + "\n";
        frame += "\n";
    }
    return write_all(STDOUT_FILENO, frame);
}

bool Screen::resized() {
    return g_resized.exchange(false);
}

} // namespace om::sub
