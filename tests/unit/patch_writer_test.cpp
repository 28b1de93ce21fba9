// Tests of lib/patch_writer: bodies parse back to the ops written.
#include "patch.hpp"
#include "patch_writer.hpp"

#include <catch2/catch.hpp>

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

TEST_CASE("format_ts keeps microseconds") {
    CHECK(format_ts(1.5) == "1.500000");
}
