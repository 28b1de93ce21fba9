// Screen: where the live view is drawn. On a terminal it takes the alternate screen and
// hides the cursor, redraws in place without flicker (cursor home, each line cleared to
// its end, the rest of the screen cleared, all in one write), and gives both back when it
// is destroyed or the process exits. On a pipe it prints each frame whole, followed by a
// blank line, without any escape.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace om::sub {

class Screen {
  public:
    // `terminal`: standard output is a terminal to take over.
    explicit Screen(bool terminal);
    ~Screen();
    Screen(const Screen&) = delete;
    Screen& operator=(const Screen&) = delete;

    bool terminal() const { return terminal_; }
    // The terminal's columns and rows (0, 0 on a pipe).
    std::pair<std::size_t, std::size_t> size() const;
    // Draws a frame; false when standard output is gone (a closed pipe).
    bool draw(const std::vector<std::string>& lines);
    // True once after each SIGWINCH (installed by the constructor on a terminal).
    static bool resized();

  private:
    bool terminal_;
};

} // namespace om::sub
