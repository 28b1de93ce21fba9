// Tests of lib/filter: one example per line for every rule of the grammar.
#include "filter.hpp"

#include <catch2/catch.hpp>

using namespace om;

namespace {
const json doc = json::parse(R"({
  "monitor": {
    "nodes": {
      "n1": {"frozen": 0, "speaker": true, "load": 0.5, "name": "alpha", "tags": ["a", "b"],
             "services": {"status": {"ha1": {"avail": "up", "frozen": false}}}},
      "n2": {"frozen": 1539074255.12, "speaker": false, "load": 2.5, "name": "beta", "tags": [],
             "services": {"status": {"ha1": {"avail": "down", "frozen": true}}}}
    },
    "services": {"ns/svc/x": {"avail": "up"}, "ha1": {"avail": "warn", "overall": "warn"}},
    "count": 3, "nothing": null, "empty": ""
  },
  "hb#1.rx": {"beating": true}
})");

bool holds(const char* f) {
    return Filter::parse(f).matches(doc);
}
} // namespace

TEST_CASE("equality casts the value to the matched type") {
    CHECK(holds("monitor.nodes.n1.frozen=0"));
    CHECK_FALSE(holds("monitor.nodes.n2.frozen=0"));
    CHECK(holds("monitor.nodes.n2.frozen=1539074255.12"));
    CHECK(holds("monitor.count=3"));
    CHECK(holds("monitor.count=3.0"));
    CHECK(holds("monitor.nodes.n1.name=alpha"));
    CHECK_FALSE(holds("monitor.count=three"));
    CHECK(holds("monitor.nothing=null"));
    CHECK(holds("monitor.nodes.n1.tags=[\"a\",\"b\"]"));
}

TEST_CASE("booleans take 0/1/true/false/yes/no") {
    CHECK(holds("monitor.nodes.n1.speaker=true"));
    CHECK(holds("monitor.nodes.n1.speaker=1"));
    CHECK(holds("monitor.nodes.n1.speaker=yes"));
    CHECK(holds("monitor.nodes.n1.speaker=TRUE"));
    CHECK(holds("monitor.nodes.n2.speaker=false"));
    CHECK(holds("monitor.nodes.n2.speaker=0"));
    CHECK(holds("monitor.nodes.n2.speaker=no"));
    CHECK_FALSE(holds("monitor.nodes.n2.speaker=maybe"));
}

TEST_CASE("ordering operators compare numbers numerically and strings lexically") {
    CHECK(holds("monitor.nodes.n1.load<1"));
    CHECK(holds("monitor.nodes.n1.load<=0.5"));
    CHECK(holds("monitor.nodes.n2.load>2"));
    CHECK(holds("monitor.nodes.n2.load>=2.5"));
    CHECK_FALSE(holds("monitor.nodes.n2.load>10"));
    CHECK(holds("monitor.nodes.n1.name<beta"));
    CHECK_FALSE(holds("monitor.nodes.n1.load>x"));
}

TEST_CASE("!= holds when the value differs or cannot be cast") {
    CHECK(holds("monitor.nodes.n1.name!=beta"));
    CHECK_FALSE(holds("monitor.nodes.n1.name!=alpha"));
    CHECK(holds("monitor.count!=three"));
}

TEST_CASE("the search operator is a regular expression search") {
    CHECK(holds("monitor.nodes.n1.name~lph"));
    CHECK(holds("monitor.nodes.n1.name~^al"));
    CHECK_FALSE(holds("monitor.nodes.n1.name~^lph"));
    CHECK(holds("monitor.nodes.n1.load~^0\\.5$"));
}

TEST_CASE("in takes a/b/c or a JSON list") {
    CHECK(holds("monitor.nodes.n1.name in alpha,gamma"));
    CHECK(holds("monitor.nodes.n1.name in gamma, alpha"));
    CHECK(holds("monitor.nodes.n1.name in [\"alpha\",\"gamma\"]"));
    CHECK(holds("monitor.count in [1,2,3]"));
    CHECK(holds("monitor.count in 1,3"));
    CHECK_FALSE(holds("monitor.nodes.n1.name in beta,gamma"));
}

TEST_CASE("a leading bang negates the whole condition") {
    CHECK(holds("!monitor.nodes.n1.frozen>0"));
    CHECK_FALSE(holds("!monitor.nodes.*.frozen>0"));
    CHECK(holds("!monitor.nodes.*.frozen>2000000000"));
    CHECK(holds("!monitor.missing"));
}

TEST_CASE("a star matches any one key and any match satisfies") {
    CHECK(holds("monitor.nodes.*.frozen>0"));
    CHECK(holds("monitor.nodes.*.services.status.ha1.avail=down"));
    CHECK_FALSE(holds("monitor.nodes.*.name=gamma"));
    CHECK(holds("monitor.nodes.n1.tags.*=b"));
    CHECK(holds("monitor.nodes.n1.tags.1=b"));
}

