// Tests of subscribers/common/human_format: patch operations with and without the values
// they replaced, and an event's text and keys.
#include "human_format.hpp"

#include <catch2/catch.hpp>

using namespace om;
using namespace om::sub;

namespace {
// The lines after the header line.
std::string body_lines(const std::string& text) {
    return text.substr(text.find('\n') + 1);
}
const json kPatch = json::parse(R"({"kind":"patch","nodename":"n1","ts":1796199335.8,"data":[
    [["monitor","nodes","n1","frozen"],1796199335.8],
    [["monitor","nodes","n1","labels","zone"],"a"],
    [["monitor","nodes","n1","services","status","ha1"]]]})");
} // namespace

TEST_CASE("human format: a patch's old and new values") {
    const OldValues old{json(0), std::nullopt, json::parse(R"({"avail":"up"})")};
    CHECK(body_lines(format_human(kPatch, &old)) ==
          "  monitor.nodes.n1.frozen 0 => 1796199335.8\n"
          "  monitor.nodes.n1.labels.zone (new) => a\n"
          "  monitor.nodes.n1.services.status.ha1 {\"avail\":\"up\"} => (deleted)\n");
}

TEST_CASE("human format: without a replica, the new values only") {
    CHECK(body_lines(format_human(kPatch)) == "  monitor.nodes.n1.frozen => 1796199335.8\n"
                                              "  monitor.nodes.n1.labels.zone => a\n"
                                              "  monitor.nodes.n1.services.status.ha1 deleted\n");
    // Old values that do not go with the operations are not used.
    const OldValues one{json(0)};
    CHECK(format_human(kPatch, &one) == format_human(kPatch));
}

TEST_CASE("human format: an event's text and its data keys") {
    const auto e = json::parse(
        R"({"kind":"event","nodename":"n2","ts":1.0,"data":{"id":"hb_stale","nodename":"n2"}})");
    const auto text = format_human(e);
    CHECK(text.find(" n2 event\n") != std::string::npos);
    CHECK(body_lines(text) == "  node n2 hb status beating => stale\n"
                              "  ID=hb_stale\n"
                              "  NODENAME=n2\n");
}
