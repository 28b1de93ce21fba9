// Tests of lib/patch_writer: bodies parse back to the ops written.
#include "patch.hpp"
#include "patch_writer.hpp"

#include <catch2/catch.hpp>
#include <charconv>
#include <vector>

using namespace om;

TEST_CASE("a patch body holds the ops in order - with nodename - id and ts") {
    PatchWriter w;
    w.set(Path{std::string("monitor"), std::string("nodes"), std::string("n\"1")}, json{{"a", 1}});
    w.del(Path{std::string("l"), std::size_t{2}});
    w.set_text(Path{std::string("x")}, "[1,2]");
    CHECK(w.size() == 3);
    const auto body = json::parse(w.body("n1", 42, 1795830573.1004));
    CHECK(body["nodename"] == "n1");
    CHECK(body["kind"] == "patch");
    CHECK(body["id"] == 42);
    CHECK(body["ts"].get<double>() == Approx(1795830573.1004));
    CHECK(body["data"] ==
          json::parse(R"([[["monitor","nodes","n\"1"],{"a":1}],[["l",2]],[["x"],[1,2]]])"));
    CHECK(json::parse(w.ops()) == body["data"]);
    w.clear();
    CHECK(w.empty());
    CHECK(json::parse(w.body("n1", 1, 0))["data"].empty());
}

TEST_CASE("set_text of keys writes what set_text of their Path writes") {
    PatchWriter a, b;
    a.set_text(Path{std::string("heartbeats"), std::string("n\"1"), std::string("last")}, "1.5");
    a.set_text(Path{std::string("x")}, "null");
    b.set_text({"heartbeats", "n\"1", "last"}, "1.5");
    b.set_text({"x"}, "null");
    CHECK(a.ops() == b.ops());
    CHECK(b.size() == 2);
}

TEST_CASE("a prefix of keys then a Path writes what their whole Path writes") {
    const Path rest{std::string("services"), std::string("l\\st"), std::size_t{3}};
    PatchWriter a, b;
    a.set_text(Path{std::string("monitor"), std::string("nodes"), std::string("n1"),
                    std::string("services"), std::string("l\\st"), std::size_t{3}},
               "{}");
    a.del(Path{std::string("monitor"), std::string("nodes"), std::string("n1")});
    b.set_text({"monitor", "nodes", "n1"}, rest, "{}");
    b.del({"monitor", "nodes", "n1"}, Path{});
    CHECK(a.ops() == b.ops());
    CHECK(b.size() == 2);
}

TEST_CASE("format_ts keeps microseconds") {
    CHECK(format_ts(1.5) == "1.500000");
    CHECK(format_ts(0) == "0.000000");
    CHECK(format_ts(-1.5) == "-1.500000");
    CHECK(format_ts(1e10) == "10000000000.000000");
    CHECK(format_ts(1765000000.000001) == "1765000000.000001");
    CHECK(format_ts(1765000000.25) == "1765000000.250000");
    CHECK(format_ts(1765000000.9999996) == "1765000001.000000"); // carried into the seconds
    // Exact ties go to the even digit, as the exact decimal's rounding does.
    CHECK(format_ts(1765000000.0078125) == "1765000000.007812");
    CHECK(format_ts(1765000000.0234375) == "1765000000.023438");
}

TEST_CASE("format_ts writes a clock's time as the exact decimal does") {
    // Times of this century 0.7 microsecond apart, and the edges of the integer path: the
    // same text as the exact fixed-point to_chars.
    std::vector<double> times;
    for (double ts = 1765000000.0; ts < 1765000000.0 + 0.002; ts += 0.0000007)
        times.push_back(ts);
    for (double ts : {8191.9999996, 8192.0, 8192.0000005, 8589934591.9999995, 8589934592.5})
        times.push_back(ts);
    for (const double ts : times) {
        char buf[64];
        const auto r = std::to_chars(buf, buf + sizeof buf, ts, std::chars_format::fixed, 6);
        CHECK(format_ts(ts) == std::string(buf, r.ptr));
    }
}