TEST_CASE("a leading dot is ignored and quoted keys hold dots and slashes") {
    CHECK(holds(".monitor.nodes.n1.frozen=0"));
    CHECK(holds("monitor.services.'ns/svc/x'.avail=up"));
    CHECK(holds("'hb#1.rx'.beating"));
}

TEST_CASE("no operator holds when the value is truthy") {
    CHECK(holds("monitor.nodes.n2.frozen"));
    CHECK_FALSE(holds("monitor.nodes.n1.frozen"));
    CHECK(holds("monitor.nodes.n1.tags"));
    CHECK_FALSE(holds("monitor.nodes.n2.tags"));
    CHECK_FALSE(holds("monitor.nothing"));
    CHECK_FALSE(holds("monitor.empty"));
    CHECK(holds("monitor.nodes.n1.name"));
}

TEST_CASE("a missing path is not satisfied - whatever the operator") {
    CHECK_FALSE(holds("monitor.nodes.n9.frozen=0"));
    CHECK_FALSE(holds("monitor.nodes.n9.frozen!=0"));
    CHECK_FALSE(holds("monitor.nodes.n1.frozen.deeper"));
    CHECK_FALSE(holds("nowhere"));
}

TEST_CASE("parse errors name the position and what was expected") {
    CHECK_THROWS_WITH(Filter::parse(""), "filter '': expected a key at position 1");
    CHECK_THROWS_WITH(Filter::parse("a..b"), "filter 'a..b': expected a key at position 3");
    CHECK_THROWS_WITH(Filter::parse("a.'b=1"), "filter 'a.'b=1': unterminated quote at position 3");
    CHECK_THROWS_WITH(Filter::parse("a b"),
                      Catch::Contains("expected an operator (= != > >= < <= ~ in) at position 3"));
    CHECK_THROWS_WITH(Filter::parse("a=>1"),
                      "filter 'a=>1': unexpected '>' after the operator at position 3");
    CHECK_THROWS_WITH(Filter::parse("a==1"), Catch::Contains("unexpected '=' after the operator"));
    CHECK_THROWS_WITH(Filter::parse("a~("), Catch::Contains("bad regular expression"));
    // Numbers libstdc++ would overflow reading (its regex compiler does not check): refused.
    CHECK_THROWS_WITH(Filter::parse("a~x\\12345678901234567890"),
                      Catch::Contains("bad regular expression (a back-reference or repeat count "
                                      "of more than 9 digits) at position 5"));
    CHECK_THROWS_WITH(Filter::parse("a~x{1,99999999999999999999}"),
                      Catch::Contains("of more than 9 digits) at position 7"));
    // A search costs the pattern's size times the text's at most (see filter_regex_test).
    CHECK_THROWS_WITH(Filter::parse("a~[a-z]{1000}"),
                      Catch::Contains("bad regular expression (too large: more than 1000 "
                                      "steps, a repeat counting its part once per repetition) "
                                      "at position 8"));
    CHECK_THROWS_WITH(Filter::parse("a~(x)\\1"), Catch::Contains("bad regular expression ("));
    CHECK(Filter::parse("a~x{1,3}").matches(json{{"a", "xx"}}));
    CHECK(Filter::parse("a~12345678901234567890").matches(json{{"a", "12345678901234567890"}}));
    CHECK(Filter::parse("a~\\{12345678901234567890").matches(json{{"a", "{12345678901234567890"}}));
    CHECK_THROWS_WITH(Filter::parse("a in "), Catch::Contains("expected a list after 'in'"));
    CHECK_THROWS_WITH(Filter::parse("!"), Catch::Contains("expected a key at position 2"));
    // An order or a pattern needs a value; equality with nothing means "is empty".
    CHECK_THROWS_WITH(Filter::parse("a.b>="), "filter 'a.b>=': expected a value after '>=' at "
                                              "position 6");
    for (const auto* text : {"a>", "a<", "a<=", "a~", "a >= "}) {
        INFO(text);
        CHECK_THROWS_WITH(Filter::parse(text), Catch::Contains("expected a value after"));
    }
    CHECK_NOTHROW(Filter::parse("a="));
    CHECK_NOTHROW(Filter::parse("a!="));
    CHECK_THROWS_WITH(Filter::parse("a.'b'c"), Catch::Contains("at position 6"));
}

TEST_CASE("for_each_match lists every match with its path") {
    auto f = Filter::parse("monitor.nodes.*.frozen");
    std::vector<std::string> seen;
    f.for_each_match(
        doc, [&](const Path& p, const json& v) { seen.push_back(to_dotted(p) + "=" + v.dump()); });
    CHECK(seen == std::vector<std::string>{"monitor.nodes.n1.frozen=0",
                                           "monitor.nodes.n2.frozen=1539074255.12"});
    CHECK_FALSE(f.is_simple_path());
    CHECK(Filter::parse("monitor.nodes.n1").is_simple_path());
}
