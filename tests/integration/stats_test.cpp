// Integration tests of `om-sub stats` and `om-pub stats` with the real programs: the
// counters follow what happened, and the three formats are what they say (JSON parses, the
// Prometheus text passes the format's rules).
#include "harness.hpp"
#include "prometheus_check.hpp"

#include <catch2/catch.hpp>
#include <zmq.hpp>

using namespace it;

namespace {
RunResult sub_stats(const BrokerProc& b, std::vector<std::string> args = {}) {
    std::vector<std::string> argv{sub_bin(), "stats", "--config", "/dev/null"};
    for (const auto& f : sub_flags(b))
        argv.push_back(f);
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv);
}
json stats_json(const BrokerProc& b) {
    const auto r = sub_stats(b, {"--format", "json"});
    return r.code == 0 ? json::parse(r.out, nullptr, false) : json();
}
} // namespace

TEST_CASE("om-sub stats: the broker's counters in three formats", "[stats]") {
    TempDir dir;
    BrokerProc broker(dir);
    PubProc n1(dir, "n1", {broker.ingest});
    REQUIRE(n1.cli({"set", "frozen=1"}).code == 0);
    REQUIRE(eventually([&] { return stats_json(broker).value("patches", 0) >= 2; }));

    const auto s = stats_json(broker);
    CHECK(s["name"] == "broker");
    CHECK(s["nodes"] == 1);
    CHECK(s["heartbeats"]["n1"]["beating"] == true);
    CHECK(s["heartbeats"]["n1"]["age"].get<double>() < 5.0);
    CHECK(s["uptime"].get<double>() > 0);
    CHECK(s["rss_bytes"].get<double>() > 1e6);
    CHECK(s["journal"].is_null());

    // A subscriber connected is counted, and no longer once it left.
    const auto before = s["subscribers"].get<int>();
    {
        Process events({sub_bin(), "events", "--config", "/dev/null", "--pub", broker.pub, "--api",
                        broker.api},
                       dir.file("events.log"));
        CHECK(
            eventually([&] { return stats_json(broker).value("subscribers", -1) == before + 1; }));
    }
    CHECK(eventually([&] { return stats_json(broker).value("subscribers", -1) == before; }));

    const auto human = sub_stats(broker);
    CHECK(human.code == 0);
    CHECK(human.out.find("broker broker (ombus ") == 0);
    CHECK(human.out.find("    n1 ") != std::string::npos);
    CHECK(human.out.find("journal      off") != std::string::npos);

    const auto prom = sub_stats(broker, {"--format", "prometheus"});
    CHECK(prom.code == 0);
    const auto e = check_prometheus(prom.out);
    INFO(prom.out);
    CHECK(e.error == "");
    CHECK(e.samples.at("ombus_broker_nodes") == 1);
    CHECK(e.samples.at("ombus_broker_node_beating{node=\"n1\"}") == 1);
    CHECK(e.samples.count("ombus_broker_node_heartbeat_age_seconds{node=\"n1\"}") == 1);
    CHECK(e.samples.at("ombus_broker_published_total{kind=\"patch\"}") >= 2);
    CHECK(e.types.at("ombus_broker_heartbeats_refused_total") == "counter");
    CHECK(e.types.at("ombus_broker_subscribers") == "gauge");

    // Usage and an unreachable broker.
    CHECK(sub_stats(broker, {"--format", "xml"}).code == 2);
    const auto none = run({sub_bin(), "stats", "--config", "/dev/null", "--pub", dir.ipc("np"),
                           "--api", dir.ipc("na"), "--connect-timeout", "300ms"});
    CHECK(none.code == 3);
    CHECK(none.err.find("no broker answered") != std::string::npos);
}

TEST_CASE("om-sub stats: refused heartbeats counted by reason, journal state", "[stats]") {
    TempDir dir;
    BrokerProc broker(dir, "[replay]\njournal = \"" + dir.file("journal") + "\"\n");
    PubProc n1(dir, "n1", {broker.ingest});
    // A malformed heartbeat reaches the broker only from a hand-made sender.
    zmq::context_t ctx(1);
    zmq::socket_t d(ctx, zmq::socket_type::dealer);
    d.set(zmq::sockopt::linger, 0);
    d.connect(broker.ingest);
    d.send(zmq::str_buffer("{not json"), zmq::send_flags::none);
    REQUIRE(eventually([&] { return stats_json(broker).value("malformed", 0) == 1; }));
    const auto prom = sub_stats(broker, {"--format", "prometheus"});
    const auto e = check_prometheus(prom.out);
    CHECK(e.error == "");
    CHECK(e.samples.at("ombus_broker_journal_enabled") == 1);
    const auto s = stats_json(broker);
    CHECK(s["journal"]["path"] == dir.file("journal"));
}

TEST_CASE("om-pub stats: heartbeats sent by kind, brokers connected", "[stats]") {
    TempDir dir;
    BrokerProc broker(dir);
    PubProc n1(dir, "n1", {broker.ingest});
    REQUIRE(n1.cli({"set", "frozen=1"}).code == 0);
    CHECK(n1.cli({"set", "novalue"}).code == 1); // refused: counted
    const auto stats = [&] {
        const auto r = n1.cli({"stats", "--format", "json"});
        return r.code == 0 ? json::parse(r.out, nullptr, false) : json();
    };
    REQUIRE(eventually([&] { return stats()["brokers"][0]["connected"] == true; }));
    auto s = stats();
    CHECK(s["nodename"] == "n1");
    CHECK(s["sent"]["full"].get<int>() >= 1);
    CHECK(s["sent"]["delta"].get<int>() >= 1);
    CHECK(s["sent"]["event"].get<int>() >= 1); // monitor_started
    CHECK(s["control_refused"] == 1);
    CHECK(s["control_requests"].get<int>() >= 2);

    const auto prom = n1.cli({"stats", "--format", "prometheus"});
    CHECK(prom.code == 0);
    const auto e = check_prometheus(prom.out);
    INFO(prom.out);
    CHECK(e.error == "");
    CHECK(e.samples.at("ombus_node_brokers_connected{node=\"n1\"}") == 1);
    CHECK(e.samples.at("ombus_node_heartbeats_sent_total{node=\"n1\",kind=\"delta\"}") >= 1);
    CHECK(e.samples.at("ombus_node_control_requests_total{node=\"n1\",result=\"refused\"}") == 1);
    const auto human = n1.cli({"stats"});
    CHECK(human.out.find("node n1 (ombus ") == 0);
    CHECK(human.out.find(broker.ingest + " connected") != std::string::npos);
    CHECK(n1.cli({"stats", "--format", "xml"}).code == 2);

    // The broker gone: the node says it is no longer connected.
    broker.stop();
    CHECK(eventually([&] { return stats()["brokers"][0]["connected"] == false; }));
}
