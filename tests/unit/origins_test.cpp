// Tests of lib/origins: what was had per node and incarnation, holes filled late, the
// bounds, and the persisted form.
#include "origins.hpp"

#include <catch2/catch.hpp>

using om::Origins;

TEST_CASE("origins: an event is had once recorded, per node and incarnation") {
    Origins o;
    CHECK_FALSE(o.had("n1", 100, 1));
    for (std::uint64_t e = 1; e <= 5; ++e)
        o.record("n1", 100, e);
    CHECK(o.had("n1", 100, 1));
    CHECK(o.had("n1", 100, 5));
    CHECK_FALSE(o.had("n1", 100, 6));
    CHECK_FALSE(o.had("n2", 100, 1)); // another node
    CHECK_FALSE(o.had("n1", 200, 1)); // a later run of n1 numbers from 1 again
    CHECK(o.to_json() == nlohmann::json::parse(R"({"n1":[[100,[[1,5]]]]})"));
    CHECK_FALSE(o.record("n1", 100, 3)); // had: record says so, and changes nothing
    CHECK(o.record("n1", 100, 6));
    CHECK_FALSE(o.record("n1", 100, 6)); // the highest range's own last event
    CHECK(o.to_json() == nlohmann::json::parse(R"({"n1":[[100,[[1,6]]]]})"));
}

TEST_CASE("origins: events out of order leave holes that a late event fills") {
    // After a broker restart: what a node queued while it was down comes first, then the
    // node's resend of its recent events.
    Origins o;
    o.record("n1", 100, 10);
    o.record("n1", 100, 11);
    CHECK_FALSE(o.had("n1", 100, 9));
    for (std::uint64_t e = 1; e <= 9; ++e) {
        CHECK_FALSE(o.had("n1", 100, e));
        o.record("n1", 100, e);
    }
    CHECK(o.to_json() == nlohmann::json::parse(R"({"n1":[[100,[[1,11]]]]})"));
    // Below a hole, the next event of the lower range joins it, not the highest.
    o.record("n1", 100, 20);
    o.record("n1", 100, 12);
    CHECK(o.to_json() == nlohmann::json::parse(R"({"n1":[[100,[[1,12],[20,20]]]]})"));
    CHECK(o.record("n1", 100, 21));
    CHECK(o.to_json() == nlohmann::json::parse(R"({"n1":[[100,[[1,12],[20,21]]]]})"));
}

TEST_CASE("origins: bounded - the oldest incarnation and the lowest range go first") {
    Origins o;
    for (std::uint64_t inc = 1; inc <= Origins::kIncarnations; ++inc)
        o.record("n1", inc * 10, 7);
    o.record("n1", 1000, 1);
    CHECK_FALSE(o.had("n1", 10, 7)); // pushed out: a repeat, never a loss
    CHECK(o.had("n1", 20, 7));
    CHECK(o.had("n1", 1000, 1));
    for (std::uint64_t k = 0; k <= Origins::kRanges; ++k)
        o.record("n2", 1, 1 + 2 * k); // 1, 3, 5...: one range each
    CHECK_FALSE(o.had("n2", 1, 1));
    CHECK(o.had("n2", 1, 3));
}

TEST_CASE("origins: the persisted form round-trips - another shape is an error") {
    Origins o;
    o.record("n1", 1795830570000001, 42);
    o.record("n1", 1795830570000001, 44);
    o.record("n'2", 7, 1);
    const auto back = Origins::from_json(o.to_json());
    CHECK(back.to_json() == o.to_json());
    CHECK(back.had("n1", 1795830570000001, 44));
    CHECK_FALSE(back.had("n1", 1795830570000001, 43));
    CHECK(Origins::from_json(nlohmann::json::object()).empty());
    CHECK_THROWS_WITH(Origins::from_json(nlohmann::json::parse(R"({"n1":[[1,[[3,2]]]]})")),
                      "origins of n1: bad entry [1,[[3,2]]]");
    CHECK_THROWS(Origins::from_json(nlohmann::json::parse(R"({"n1":[[1,-2]]})")));
    CHECK_THROWS(Origins::from_json(nlohmann::json::array()));
}
