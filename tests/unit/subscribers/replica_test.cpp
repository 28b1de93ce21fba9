// Tests of subscribers/common/replica: the seam rule on top of a snapshot (old patches
// skipped, the next one applied, a jump is a gap), and a patch that does not apply.
#include "replica.hpp"

#include <catch2/catch.hpp>

using namespace om;
using namespace om::sub;
using R = Replica::Result;

namespace {
struct Patches {
    simdjson::dom::parser parser;
    std::string text;
    simdjson::dom::element body(const std::string& data) {
        text = R"({"kind":"patch","data":)" + data + "}";
        return parser.parse(text);
    }
};
} // namespace

TEST_CASE("replica: the seam rule after a snapshot at patch sequence P") {
    Replica r;
    Patches p;
    CHECK_FALSE(r.synced());
    CHECK(r.apply(1, p.body(R"([[["a"],1]])")) == R::Gap); // nothing to apply to yet
    r.reset(7, 10, json::parse(R"({"a":0})"));
    CHECK(r.synced());
    CHECK(r.epoch() == 7);
    CHECK(r.apply(9, p.body(R"([[["a"],9]])")) == R::Old); // in the snapshot already
    CHECK(r.apply(10, p.body(R"([[["a"],10]])")) == R::Old);
    CHECK(r.doc() == json::parse(R"({"a":0})"));
    CHECK(r.apply(11, p.body(R"([[["a"],11],[["b","c"],true]])")) == R::Applied);
    CHECK(r.pseq() == 11);
    CHECK(r.doc() == json::parse(R"({"a":11,"b":{"c":true}})"));
    CHECK(r.apply(12, p.body(R"([[["b"]]])")) == R::Applied); // a delete
    CHECK(r.doc() == json::parse(R"({"a":11})"));
    CHECK(r.apply(14, p.body(R"([[["a"],14]])")) == R::Gap); // 13 was lost
    CHECK_FALSE(r.synced());
    CHECK(r.apply(13, p.body(R"([[["a"],13]])")) == R::Gap); // until the next snapshot
    r.reset(7, 14, json::parse(R"({"a":14})"));
    CHECK(r.apply(15, p.body(R"([[["a"],15]])")) == R::Applied);
}

TEST_CASE("replica: a patch that does not apply unsyncs it") {
    Replica r;
    Patches p;
    for (const std::string bad : {R"({"x":1})", R"([["a"]])", R"([[1,2,3]])", R"([[["a",0],1]])"}) {
        INFO(bad);
        r.reset(7, 0, json::parse(R"({"a":"text"})"));
        CHECK(r.apply(1, p.body(bad)) == R::Error);
        CHECK_FALSE(r.synced());
    }
    r.reset(7, 0, json::object());
    r.invalidate();
    CHECK_FALSE(r.synced());
}

TEST_CASE("replica: the values a patch replaced, one per operation") {
    Replica r;
    Patches p;
    r.reset(1, 0, json::parse(R"({"a":0,"l":[1,2],"o":{"k":"v"}})"));
    OldValues old;
    REQUIRE(r.apply(1, p.body(R"([[["a"],1],[["n"],2],[["o"]],[["l",1],3],[["a"],5]])"), &old) ==
            R::Applied);
    REQUIRE(old.size() == 5);
    CHECK(old[0] == json(0));
    CHECK_FALSE(old[1].has_value());              // a key that appears
    CHECK(old[2] == json::parse(R"({"k":"v"})")); // a delete: what it removed
    CHECK(old[3] == json(2));                     // a list index
    CHECK(old[4] == json(1)); // after the first operation: each sees the one before
    REQUIRE(r.apply(2, p.body(R"([[["a"],6]])"), &old) == R::Applied);
    CHECK(old.size() == 1); // filled afresh per patch
}
