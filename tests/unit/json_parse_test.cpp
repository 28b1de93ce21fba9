// Tests of lib/json_parse: simdjson parsing and conversion.
#include "json_parse.hpp"

#include <catch2/catch.hpp>

using namespace om;

TEST_CASE("simdjson values convert to the same nlohmann values") {
    JsonParser p;
    const std::string text = R"({"a":[1,-2,3.5,true,null,"s"],"b":{"c":18446744073709551615}})";
    CHECK(to_json(p.parse(text)) == json::parse(text));
}

TEST_CASE("patch paths are lists of keys and non-negative integers") {
    JsonParser p;
    Path path;
    CHECK(append_path(p.parse(R"(["a",2,"b"])"), path));
    CHECK(path == Path{std::string("a"), std::size_t{2}, std::string("b")});
    Path bad;
    CHECK_FALSE(append_path(p.parse(R"(["a",-1])"), bad));
    CHECK_FALSE(append_path(p.parse(R"({"a":1})"), bad));
}

TEST_CASE("malformed and truncated JSON throws") {
    JsonParser p;
    CHECK_THROWS_AS(p.parse("{\"a\":"), simdjson::simdjson_error);
    CHECK_THROWS_AS(p.parse("not json"), simdjson::simdjson_error);
}
