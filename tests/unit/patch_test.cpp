// Tests of lib/patch: apply, diff and the property apply_patch(a, diff(a, b)) == b.
#include "patch.hpp"

#include <catch2/catch.hpp>
#include <random>

using namespace om;

static Path P(std::initializer_list<PathElem> l) {
    return Path(l);
}
static std::string S(const char* s) {
    return s;
}

TEST_CASE("apply sets leaves - creating intermediate objects") {
    json doc = json::object();
    apply_patch(doc, Op{P({S("monitor"), S("nodes"), S("n1"), S("frozen")}), json(0)});
    CHECK(doc == json::parse(R"({"monitor":{"nodes":{"n1":{"frozen":0}}}})"));
    apply_patch(doc, ops_from_json(json::parse(R"([[["monitor","nodes","n1","frozen"], 1539]])")));
    CHECK(doc["monitor"]["nodes"]["n1"]["frozen"] == 1539);
}

TEST_CASE("apply deletes keys and list indexes - deleting a missing path changes nothing") {
    json doc = json::parse(R"({"a":{"b":1,"c":[1,2,3]}})");
    apply_patch(doc, ops_from_json(json::parse(
                         R"([[["a","c",2]], [["a","c",1]], [["a","b"]], [["x","y"]]])")));
    CHECK(doc == json::parse(R"({"a":{"c":[1]}})"));
}

TEST_CASE("apply appends at the end of a list and replaces inside it") {
    json doc = json::parse(R"({"l":[1]})");
    apply_patch(doc, Op{P({S("l"), std::size_t{1}}), json(2)});
    apply_patch(doc, Op{P({S("l"), std::size_t{0}}), json(0)});
    CHECK(doc["l"] == json::parse("[0,2]"));
}

TEST_CASE("apply refuses paths through a non-object - leaving the document unchanged") {
    json doc = json::parse(R"({"a":"text","l":[1]})");
    const json before = doc;
    CHECK_THROWS_WITH(apply_patch(doc, Op{P({S("a"), S("b"), S("c")}), json(1)}),
                      "patch a.b.c: cannot descend into a string");
    CHECK_THROWS_WITH(apply_patch(doc, Op{P({S("a"), S("b")}), json(1)}),
                      "patch a.b: cannot set key 'b' inside a string");
    CHECK_THROWS_WITH(apply_patch(doc, Op{P({S("l"), std::size_t{5}}), json(1)}),
                      "patch l.5: list index 5 out of range");
    CHECK(doc == before);
}

TEST_CASE("apply refuses a list index below a missing key or a null - creating nothing") {
    // Found by fuzz_heartbeat: [["list",0],1] on a node without "list" left "list":{} in the
    // broker's document, which no patch told the subscribers.
    json doc = json::parse(R"({"n":null,"o":{}})");
    const json before = doc;
    CHECK_THROWS_WITH(apply_patch(doc, Op{P({S("list"), std::size_t{0}}), json(1)}),
                      "patch list.0: list index 0 below a missing key");
    CHECK_THROWS_WITH(apply_patch(doc, Op{P({S("o"), S("a"), std::size_t{2}, S("b")}), json(1)}),
                      "patch o.a.2.b: list index 2 below a missing key");
    CHECK_THROWS_WITH(apply_patch(doc, Op{P({S("n"), std::size_t{0}}), json(1)}),
                      "patch n.0: list index 0 below a missing key");
    CHECK_THROWS_WITH(apply_patch(doc, Op{P({S("n"), S("x"), std::size_t{0}}), json(1)}),
                      "patch n.x.0: list index 0 below a missing key");
    CHECK(doc == before);
    // Keys below a missing key or a null are still created.
    apply_patch(doc, Op{P({S("n"), S("x"), S("0")}), json(1)});
    apply_patch(doc, Op{P({S("new"), S("y")}), json(2)});
    CHECK(doc == json::parse(R"({"n":{"x":{"0":1}},"o":{},"new":{"y":2}})"));
}

