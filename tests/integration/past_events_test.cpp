// Integration tests of `om-sub events --since` and `--last`: the replay window first, then
// the live stream, nothing printed twice nor skipped at the seam; what the window no longer
// holds is said, and an event sequence it no longer holds is exit 5.
#include "harness.hpp"

#include <atomic>
#include <catch2/catch.hpp>
#include <sstream>
#include <thread>

using namespace it;

namespace {
std::vector<std::string> events(const BrokerProc& b, std::vector<std::string> args) {
    std::vector<std::string> argv{sub_bin(), "events", "--config", "/dev/null", "--format", "json"};
    for (const auto& f : sub_flags(b))
        argv.push_back(f);
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
}
// The "n" of each custom event printed, in order.
std::vector<int> numbers(const std::string& out) {
    std::vector<int> n;
    std::istringstream in(out);
    for (std::string line; std::getline(in, line);) {
        const auto j = json::parse(line, nullptr, false);
        if (j.is_object() && j["data"].value("id", "") == "custom") n.push_back(j["data"]["n"]);
    }
    return n;
}
} // namespace

TEST_CASE("events --since SEQ: the window, then live, seam-exact while events flow", "[past]") {
    TempDir dir;
    BrokerProc broker(dir);
    PubProc n1(dir, "n1", {broker.ingest});
    // Events keep coming, from one control connection, during the whole test.
    std::atomic<bool> stop{false};
    std::atomic<int> sent{0};
    std::thread emitter([&] {
        for (int i = 0; !stop && i < 3000; ++i) {
            if (n1.cli({"emit", "custom", "n=" + std::to_string(i)}).code != 0) break;
            sent = i + 1;
        }
    });
    REQUIRE(eventually([&] { return sent >= 20; }));
    for (int round = 0; round < 3; ++round) {
        // After event 5: hb_beating and monitor_started are events 1 and 2, custom n=0 is
        // event 3, so the first printed is n=3.
        const auto r =
            run(events(broker, {"--since", "5", "--filter", "data.id=custom", "--count", "60"}));
        INFO(r.err);
        REQUIRE(r.code == 0);
        const auto n = numbers(r.out);
        REQUIRE(n.size() == 60);
        for (std::size_t i = 0; i < n.size(); ++i)
            CHECK(n[i] == static_cast<int>(i) + 3);
        CHECK(r.err.find("lost") == std::string::npos);
    }
    // --last N while the stream flows: N in a row, then the live ones, none twice.
    const auto last =
        run(events(broker, {"--last", "5", "--filter", "data.id=custom", "--count", "40"}));
    const auto n = numbers(last.out);
    REQUIRE(n.size() == 40);
    for (std::size_t i = 1; i < n.size(); ++i)
        CHECK(n[i] == n[i - 1] + 1);
    stop = true;
    emitter.join();
}

TEST_CASE("events --since and --last: what the window no longer holds", "[past]") {
    TempDir dir;
    BrokerProc broker(dir, "[replay]\nmax_events = 4\n");
    PubProc n1(dir, "n1", {broker.ingest});
    for (int i = 0; i < 10; ++i)
        REQUIRE(n1.cli({"emit", "custom", "n=" + std::to_string(i)}).code == 0);
    // hb_beating, monitor_started, then n=0..9: events 1..12, the window holds 9..12.
    REQUIRE(eventually([&] { return broker.stats()["eseq"].get<int>() >= 12; }));

    // Events after 2 are asked for, events 3..8 have left: said, and exit 5, nothing printed.
    const auto old = run(events(broker, {"--since", "2", "--duration", "2s"}));
    INFO(old.err);
    CHECK(old.code == 5);
    CHECK(old.out.empty());
    CHECK(old.err.find("events 3..8 of broker epoch") != std::string::npos);
    CHECK(old.err.find("no longer in its replay window (the oldest kept is 9)") !=
          std::string::npos);

    // A duration that reaches before the window: a warning, then what it holds.
    const auto part = run(events(broker, {"--since", "1h", "--count", "4"}));
    CHECK(part.code == 0);
    CHECK(part.err.find("warning: the replay window holds events from") != std::string::npos);
    CHECK(numbers(part.out) == std::vector<int>{6, 7, 8, 9});

    // --last counts the events the filters let through.
    const auto last = run(events(broker, {"--last", "2", "--count", "2"}));
    CHECK(last.code == 0);
    CHECK(numbers(last.out) == std::vector<int>{8, 9});
    CHECK(last.err.empty());
    const auto more = run(events(broker, {"--last", "6", "--count", "4"}));
    CHECK(more.err.find("only 4 of the last 6 events are still in the replay window") !=
          std::string::npos);
    CHECK(numbers(more.out) == std::vector<int>{6, 7, 8, 9});

    // Usage: both at once, a bad duration.
    CHECK(run(events(broker, {"--since", "1m", "--last", "2"})).code == 2);
    CHECK(run(events(broker, {"--since", "ten minutes"})).code == 2);
    // A count of 0 or not a number: one line that says what is wanted.
    for (const auto& [flag, value] : {std::pair{"--last", "0"}, std::pair{"--count", "x"}}) {
        const auto bad = run(events(broker, {flag, value}));
        CHECK(bad.code == 2);
        CHECK(bad.err.find(std::string(flag) + ": must be a whole number of at least 1") !=
              std::string::npos);
    }
}
