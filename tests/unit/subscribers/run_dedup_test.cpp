// Tests of subscribers/common/run_dedup: what is skipped as had when another broker run is
// followed: node events by origin, resent or other-window ones by emission time, the
// broker's own by the time last heard from the previous run.
#include "run_dedup.hpp"

#include <catch2/catch.hpp>

using namespace om;
using namespace om::sub;

namespace {
wire::Meta node_event(std::uint64_t inc, std::uint64_t eid, bool resent = false) {
    wire::Meta m;
    m.inc = inc;
    m.eid = eid;
    m.resent = resent;
    return m;
}

// The parser is kept alive beside the element it returns.
struct Body {
    simdjson::dom::parser parser;
    simdjson::dom::element parse(const std::string& text) { return parser.parse(text); }
};
} // namespace

TEST_CASE("run dedup: a node event is kept once by its origin, on any broker") {
    RunDedup d;
    Body b;
    CHECK(d.keep(node_event(100, 1), b.parse(R"({"nodename":"n1","ts":5})"), false));
    CHECK_FALSE(d.keep(node_event(100, 1), b.parse(R"({"nodename":"n1","ts":5})"), false));
    CHECK(d.keep(node_event(100, 1), b.parse(R"({"nodename":"n2","ts":5})"), false));
    CHECK(d.keep(node_event(101, 1), b.parse(R"({"nodename":"n1","ts":5})"), false));
}

TEST_CASE("run dedup: what a cursor had is skipped") {
    Origins had;
    had.record("n1", 100, 1);
    had.record("n1", 100, 2);
    RunDedup d(had);
    Body b;
    CHECK_FALSE(d.keep(node_event(100, 2), b.parse(R"({"nodename":"n1"})"), true));
    CHECK(d.keep(node_event(100, 3), b.parse(R"({"nodename":"n1"})"), true));
}

TEST_CASE("run dedup: a resent event emitted before the subscriber started is skipped") {
    RunDedup d({}, 1000);
    Body b;
    CHECK_FALSE(d.keep(node_event(100, 1, true), b.parse(R"({"nodename":"n1","ts":999})"), false));
    CHECK(d.keep(node_event(100, 2, true), b.parse(R"({"nodename":"n1","ts":1001})"), false));
    // Not resent and live: its ts is when it was published, after the start.
    CHECK(d.keep(node_event(100, 3), b.parse(R"({"nodename":"n1","ts":999})"), false));
    // From another run's window, the same check as a resent one.
    d.begin_other_run(0);
    CHECK_FALSE(d.keep(node_event(100, 4), b.parse(R"({"nodename":"n1","ts":999})"), true));
}

TEST_CASE("run dedup: the broker's own events of another run, up to the last heard") {
    RunDedup d;
    Body b;
    const wire::Meta own;                              // no origin
    CHECK(d.keep(own, b.parse(R"({"ts":10})"), true)); // its own run's window: all kept
    d.begin_other_run(20);
    CHECK(d.in_other_run());
    CHECK_FALSE(d.keep(own, b.parse(R"({"ts":10})"), true));
    CHECK_FALSE(d.keep(own, b.parse(R"({"ts":20})"), true));
    CHECK(d.keep(own, b.parse(R"({"ts":21})"), true));
    CHECK(d.keep(own, b.parse(R"({"ts":10})"), false)); // live: the new run's own view
    CHECK(d.keep(own, b.parse(R"({})"), true));         // no ts: nothing to compare
    d.end_other_run();
    CHECK(d.keep(own, b.parse(R"({"ts":10})"), true));
}
