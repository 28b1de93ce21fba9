// Tests of lib/json_fields: a field of the wrong type or missing, or a value that is no
// object, gives the default and never throws.
#include "json_fields.hpp"

#include <catch2/catch.hpp>

using namespace om;
using nlohmann::json;

TEST_CASE("json fields: the value when present and of its type, else the default") {
    const auto j = json::parse(R"({"s":"x","n":7,"neg":-1,"f":1.5,"o":{}})");
    REQUIRE(string_at(j, "s"));
    CHECK(*string_at(j, "s") == "x");
    CHECK(string_at(j, "n") == nullptr);
    CHECK(string_at(j, "missing") == nullptr);
    CHECK(string_or(j, "s", "d") == "x");
    CHECK(string_or(j, "o", "d") == "d");
    CHECK(string_or(j, "missing") == "");
    CHECK(unsigned_or(j, "n") == 7);
    CHECK(unsigned_or(j, "neg", 3) == 3); // a negative number is no sequence
    CHECK(unsigned_or(j, "f", 3) == 3);
    CHECK(unsigned_or(j, "s") == 0);
    for (const auto& not_object : {json::parse("[1]"), json("s"), json(nullptr)}) {
        CHECK(string_at(not_object, "s") == nullptr);
        CHECK(unsigned_or(not_object, "n", 9) == 9);
    }
}

TEST_CASE("json fields: a scalar as a person reads it") {
    CHECK(scalar_text(json("up")) == "up");
    CHECK(scalar_text(json(1.5)) == "1.5");
    CHECK(scalar_text(json(nullptr)) == "null");
    CHECK(scalar_text(json::parse(R"({"a":[1]})")) == R"({"a":[1]})");
}

TEST_CASE("number_or: any number, else the fallback") {
    const auto j = nlohmann::json::parse(R"({"i":3,"d":0.5,"s":"7"})");
    CHECK(om::number_or(j, "i") == 3.0);
    CHECK(om::number_or(j, "d") == 0.5);
    CHECK(om::number_or(j, "s", -1) == -1.0);
    CHECK(om::number_or(nlohmann::json(1), "i", -2) == -2.0);
}
