// Tests of lib/json_path: dotted text <-> path, JSON form, lookup.
#include "json_path.hpp"

#include <catch2/catch.hpp>

using namespace om;

TEST_CASE("dotted paths round-trip - quoting keys with dots and slashes") {
    Path p{std::string("monitor"), std::string("services"), std::string("ns/svc/x"),
           std::string("avail")};
    CHECK(to_dotted(p) == "monitor.services.'ns/svc/x'.avail");
    CHECK(parse_dotted("monitor.services.'ns/svc/x'.avail") == p);
    CHECK(to_dotted(Path{std::string("hb#1.rx"), std::size_t{2}}) == "'hb#1.rx'.2");
    CHECK(parse_dotted("'hb#1.rx'.2") == Path{std::string("hb#1.rx"), std::string("2")});
}

TEST_CASE("a leading dot is ignored and the empty path is the root") {
    CHECK(parse_dotted(".a.b") == Path{std::string("a"), std::string("b")});
    CHECK(parse_dotted("").empty());
    CHECK(parse_dotted(".").empty());
}

TEST_CASE("bad dotted paths name the position") {
    CHECK_THROWS_WITH(parse_dotted("a..b"), Catch::Contains("empty key at position 3"));
    CHECK_THROWS_WITH(parse_dotted("a.'b"), Catch::Contains("unterminated quote at position 3"));
    CHECK_THROWS_WITH(parse_dotted("a."), Catch::Contains("trailing '.'"));
    CHECK_THROWS_WITH(parse_dotted("'a'b"), Catch::Contains("expected '.' at position 4"));
}

TEST_CASE("JSON paths hold keys and indexes") {
    auto p = path_from_json(json::parse(R"(["a", 2, "b"])"));
    CHECK(p == Path{std::string("a"), std::size_t{2}, std::string("b")});
    CHECK(path_to_json(p) == json::parse(R"(["a", 2, "b"])"));
    CHECK_THROWS_WITH(path_from_json(json::parse(R"(["a", -1])")),
                      Catch::Contains("neither a key nor a list index"));
    CHECK_THROWS_AS(path_from_json(json::parse(R"({"a":1})")), PathError);
}

TEST_CASE("find follows keys - indexes and numeric keys into lists") {
    auto doc = json::parse(R"({"a": {"l": [10, {"x": 1}]}})");
    CHECK(*find(doc, parse_dotted("a.l.0")) == 10);
    CHECK(*find(doc, parse_dotted("a.l.1.x")) == 1);
    CHECK(*find(doc, Path{std::string("a"), std::string("l"), std::size_t{0}}) == 10);
    CHECK(find(doc, parse_dotted("a.l.2")) == nullptr);
    CHECK(find(doc, parse_dotted("a.missing")) == nullptr);
    CHECK(find(doc, parse_dotted("a.l.0.deeper")) == nullptr);
}
