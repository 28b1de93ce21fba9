// Integration tests of CURVE security: node keys bound to nodenames on ingest, subscriber
// keys on pub and api, strangers refused.
#include "curve.hpp"
#include "harness.hpp"

#include <catch2/catch.hpp>
#include <csignal>
#include <thread>

using namespace it;

namespace {
// A [security] table for a client holding `k`, talking to the broker of public key `broker`.
std::string client_toml(const om::CurveKeypair& k, const std::string& broker) {
    return "[security]\ncurve_secret_key = \"" + k.secret_key + "\"\nbroker_public_key = \"" +
           broker + "\"\n";
}
} // namespace

TEST_CASE("CURVE: node keys write their own node only - readers need a key", "[security]") {
    TempDir dir;
    const auto bk = om::curve_keypair(), n1 = om::curve_keypair(), n2 = om::curve_keypair(),
               reader = om::curve_keypair(), stranger = om::curve_keypair();
    const std::string toml = "[security]\ncurve_secret_key = \"" + bk.secret_key +
                             "\"\nsubscribers = [\"" + reader.public_key +
                             "\"]\n[security.nodes]\nn1 = \"" + n1.public_key + "\"\nn2 = \"" +
                             n2.public_key + "\"\n";
    BrokerProc broker(dir, toml, "broker", {reader.secret_key, bk.public_key});
    const auto nodes = [&] { return broker.snapshot()["monitor"]["nodes"]; };

    // A node with its own key: its data is merged.
    PubProc p1(dir, "n1", {broker.ingest}, "200ms", client_toml(n1, bk.public_key));
    REQUIRE(eventually([&] { return nodes().contains("n1"); }));

    // n2's key claiming to be n3: refused, nothing of it merged.
    PubProc impostor(dir, "n3", {broker.ingest}, "200ms", client_toml(n2, bk.public_key));
    REQUIRE(eventually([&] { return broker.stats()["refused"].get<int>() >= 1; }));
    CHECK_FALSE(nodes().contains("n3"));
    CHECK(read_file(broker.log).find("CURVE key of node 'n2' claims to be 'n3'") !=
          std::string::npos);

    // A key the broker does not know: denied at the handshake.
    PubProc outsider(dir, "n4", {broker.ingest}, "200ms", client_toml(stranger, bk.public_key));
    REQUIRE(eventually([&] { return broker.stats()["auth_denied"].get<int>() >= 1; }));
    CHECK_FALSE(nodes().contains("n4"));

    // om-sub with the reader's key reads the status; without keys it reaches nothing.
    const auto reader_conf = dir.file("reader.toml");
    write_file(reader_conf, client_toml(reader, bk.public_key));
    const auto status = run({sub_bin(), "status", "--config", reader_conf, "--pub", broker.pub,
                             "--api", broker.api, "--filter", "monitor.nodes.n1.frozen"});
    INFO("om-sub status: " << status.err);
    CHECK(status.code == 0);
    CHECK(status.out == "0\n");
    const auto plain = run({sub_bin(), "status", "--config", "/dev/null", "--pub", broker.pub,
                            "--api", broker.api, "--connect-timeout", "1s"});
    INFO("plain om-sub status: " << plain.err);
    CHECK(plain.code == 3);

    // The pub socket is CURVE too: a node key reads the stream.
    const auto n1_conf = dir.file("n1-sub.toml");
    write_file(n1_conf, client_toml(n1, bk.public_key));
    RunResult events;
    std::thread t([&] {
        events = run({sub_bin(), "events", "--config", n1_conf, "--pub", broker.pub, "--api",
                      broker.api, "--format", "json", "--filter", "data.id=hello", "--count", "1"});
    });
    const bool seen = eventually(
        [&] {
            p1.cli({"emit", "hello"});
            return events.code == 0;
        },
        15s);
    t.join();
    CHECK(seen);
    CHECK(events.out.find("\"hello\"") != std::string::npos);
}

