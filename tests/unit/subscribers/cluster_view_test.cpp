// Tests of subscribers/mon/cluster_view: instance glyphs, the service filter, the view of
// a small document, and a terminal too small for it.
#include "mon/cluster_view.hpp"

#include <catch2/catch.hpp>

using namespace om;
using namespace om::sub;

namespace {
const json kDoc = json::parse(R"({
  "cluster": {"name": "c1", "nodes": ["n1", "n2"]},
  "heartbeats": {"n1": {"beating": true, "last": 100.0}, "n2": {"beating": false, "last": 50.0}},
  "monitor": {
    "nodes": {
      "n1": {"frozen": 0, "stats": {"load_15m": 0.5, "mem_avail_pct": 80},
             "services": {"status": {"web": {"avail": "up", "monitor": {"placement": "leader"}}}}},
      "n2": {"frozen": 1796199335.8,
             "services": {"status": {"web": {"avail": "down", "frozen": 1.0},
                                     "db": {"avail": "warn"}}}}},
    "services": {
      "web": {"avail": "up", "overall": "up", "placement": "optimal", "frozen": "mixed"},
      "db": {"avail": "warn", "overall": "warn", "placement": "n/a", "frozen": "thawed"}}}})");

std::string joined(const std::vector<std::string>& lines) {
    std::string s;
    for (const auto& l : lines)
        s += l + "\n";
    return s;
}
} // namespace

TEST_CASE("cluster view: instance glyphs") {
    CHECK(instance_glyph(json::parse(R"({"avail":"up"})")) == "O");
    CHECK(instance_glyph(json::parse(R"({"avail":"down","frozen":1})")) == "X*");
    CHECK(instance_glyph(json::parse(R"({"avail":"warn","monitor":{"placement":"leader"}})")) ==
          "!^");
    CHECK(instance_glyph(json::parse(R"({"avail":"n/a"})")) == "/");
    CHECK(instance_glyph(json::parse(R"({"avail":7})")) == "?");
}

TEST_CASE("cluster view: the filter selects services by their paths") {
    CHECK(selects_service(Filter::parse("monitor.services.*.avail=warn"), kDoc, "db"));
    CHECK_FALSE(selects_service(Filter::parse("monitor.services.*.avail=warn"), kDoc, "web"));
    CHECK(selects_service(Filter::parse("monitor.nodes.*.services.status.*.avail=down"), kDoc,
                          "web"));
    CHECK(selects_service(Filter::parse("!monitor.services.*.avail=warn"), kDoc, "web"));
    CHECK(selects_service(Filter::parse("monitor.services.web"), kDoc, "web"));
    CHECK_FALSE(selects_service(Filter::parse("monitor.services.web"), kDoc, "db"));
}

TEST_CASE("cluster view: nodes and services of a document") {
    ViewOptions o;
    o.now = 101.0;
    o.epoch = 42;
    const auto text = joined(render_view(kDoc, o));
    INFO(text);
    CHECK(text.find("ombus cluster c1  broker epoch 42") == 0);
    CHECK(text.find(" heartbeat") != std::string::npos);
    CHECK(text.find("beating stale") != std::string::npos);
    CHECK(text.find("1.0s    51.0s") != std::string::npos);
    CHECK(text.find("-       frozen") != std::string::npos);
    CHECK(text.find("O^      X*") != std::string::npos);
    CHECK(text.find(" web     up    up      optimal     mixed") != std::string::npos);
    CHECK(text.find('\x1b') == std::string::npos);
    o.colour = true;
    CHECK(joined(render_view(kDoc, o)).find("\x1b[32m") != std::string::npos);
    o.colour = false;
    o.filter = Filter::parse("monitor.services.*.avail=warn");
    const auto filtered = joined(render_view(kDoc, o));
    CHECK(filtered.find(" db ") != std::string::npos);
    CHECK(filtered.find(" web ") == std::string::npos);
}

TEST_CASE("cluster view: a terminal too small says so in its last line") {
    ViewOptions o;
    o.width = 30;
    o.height = 6;
    const auto lines = render_view(kDoc, o);
    REQUIRE(lines.size() == 6);
    for (const auto& l : lines)
        CHECK(l.size() <= 30);
    CHECK(lines.back().find("terminal too small") == 0);
    o.width = 200;
    o.height = 60;
    CHECK(render_view(kDoc, o).back().find("terminal too small") == std::string::npos);
}
