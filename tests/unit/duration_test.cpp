// Tests of lib/duration.
#include "duration.hpp"

#include <catch2/catch.hpp>

using namespace om;

TEST_CASE("durations in every unit") {
    CHECK(parse_duration("500ms") == Millis(500));
    CHECK(parse_duration("1s") == Millis(1000));
    CHECK(parse_duration("1m") == Millis(60000));
    CHECK(parse_duration("1h10m") == Millis(4200000));
    CHECK(parse_duration("1d") == Millis(86400000));
    CHECK(parse_duration("1w") == Millis(604800000));
    CHECK(parse_duration("1m30s") == Millis(90000));
    CHECK(parse_duration("1.5s") == Millis(1500));
}

TEST_CASE("bare numbers are seconds") {
    CHECK(parse_duration("30") == Millis(30000));
    CHECK(parse_duration("0.25") == Millis(250));
    CHECK(parse_duration("0") == Millis(0));
}

TEST_CASE("junk is an error naming the position") {
    CHECK_THROWS_WITH(parse_duration(""), "duration '': empty");
    CHECK_THROWS_WITH(parse_duration("1x"),
                      "duration '1x': unknown unit (expected ms s m h d w) at position 2");
    CHECK_THROWS_WITH(parse_duration("abc"), "duration 'abc': expected a number at position 1");
    CHECK_THROWS_WITH(parse_duration("-1s"), Catch::Contains("expected a number at position 1"));
    CHECK_THROWS_WITH(parse_duration("1s5"), Catch::Contains("expected a unit"));
    CHECK_THROWS_WITH(parse_duration("1.2.3s"), Catch::Contains("bad number"));
    CHECK_THROWS_AS(parse_duration("5 s"), DurationError);
}

TEST_CASE("format_duration reads back") {
    for (auto ms : {0LL, 1LL, 500LL, 1000LL, 4200000LL, 90061001LL})
        CHECK(parse_duration(format_duration(Millis(ms))) == Millis(ms));
    CHECK(format_duration(Millis(4200000)) == "1h10m");
}
