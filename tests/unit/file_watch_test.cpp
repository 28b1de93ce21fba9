// Tests of lib/file_watch: when a watched file counts as changed.
#include "file_watch.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>
#include <fstream>

using om::FileWatch;
using State = FileWatch::State;
namespace fs = std::filesystem;

namespace {
void write(const std::string& path, const std::string& text) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}
// Puts the file's modification time far in the past, as an old file has.
void age(const std::string& path, std::chrono::hours by = std::chrono::hours(1)) {
    fs::last_write_time(path, fs::file_time_type::clock::now() - by);
}
// Writes text to the file and puts its modification time back as it was.
void write_keeping_time(const std::string& path, const std::string& text) {
    const auto mtime = fs::last_write_time(path);
    write(path, text);
    fs::last_write_time(path, mtime);
}
} // namespace

TEST_CASE("file watch: the first look at a file is a change, then only a new content is") {
    unit::TempDir dir("file-watch");
    const auto path = dir.file("f");
    write(path, "a = 1\n");
    FileWatch w(path);
    CHECK(w.text() == "");
    CHECK(w.check() == State::changed);
    CHECK(w.text() == "a = 1\n");
    CHECK(w.check() == State::unchanged);
    write(path, "a = 2\n");
    CHECK(w.check() == State::changed);
    CHECK(w.text() == "a = 2\n");
    write(path, "a = 2\n"); // rewritten as it was: not a change
    CHECK(w.check() == State::unchanged);
}

TEST_CASE("file watch: a new content with the old time stamp and size is still seen") {
    unit::TempDir dir("file-watch");
    const auto path = dir.file("f");
    write(path, "x = 1\n");
    FileWatch w(path);
    CHECK(w.check() == State::changed);
    // Just written: read at every check, so a same-size write in the same clock tick is
    // found although its time stamp does not move.
    write_keeping_time(path, "x = 2\n");
    CHECK(w.check() == State::changed);
    CHECK(w.text() == "x = 2\n");
}

TEST_CASE("file watch: an old file is not read again while its time stamp and size stay") {
    unit::TempDir dir("file-watch");
    const auto path = dir.file("f");
    write(path, "x = 1\n");
    age(path);
    FileWatch w(path);
    CHECK(w.check() == State::changed);
    // Changed behind the watch's back with the time stamp put back: only the stat is seen.
    write_keeping_time(path, "x = 2\n");
    CHECK(w.check() == State::unchanged);
    CHECK(w.text() == "x = 1\n");
    CHECK(w.check(true) == State::changed); // forced: read whatever the stat says
    CHECK(w.text() == "x = 2\n");
    write(path, "x = 30\n"); // another size
    age(path);
    CHECK(w.check() == State::changed);
}

TEST_CASE("file watch: a missing file is unreadable and keeps the content last seen") {
    unit::TempDir dir("file-watch");
    const auto path = dir.file("f");
    FileWatch w(path);
    CHECK(w.check() == State::unreadable);
    write(path, "k = 1\n");
    CHECK(w.check() == State::changed);
    fs::remove(path);
    CHECK(w.check() == State::unreadable);
    CHECK(w.text() == "k = 1\n");
    write(path, "k = 1\n"); // back as it was
    CHECK(w.check() == State::unchanged);
}
