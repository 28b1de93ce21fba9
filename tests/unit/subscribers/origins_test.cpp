// Tests of subscribers/common/origins: marks per node and incarnation, the incarnations
// kept, and the persisted form.
#include "origins.hpp"

#include <catch2/catch.hpp>

using om::sub::Origins;

TEST_CASE("origins: an event is had up to its incarnation's mark, per node") {
    Origins o;
    CHECK_FALSE(o.had("n1", 100, 1));
    o.record("n1", 100, 5);
    CHECK(o.had("n1", 100, 1));
    CHECK(o.had("n1", 100, 5));
    CHECK_FALSE(o.had("n1", 100, 6));
    CHECK_FALSE(o.had("n2", 100, 1)); // another node
    CHECK_FALSE(o.had("n1", 200, 1)); // a later run of n1 numbers from 1 again
    o.record("n1", 100, 3);           // never lowers a mark
    CHECK(o.had("n1", 100, 5));
}

TEST_CASE("origins: the oldest incarnation of a node goes first") {
    Origins o;
    for (std::uint64_t inc = 1; inc <= Origins::kIncarnations; ++inc)
        o.record("n1", inc * 10, 7);
    CHECK(o.had("n1", 10, 7));
    o.record("n1", 1000, 1);
    CHECK_FALSE(o.had("n1", 10, 7)); // pushed out
    CHECK(o.had("n1", 20, 7));
    CHECK(o.had("n1", 1000, 1));
}

TEST_CASE("origins: the persisted form round-trips - another shape is an error") {
    Origins o;
    o.record("n1", 1795830570000001, 42);
    o.record("n'2", 7, 1);
    const auto j = o.to_json();
    CHECK(j == nlohmann::json::parse(R"({"n1":[[1795830570000001,42]],"n'2":[[7,1]]})"));
    const auto back = Origins::from_json(j);
    CHECK(back.had("n1", 1795830570000001, 42));
    CHECK_FALSE(back.had("n1", 1795830570000001, 43));
    CHECK(Origins::from_json(nlohmann::json::object()).empty());
    CHECK_THROWS_WITH(Origins::from_json(nlohmann::json::parse(R"({"n1":[[1,-2]]})")),
                      "origins of n1: bad entry [1,-2]");
    CHECK_THROWS(Origins::from_json(nlohmann::json::array()));
}
