// The example subscribers of subscribers/examples/ follow the state as the broker has it.
#include "harness.hpp"
#include "patch.hpp"

#include <catch2/catch.hpp>
#include <thread>

using namespace it;

namespace {
// Runs an example while node n1 changes, and returns the document it prints once the stream
// has been quiet for its QUIET_SECONDS.
json follow(const std::vector<std::string>& cmd_prefix, BrokerProc& broker, PubProc& n1,
            RunResult& r) {
    std::vector<std::string> cmd = cmd_prefix;
    // The example stops when no patch came for this long: far more than one `om-pub set`
    // takes, even under a sanitizer on a loaded machine (a fixed run of 10 s was not).
    cmd.insert(cmd.end(), {broker.pub, broker.api, "8"});
    std::thread example([&] { r = run(cmd, 120s); });
    for (int i = 0; i < 40; ++i) {
        n1.cli({"set",
                "services.status.s" + std::to_string(i % 5) + ".avail=" + (i % 2 ? "up" : "down"),
                "list=[" + std::to_string(i) + "]"});
        if (i % 7 == 0) n1.cli({"unset", "services.status.s" + std::to_string(i % 5)});
    }
    example.join();
    return r.code == 0 ? json::parse(r.out) : json(nullptr);
}
} // namespace

TEST_CASE("the pyzmq example follows the cluster state", "[examples]") {
    TempDir dir;
    BrokerProc broker(dir, "[pub]\ntick = \"5s\"\n[heartbeat]\ntimeout = \"120s\"\n");
    PubProc n1(dir, "n1", {broker.ingest}, "60s"); // no periodic changes: stable at the end
    RunResult r;
    const auto doc =
        follow({"/usr/bin/python3", source_dir() + "/subscribers/examples/follow_state.py"}, broker,
               n1, r);
    INFO(r.err);
    REQUIRE(r.code == 0);
    const auto expected = broker.snapshot();
    INFO("difference: " << om::ops_to_json(om::diff(doc, expected)).dump());
    CHECK(doc == expected);
}

TEST_CASE("the C++ example follows the cluster state", "[examples]") {
    TempDir dir;
    BrokerProc broker(dir, "[pub]\ntick = \"5s\"\n[heartbeat]\ntimeout = \"120s\"\n");
    PubProc n1(dir, "n1", {broker.ingest}, "60s");
    RunResult r;
    const auto doc = follow({FOLLOW_STATE_BIN}, broker, n1, r);
    INFO(r.err);
    REQUIRE(r.code == 0);
    const auto expected = broker.snapshot();
    INFO("difference: " << om::ops_to_json(om::diff(doc, expected)).dump());
    CHECK(doc == expected);
}
