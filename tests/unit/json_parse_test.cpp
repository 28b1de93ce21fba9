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

TEST_CASE("append_json writes compact JSON that reads back the same, types kept") {
    JsonParser p;
    const std::string text = R"( { "a" : [ 1, -2, 3.5, 2.0, 1e300, true, false, null ],
        "s" : "q\"b\\s\n\u0001é", "u" : 18446744073709551615, "o" : { }, "l" : [ ] } )";
    std::string out = "x";
    append_json(out, p.parse(text));
    CHECK(out == std::string("x") + R"({"a":[1,-2,3.5,2.0,1e+300,true,false,null],)" +
                     R"("s":"q\"b\\s\n\u0001é","u":18446744073709551615,"o":{},"l":[]})");
    const auto back = json::parse(out.substr(1));
    CHECK(back == json::parse(text));
    CHECK(back["a"][3].is_number_float());
}

TEST_CASE("raw_member: a top-level member's text as written, or nothing") {
    const std::string t =
        R"({"kind":"event","s":"a \"data\": {x}","n":[1,{"data":2}],"data":{"id":"x","v":[1,2.50,"}"]},"z":true})";
    CHECK(raw_member(t, "data") ==
          std::optional<std::string_view>(R"({"id":"x","v":[1,2.50,"}"]})"));
    CHECK(raw_member(t, "kind") == std::optional<std::string_view>(R"("event")"));
    CHECK(raw_member(t, "z") == std::optional<std::string_view>("true"));
    CHECK_FALSE(raw_member(t, "id")); // only the top level
    CHECK_FALSE(raw_member(t, "missing"));
    // Spaces around are skipped; a newline inside the value is refused (a frame cannot hold it).
    CHECK(raw_member(R"( { "a" : 1 , "data" : {"b": 2} } )", "data") ==
          std::optional<std::string_view>(R"({"b": 2})"));
    CHECK_FALSE(raw_member("{\"data\":{\"b\":\n2}}", "data"));
    CHECK_FALSE(raw_member("[1]", "data"));
}

TEST_CASE("raw_member: the last member's value runs to the object's closing brace") {
    const std::string t = R"({"kind":"event","n":{"data":1},"data":{"id":"x","v":"}"}})";
    CHECK(raw_member(t, "data", true) == std::optional<std::string_view>(R"({"id":"x","v":"}"})"));
    CHECK(raw_member(t, "data", true) == raw_member(t, "data"));
    CHECK(raw_member(" {\"a\":1, \"data\" : [1, 2] \n} \t", "data", true) ==
          std::optional<std::string_view>("[1, 2]"));
    CHECK(raw_member(R"({"data":"}"})", "data", true) == std::optional<std::string_view>(R"("}")"));
    // Still refused: a control byte inside, or no closing brace where one must be.
    CHECK_FALSE(raw_member("{\"data\":{\"b\":\n2}}", "data", true));
    CHECK_FALSE(raw_member(R"({"data":1)", "data", true));
    CHECK_FALSE(raw_member(R"({"d\u0061ta":1})", "data", true));
}

TEST_CASE("raw_member: escaped quotes and backslash runs, short strings and long ones") {
    // Every string of 0 to 39 characters drawn from a, \" and \\ (a seeded walk): short
    // ones end inside the first 16 bytes, long ones are found quote to quote.
    const char* pieces[] = {"a", "\\\"", "\\\\"};
    std::uint32_t seed = 12345;
    for (int len = 0; len < 40; ++len) {
        for (int round = 0; round < 20; ++round) {
            std::string str;
            for (int i = 0; i < len; ++i) {
                seed = seed * 1103515245u + 12345u;
                str += pieces[(seed >> 16) % 3];
            }
            const std::string data = "{\"x\":\"" + str + "\",\"y\":[\"" + str + "\"]}";
            const std::string t = "{\"k\":\"" + str + "\",\"data\":" + data + ",\"z\":1}";
            INFO(t);
            CHECK(raw_member(t, "data") == std::optional<std::string_view>(data));
        }
    }
}

TEST_CASE("raw_member: a byte below 0x20 anywhere in the value is refused") {
    const std::string value = R"({"id":"x","pad":"0123456789abcdef0123456789"})";
    for (std::size_t at = 1; at < value.size(); ++at) {
        // Between two tokens: after , : { or before the closing brace (the last bytes,
        // past the last whole 8-byte word).
        const bool between = value[at - 1] == ',' || value[at - 1] == ':' || value[at - 1] == '{' ||
                             value[at] == '}';
        if (!between) continue;
        for (const char ws : {'\t', '\n', '\r'}) {
            std::string v = value;
            v.insert(at, 1, ws); // whitespace a parser accepts, between tokens
            INFO(v);
            CHECK_FALSE(raw_member("{\"data\":" + v + "}", "data"));
        }
    }
    CHECK(raw_member("{\"data\":" + value + "}", "data") == std::optional<std::string_view>(value));
}

TEST_CASE("members: the first member of each key, in one pass, absent keys nullopt") {
    JsonParser p;
    using namespace std::string_view_literals;
    const auto doc = p.parse(R"({"b":1,"x":{"a":9},"a":"first","a":"second","c":null})");
    const auto m = members(doc.get_object().value(), std::array{"a"sv, "b"sv, "c"sv, "zz"sv});
    REQUIRE(m[0]);
    // The object's own first "a", as a lookup by key finds it: not the nested one before it.
    CHECK(m[0]->get_string().value() == "first");
    REQUIRE(m[1]);
    CHECK(m[1]->get_uint64().value() == 1);
    REQUIRE(m[2]);
    CHECK(m[2]->is_null()); // present, null: not absent
    CHECK_FALSE(m[3]);
}

TEST_CASE("members: which key the last member is, when it is that key's only one") {
    JsonParser p;
    using namespace std::string_view_literals;
    constexpr auto keys = std::array{"a"sv, "data"sv};
    std::size_t last = 99;
    members(p.parse(R"({"a":1,"x":2,"data":{}})").get_object().value(), keys, &last);
    CHECK(last == 1);
    members(p.parse(R"({"data":{},"a":1,"x":2})").get_object().value(), keys, &last);
    CHECK(last == 2); // not a key asked for
    members(p.parse(R"({"data":1,"a":1,"data":2})").get_object().value(), keys, &last);
    CHECK(last == 2); // a repeat: the first "data" is not the last member
    members(p.parse(R"({})").get_object().value(), keys, &last);
    CHECK(last == 2);
}