TEST_CASE("CURVE: bad keys in the config are errors with file:line", "[security]") {
    TempDir dir;
    const auto conf = dir.file("broker.toml");
    write_file(conf, "[broker]\nname = \"b\"\n[security]\ncurve_secret_key = \"short\"\n");
    const auto r = run({broker_bin(), "--config", conf});
    CHECK(r.code == 1);
    CHECK(r.err.find(conf + ":4:") != std::string::npos);
    const auto keys = run({broker_bin(), "--keygen"});
    CHECK(keys.code == 0);
    CHECK(keys.out.find("curve_secret_key = \"") != std::string::npos);
}

TEST_CASE("CURVE: SIGHUP reloads the keys - a node key added is admitted, a bad file keeps them",
          "[security]") {
    TempDir dir;
    const auto bk = om::curve_keypair(), n1 = om::curve_keypair(), n2 = om::curve_keypair();
    const std::string toml = "[security]\ncurve_secret_key = \"" + bk.secret_key +
                             "\"\n[security.nodes]\nn1 = \"" + n1.public_key + "\"\n";
    BrokerProc broker(dir, toml, "broker", {n1.secret_key, bk.public_key});
    const auto nodes = [&] { return broker.snapshot()["monitor"]["nodes"]; };
    PubProc p1(dir, "n1", {broker.ingest}, "200ms", client_toml(n1, bk.public_key));
    PubProc p2(dir, "n2", {broker.ingest}, "200ms", client_toml(n2, bk.public_key));
    REQUIRE(eventually([&] { return nodes().contains("n1"); }));
    REQUIRE(eventually([&] { return broker.stats()["auth_denied"].get<int>() >= 1; }));
    CHECK_FALSE(nodes().contains("n2"));

    // n2's key added while running (the table is the file's last): n2 is admitted at its
    // next handshake, and n1 stays.
    const auto good = read_file(broker.config_file()) + "n2 = \"" + n2.public_key + "\"\n";
    write_file(broker.config_file(), good);
    broker.proc->signal(SIGHUP);
    INFO(read_file(p2.log));
    CHECK(eventually([&] { return nodes().contains("n2"); }, 15s));
    CHECK(read_file(broker.log).find("config reloaded: 2 node key(s), 0 subscriber key(s)") !=
          std::string::npos);
    // Only keys changed: nothing is left for the next start.
    CHECK(read_file(broker.log).find("take effect at the next start") == std::string::npos);
    CHECK(nodes().contains("n1"));

    // A file that does not load is one line naming it; the broker runs on with its keys.
    write_file(broker.config_file(), "[security]\ncurve_secret_key = 3\n");
    broker.proc->signal(SIGHUP);
    CHECK(eventually([&] {
        return read_file(broker.log).find("(reload refused, configuration kept)") !=
               std::string::npos;
    }));
    CHECK(read_file(broker.log).find(broker.config_file() + ":2:") != std::string::npos);
    CHECK(broker.proc->running());
    p2.cli({"set", "after=1"});
    CHECK(eventually([&] { return nodes()["n2"].value("after", 0) == 1; }));
}

TEST_CASE("A broker bound beyond loopback without CURVE warns that its stream is open",
          "[security]") {
    TempDir dir;
    const auto log = dir.file("broker.log");
    // Port * : an ephemeral port, never a fixed one.
    Process broker({broker_bin(), "--config", "/dev/null", "--ingest", "tcp://127.0.0.1:*", "--pub",
                    "tcp://0.0.0.0:*", "--api", dir.ipc("api")},
                   log);
    REQUIRE(eventually([&] { return read_file(log).find("epoch ") != std::string::npos; }));
    const auto text = read_file(log);
    INFO(text);
    CHECK(lines_with(text, "CURVE is off and") == 1);
    CHECK(text.find("CURVE is off and tcp://0.0.0.0:* is reachable from other hosts: anyone who "
                    "reaches it can read the cluster's stream and write heartbeats as any node") !=
          std::string::npos);
}
