// Tests of lib/api_request: the api socket's request frames.
#include "api_request.hpp"

#include <catch2/catch.hpp>

using namespace om;
using Op = ApiRequest::Op;

TEST_CASE("api requests: the four ops, and anything else is a bad request") {
    CHECK(parse_api_request(R"({"op":"snapshot"})").op == Op::Snapshot);
    CHECK(parse_api_request(R"({"op":"ping","extra":1})").op == Op::Ping);
    CHECK(parse_api_request(R"({"op":"stats"})").op == Op::Stats);
    const auto r = parse_api_request(R"({"op":"replay","epoch":17,"after":4})");
    CHECK(r.op == Op::Replay);
    CHECK(r.epoch == 17);
    CHECK(r.after == 4);
    for (const auto* bad :
         {"", "not json", "[]", "{}", R"({"op":3})", R"({"op":"Snapshot"})",
          R"({"op":"replay","epoch":17})", R"({"op":"replay","epoch":-1,"after":0})",
          R"({"op":"replay","epoch":1.5,"after":0})", R"({"op":"replay","epoch":"1","after":0})",
          "{\"op\":\"ping\"", "\xff\xfe"}) {
        INFO(bad);
        CHECK(parse_api_request(bad).op == Op::Bad);
    }
}

TEST_CASE("api requests: the protocol the client speaks, 0 when not said or not a number") {
    CHECK(parse_api_request(R"({"op":"snapshot","protocol":2})").protocol == 2);
    CHECK(parse_api_request(R"({"op":"replay","protocol":2,"epoch":1,"after":0})").protocol == 2);
    CHECK(parse_api_request(R"({"op":"snapshot"})").protocol == 0);
    CHECK(parse_api_request(R"({"op":"snapshot","protocol":"2"})").protocol == 0);
}
