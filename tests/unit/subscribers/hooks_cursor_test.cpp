// Tests of subscribers/hooks/cursor: what counts as handled, out-of-order completion, lost
// events, the snapshot and its journal, a new broker epoch, and a corrupt file.
#include "hooks/cursor.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <unistd.h>

using om::hooks::Cursor;
namespace fs = std::filesystem;

namespace {
// A cursor path in a fresh temporary directory, removed with it.
struct CursorFile {
    unit::TempDir dir{"cursor"};
    std::string path = dir.file("cursor.json");
};
// The JSON in a file (null when it is not JSON).
nlohmann::json json_file(const std::string& path) {
    std::ifstream in(path);
    return nlohmann::json::parse(std::string(std::istreambuf_iterator<char>(in), {}), nullptr,
                                 false);
}
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

TEST_CASE("cursor: events that will not come do not hold it back") {
    CursorFile f;
    Cursor c(f.path);
    c.begin(5, 1000, 1); // a first start while the broker is at 999: nothing to wait for
    CHECK(c.seq() == 999);
    c.begin(5, 1005, 0); // 1001..1004 are gone (older than the replay window)
    CHECK(c.handled(5, 1003));
    CHECK(c.ranges() == 1);
    c.finish(5, 1000);
    CHECK(c.seq() == 1005);
    CHECK(c.ranges() == 0); // nothing accumulates
}

TEST_CASE("cursor: handled events go to the journal, folded into the snapshot") {
    CursorFile f;
    const auto journal = f.path + ".journal";
    {
        Cursor c(f.path);
        c.begin(4, 1, 0);
        c.flush(); // a new epoch: a snapshot
        c.begin(4, 2, 1);
        c.begin(4, 3, 1);
        c.finish(4, 3);
        c.flush();
        CHECK(fs::file_size(journal) > 0);
        std::ofstream(journal, std::ios::app) << "4 2 "; // torn: the runner died mid-write
    }
    {
        Cursor c(f.path);
        REQUIRE(c.load());
        CHECK(c.seq() == 1);
        CHECK(c.handled(4, 3));
        CHECK_FALSE(c.handled(4, 2));
        c.compact();
        CHECK((!fs::exists(journal) || fs::file_size(journal) == 0)); // folded in
    }
    Cursor again(f.path);
    REQUIRE(again.load());
    CHECK(again.handled(4, 3));
    CHECK_FALSE(again.handled(4, 2));
}

TEST_CASE("cursor: after a restart, a hole below the first event is a lost event") {
    CursorFile f;
    std::ofstream(f.path) << R"({"epoch":9,"seq":10,"done":[12]})"
                          << "\n"; // earlier format
    Cursor c(f.path);
    REQUIRE(c.load());
    CHECK(c.handled(9, 12));
    c.begin(9, 13, 0); // 11 was not replayed: too old
    CHECK(c.seq() == 13);
}

TEST_CASE("cursor: after a restart, an event cut by it is waited for again") {
    CursorFile f;
    std::ofstream(f.path) << R"({"epoch":9,"seq":10,"done":[[12,12]]})"
                          << "\n";
    Cursor c(f.path);
    REQUIRE(c.load());
    c.begin(9, 11, 1); // replayed: it was running when the runner died
    c.begin(9, 13, 0); // 12 ran before the restart: not begun again
    CHECK_FALSE(c.handled(9, 11));
    CHECK(c.seq() == 10);
    c.finish(9, 11);
    CHECK(c.seq() == 13);
    CHECK(c.ranges() == 0);
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

TEST_CASE("cursor: the origins of the events it handled survive a restart and a new epoch") {
    using om::hooks::EventOrigin;
    CursorFile f;
    {
        Cursor c(f.path);
        c.set_since(9.0);
        c.begin(4, 1, 1, EventOrigin{"n1", 100, 1, 10.5});
        c.flush();                                       // a first epoch: the snapshot
        c.begin(4, 2, 1, EventOrigin{"b", 0, 0, 11.25}); // the broker's own
        c.begin(4, 3, 1, EventOrigin{"n1", 100, 2, 12.0});
        c.finish(4, 3);
        c.finish(4, 2);
        // 2 and 3 are done, 1 is not: the cursor has not passed them, yet 3 is known as had
        // (else another broker run would run it again, however long 1 takes).
        CHECK(c.seq() == 0);
        CHECK(c.had().had("n1", 100, 2));
        CHECK_FALSE(c.had().had("n1", 100, 1));
        CHECK(c.ts() == 12.0);
        c.finish(4, 1);
        CHECK(c.seq() == 3);
        CHECK(c.had().had("n1", 100, 1));
        c.flush(); // into the journal only
        CHECK(json_file(f.path)["origins"].empty());
    }
    {
        Cursor c(f.path);
        REQUIRE(c.load()); // from the journal's "o" lines
        CHECK(c.had().had("n1", 100, 2));
        CHECK_FALSE(c.had().had("n1", 100, 3));
        CHECK(c.ts() == 12.0);
        c.begin(9, 1, 0, EventOrigin{"n2", 200, 7, 20.0}); // another broker run
        c.flush();                                         // a new epoch: the snapshot
        CHECK_FALSE(fs::exists(f.path + ".journal"));
    }
    Cursor c(f.path);
    REQUIRE(c.load());
    CHECK(c.epoch() == 9);
    CHECK(c.had().had("n1", 100, 2)); // origins are not the run's: they carry over
    CHECK(c.had().had("n2", 200, 7));
    CHECK(c.ts() == 20.0);
    CHECK(c.since() == 9.0);
}

TEST_CASE("cursor: a journal torn before an origin line forgets it, never the reverse") {
    CursorFile f;
    {
        Cursor c(f.path);
        c.begin(4, 1, 1, om::hooks::EventOrigin{"n1", 100, 1, 10.5});
        c.flush(); // the snapshot of the first epoch; what follows goes to the journal
        c.finish(4, 1);
        c.flush();
    }
    const auto journal = f.path + ".journal";
    const auto text = [&] {
        std::ifstream in(journal);
        return std::string(std::istreambuf_iterator<char>(in), {});
    }();
    // The range line comes first: cut after it, the event is handled and its origin lost
    // (a repeat after a move to another broker, never a loss).
    const auto first_line = text.substr(0, text.find('\n') + 1);
    CHECK(first_line == "4 1 1\n");
    std::ofstream(journal, std::ios::trunc) << first_line << "o 100 1 1";
    Cursor c(f.path);
    REQUIRE(c.load());
    CHECK(c.handled(4, 1));
    CHECK_FALSE(c.had().had("n1", 100, 1));
}

TEST_CASE("cursor: hooks of an earlier broker run that finish after a failover are recorded") {
    using om::hooks::EventOrigin;
    CursorFile f;
    {
        Cursor c(f.path);
        c.begin(4, 1, 2, EventOrigin{"n1", 100, 1, 10.5}); // two hooks, running
        c.begin(4, 2, 1, EventOrigin{"n1", 100, 2, 11.0}); // one hook, queued
        c.begin(9, 1, 0, EventOrigin{"n2", 200, 1, 12.0}); // the next broker's first
        c.flush();
        c.finish(4, 1);
        CHECK_FALSE(c.had().had("n1", 100, 1)); // one of its two hooks still runs
        c.finish(4, 2);
        CHECK(c.had().had("n1", 100, 2));
        c.finish(4, 1);
        CHECK(c.had().had("n1", 100, 1));
        c.finish(4, 1); // an execution it did not wait for changes nothing
        CHECK(c.epoch() == 9);
        CHECK(c.seq() == 1);
        c.flush();
    }
    Cursor c(f.path); // killed now: the next broker's replay must not run them again
    REQUIRE(c.load());
    CHECK(c.had().had("n1", 100, 1));
    CHECK(c.had().had("n1", 100, 2));
    CHECK(c.ts() == 12.0);
}