TEST_CASE("malformed ops are one-line errors") {
    CHECK_THROWS_WITH(op_from_json(json::parse("[]")),
                      Catch::Contains("expected [path] or [path, value]"));
    CHECK_THROWS_WITH(op_from_json(json::parse(R"(["a", 1])")),
                      Catch::Contains("expected a JSON list"));
    CHECK_THROWS_WITH(ops_from_json(json::parse("{}")), Catch::Contains("expected a list of ops"));
}

TEST_CASE("diff follows the original's semantics (opensvc-v2 1.4)") {
    SECTION("changed leaves") {
        auto ops =
            diff(json::parse(R"({"a":{"b":1,"c":2}})"), json::parse(R"({"a":{"b":1,"c":3}})"));
        CHECK(ops_to_json(ops) == json::parse(R"([[["a","c"],3]])"));
    }
    SECTION("a whole subtree where the old value is missing or null") {
        auto ops =
            diff(json::parse(R"({"a":null})"), json::parse(R"({"a":{"x":{"y":1}},"n":{"m":2}})"));
        CHECK(ops_to_json(ops) == json::parse(R"([[["a"],{"x":{"y":1}}],[["n"],{"m":2}]])"));
    }
    SECTION("removed keys") {
        auto ops = diff(json::parse(R"({"a":{"b":1}})"), json::parse(R"({"a":{}})"));
        CHECK(ops_to_json(ops) == json::parse(R"([[["a","b"]]])"));
    }
    SECTION("list indexes deleted in reverse order") {
        auto ops = diff(json::parse(R"({"a":{"c":[1,2,3]}})"), json::parse(R"({"a":{"c":[1]}})"));
        CHECK(ops_to_json(ops) == json::parse(R"([[["a","c",2]],[["a","c",1]]])"));
    }
    SECTION("a type change replaces the value") {
        auto ops = diff(json::parse(R"({"a":[1]})"), json::parse(R"({"a":{"x":1}})"));
        CHECK(ops_to_json(ops) == json::parse(R"([[["a"],{"x":1}]])"));
    }
    SECTION("equal documents give nothing") {
        auto d = json::parse(R"({"a":[1,{"b":null}],"c":"x"})");
        CHECK(diff(d, d).empty());
    }
}

namespace {
// A random JSON value with a small key space, so that two documents share structure.
json random_value(std::mt19937& rng, int depth) {
    std::uniform_int_distribution<int> kind(0, depth > 3 ? 4 : 7);
    switch (kind(rng)) {
    case 0:
        return nullptr;
    case 1:
        return std::uniform_int_distribution<int>(0, 1)(rng) == 1;
    case 2:
        return std::uniform_int_distribution<int>(-3, 3)(rng);
    case 3:
        return std::uniform_real_distribution<double>(0, 2)(rng);
    case 4:
        return std::string(1,
                           static_cast<char>('a' + std::uniform_int_distribution<int>(0, 3)(rng)));
    case 5: {
        json l = json::array();
        for (int i = std::uniform_int_distribution<int>(0, 4)(rng); i > 0; --i)
            l.push_back(random_value(rng, depth + 1));
        return l;
    }
    default: {
        json o = json::object();
        for (int i = std::uniform_int_distribution<int>(0, 5)(rng); i > 0; --i) {
            static const char* keys[] = {"a", "b", "c", "d.e", "ns/f", "g"};
            o[keys[std::uniform_int_distribution<int>(0, 5)(rng)]] = random_value(rng, depth + 1);
        }
        return o;
    }
    }
}
} // namespace

TEST_CASE("applying the diff of a and b to a gives b over thousands of seeded random documents") {
    std::mt19937 rng(20261128);
    for (int i = 0; i < 5000; ++i) {
        json a = random_value(rng, 0), b = random_value(rng, 0);
        json patched = a;
        auto ops = diff(a, b);
        apply_patch(patched, ops);
        INFO("a=" << a.dump() << " b=" << b.dump() << " ops=" << ops_to_json(ops).dump());
        REQUIRE(patched == b);
        // The wire form carries the same ops.
        REQUIRE((ops_from_json(ops_to_json(ops)) == ops));
    }
}
