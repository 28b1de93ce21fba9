// Change detection of a watched file (see file_watch.hpp).
#include "file_watch.hpp"

#include "file_text.hpp"

#include <chrono>

namespace om {

namespace {
// Within this of its modification time, a file may be written again with the same time
// stamp (file systems keep coarse clocks) and size: its content decides.
constexpr auto kRecent = std::chrono::seconds(2);
} // namespace

FileWatch::FileWatch(std::string path) : path_(std::move(path)) {}

FileWatch::State FileWatch::check(bool force) {
    std::error_code ec;
    const auto mtime = std::filesystem::last_write_time(path_, ec);
    if (ec) return State::unreadable;
    const auto size = std::filesystem::file_size(path_, ec);
    if (ec) return State::unreadable;
    if (!force && seen_ && !recent_ && mtime == mtime_ && size == size_) return State::unchanged;
    auto text = read_file_text(path_);
    if (!text) return State::unreadable;
    mtime_ = mtime;
    size_ = size;
    recent_ = std::filesystem::file_time_type::clock::now() - mtime < kRecent;
    if (seen_ && *text == text_) return State::unchanged;
    seen_ = true;
    text_ = std::move(*text);
    return State::changed;
}

} // namespace om
