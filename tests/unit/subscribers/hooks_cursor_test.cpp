// Tests of subscribers/hooks/cursor: what counts as handled, out-of-order completion, the
// one write per flush, a new broker epoch, and a corrupt file.
#include "hooks/cursor.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <unistd.h>

using om::hooks::Cursor;
namespace fs = std::filesystem;

namespace {
// A cursor path in a fresh temporary directory, removed with it.
struct CursorFile {
    fs::path dir;
    std::string path;
    CursorFile() {
        std::string tmpl = (fs::temp_directory_path() / "ombus-cursor-XXXXXX").string();
        REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
        dir = tmpl;
        path = (dir / "cursor.json").string();
    }
    ~CursorFile() {
        std::error_code ec;
        fs::remove_all(dir, ec);
    }
};
} // namespace

TEST_CASE("cursor: an event is handled once all its executions finished, in any order") {
    CursorFile f;
    Cursor c(f.path);
    CHECK_FALSE(c.load());
    c.begin(7, 1, 2);
    c.begin(7, 2, 1);
    c.begin(7, 3, 0); // no hook for it: handled at once
    CHECK_FALSE(c.handled(7, 1));
    CHECK(c.handled(7, 3));
    c.finish(7, 2);
    c.finish(7, 1);
    CHECK_FALSE(c.handled(7, 1)); // one of its two executions is still running
    CHECK(c.seq() == 0);
    c.finish(7, 1);
    CHECK(c.seq() == 3); // 1, 2 and 3 are all handled: the cursor moves over them
    CHECK(c.handled(7, 1));
    CHECK_FALSE(c.handled(7, 4));
    CHECK_FALSE(c.handled(8, 1)); // another broker run
}

TEST_CASE("cursor: flush writes what changed, and a restart reads it back") {
    CursorFile f;
    {
        Cursor c(f.path);
        c.flush();
        CHECK_FALSE(fs::exists(f.path)); // nothing changed: nothing written
        c.begin(3, 1, 1);
        c.begin(3, 2, 1);
        c.finish(3, 2); // above a hole: kept in "done"
        CHECK_FALSE(fs::exists(f.path));
        c.flush();
        REQUIRE(fs::exists(f.path));
        CHECK_FALSE(fs::exists(f.path + ".tmp"));
        const auto written = fs::last_write_time(f.path);
        fs::last_write_time(f.path, written - std::chrono::hours(1));
        c.flush(); // clean: the file is not touched
        CHECK(fs::last_write_time(f.path) == written - std::chrono::hours(1));
    }
    Cursor again(f.path);
    REQUIRE(again.load());
    CHECK(again.epoch() == 3);
    CHECK(again.seq() == 0);
    CHECK(again.handled(3, 2));
    CHECK_FALSE(again.handled(3, 1)); // it never finished: it runs again after a restart
}

TEST_CASE("cursor: a new broker epoch starts over") {
    CursorFile f;
    Cursor c(f.path);
    c.begin(1, 5, 0);
    c.begin(2, 1, 0);
    CHECK(c.epoch() == 2);
    CHECK(c.seq() == 1);
    CHECK_FALSE(c.handled(1, 5));
}

TEST_CASE("cursor: a corrupt file is an error naming it") {
    CursorFile f;
    std::ofstream(f.path) << "{\"not\": \"a cursor\"}\n";
    Cursor c(f.path);
    CHECK_THROWS_WITH(c.load(), Catch::Contains(f.path) && Catch::Contains("not a hook cursor"));
}
