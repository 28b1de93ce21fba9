// Tests of broker/journal: entries kept across runs, torn and foreign lines skipped, the
// bounds by age and count at load and while appending, an unusable path, one broker each.
#include "journal.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

using om::broker::Journal;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {
// A journal path one directory below a fresh temporary directory, removed with it.
struct JournalFile {
    unit::TempDir dir{"journal"};
    std::string path = dir.file("state/broker.journal");
    int lines() const {
        std::ifstream in(path);
        int n = 0;
        for (std::string l; std::getline(in, l);)
            ++n;
        return n;
    }
};

Journal::Entry stale(double ts, const std::string& node) {
    return {ts, "broker", "hb_stale",
            R"({"hb":{"timeout":15.0},"id":"hb_stale","nodename":")" + node + "\"}"};
}
} // namespace

TEST_CASE("journal: what one run appends, the next run loads, in order and unchanged") {
    JournalFile f;
    {
        Journal j(f.path, 10min, 100, 1000.0);
        CHECK(j.entries().empty());
        CHECK(j.append(stale(1000.25, "n1")));
        CHECK(j.append(stale(1001.5, "n2")));
        CHECK(j.append({1002.0, "b1", "blacklist_add", R"({"id":"blacklist_add","sender":"x"})"}));
    }
    Journal j(f.path, 10min, 100, 1003.0);
    REQUIRE(j.entries().size() == 3);
    CHECK(j.skipped() == 0);
    const auto& e = j.entries();
    CHECK(e[0].ts == 1000.25);
    CHECK(e[0].nodename == "broker");
    CHECK(e[0].id == "hb_stale");
    CHECK(e[0].data == stale(0, "n1").data);
    CHECK(e[1].data == stale(0, "n2").data);
    CHECK(e[2].nodename == "b1");
    CHECK(e[2].id == "blacklist_add");
    CHECK(e[2].data == R"({"id":"blacklist_add","sender":"x"})");
}

TEST_CASE("journal: a torn last line and lines that are not events are skipped and counted") {
    JournalFile f;
    {
        Journal j(f.path, 10min, 100, 1000.0);
        CHECK(j.append(stale(1000.0, "n1")));
    }
    {
        std::ofstream out(f.path, std::ios::app);
        out << "not json\n"
            << R"({"ts":"soon","nodename":"broker","id":"hb_stale","data":{}})"
            << "\n"
            << R"({"ts":1000.5,"nodename":"broker","id":"","data":{}})"
            << "\n"
            << R"({"ts":1000.7,"nodename":"broker","id":"hb_stale","data":[]})"
            << "\n"
            << R"({"ts":1000.9,"nodename":"broker","id":"hb_st)"; // killed mid-write
    }
    Journal j(f.path, 10min, 100, 1001.0);
    CHECK(j.entries().size() == 1);
    CHECK(j.skipped() == 5);
    CHECK(f.lines() == 1); // rewritten with what it kept
}

TEST_CASE("journal: at load only the newest max_events within max_age are kept") {
    JournalFile f;
    {
        Journal j(f.path, 1h, 1000, 0.0);
        for (int i = 0; i < 10; ++i)
            CHECK(j.append(stale(100.0 * i, "n" + std::to_string(i))));
    }
    // Made at 0, 100, ..., 900; now 1000 with a 450 s age: 600, 700, 800, 900 remain.
    {
        Journal j(f.path, 450s, 1000, 1000.0);
        REQUIRE(j.entries().size() == 4);
        CHECK(j.entries().front().ts == 600.0);
        CHECK(f.lines() == 4);
    }
    Journal j(f.path, 450s, 2, 1000.0);
    REQUIRE(j.entries().size() == 2);
    CHECK(j.entries().front().ts == 800.0);
    CHECK(j.entries().back().ts == 900.0);
}

TEST_CASE("journal: appending without end keeps the file within twice max_events lines") {
    JournalFile f;
    {
        Journal j(f.path, 1h, 50, 0.0);
        for (int i = 0; i < 1000; ++i) {
            REQUIRE(j.append(stale(i, "n1")));
            REQUIRE(f.lines() < 100);
        }
    }
    Journal j(f.path, 1h, 50, 1000.0);
    REQUIRE(j.entries().size() == 50);
    CHECK(j.entries().back().ts == 999.0);
}

TEST_CASE("journal: a path that cannot be a journal is an error naming it") {
    JournalFile f;
    fs::create_directories(f.path); // a directory where the file should be
    CHECK_THROWS_WITH(Journal(f.path, 1h, 10, 0.0), Catch::Contains(f.path));
}

TEST_CASE("journal: a journal in use by another broker is refused") {
    JournalFile f;
    Journal first(f.path, 1h, 10, 0.0);
    CHECK_THROWS_WITH(Journal(f.path, 1h, 10, 0.0), Catch::Contains("in use by another om-broker"));
}
