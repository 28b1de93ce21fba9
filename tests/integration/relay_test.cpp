// om-relay with the real programs: subscribers behind a relay, and behind a relay of a
// relay, have the broker's state and events, the very same frames; across a broker kill -9
// and restart; across a relay kill -9 (they fail over to the next relay); a relay whose
// broker is gone answers no subscriber, as a broker that went down; one whose upstream
// sends a snapshot that is not JSON stays up; and CURVE on both sides of a relay, from its
// config file, its keys reloaded on SIGHUP.
#include "connection.hpp"
#include "curve.hpp"
#include "harness.hpp"

#include <atomic>
#include <catch2/catch.hpp>
#include <csignal>
#include <thread>
#include <zmq.hpp>

using namespace it;

namespace {

// An in-process subscriber with a replica, following `endpoints` in order (failover).
struct Follower {
    std::unique_ptr<om::sub::Connection> c;
    std::vector<std::string> events; // the ids of the custom events received, in order
    explicit Follower(std::vector<om::sub::BrokerEndpoints> endpoints) {
        om::sub::ConnectionOptions o;
        o.brokers = std::move(endpoints);
        o.state = true;
        o.topics = {"event/relay_test/"};
        o.silence = 1000ms;
        o.api_timeout = 500ms;
        c = std::make_unique<om::sub::Connection>(o);
        c->on_message = [this](const om::sub::Message& m) {
            if (!m.is_patch) events.push_back(json::parse(m.body)["data"]["n"].dump());
        };
        REQUIRE(c->start());
    }
    // Polls until the replica is the broker's document (and pred, when given, holds).
    bool reaches(const BrokerProc& broker, const std::function<bool()>& pred = {},
                 std::chrono::milliseconds timeout = 15s) {
        return eventually(
            [&] {
                c->poll(20ms);
                return c->synced() && c->replica().doc() == broker.snapshot() && (!pred || pred());
            },
            timeout);
    }
};

om::sub::BrokerEndpoints endpoints(const RelayProc& r) {
    return {r.pub, r.api};
}

// Sets a few leaves and emits `count` custom events numbered from `first`.
void changes(PubProc& n1, int first, int count) {
    for (int i = first; i < first + count; ++i) {
        REQUIRE(n1.cli({"set",
                        "services.status.s" + std::to_string(i % 3) +
                            ".avail=" + (i % 2 ? "up" : "down"),
                        "k=" + std::to_string(i)})
                    .code == 0);
        REQUIRE(n1.cli({"emit", "relay_test", "n=" + std::to_string(i)}).code == 0);
    }
}

std::vector<std::string> numbers(int first, int count) {
    std::vector<std::string> v;
    for (int i = first; i < first + count; ++i)
        v.push_back(std::to_string(i));
    return v;
}

// The frames a raw SUB socket subscribed to `topic` receives until `count` arrived.
struct RawSub {
    zmq::context_t ctx{1};
    zmq::socket_t s{ctx, zmq::socket_type::sub};
    RawSub(const std::string& ep, const std::string& topic) {
        s.set(zmq::sockopt::subscribe, topic);
        s.set(zmq::sockopt::rcvtimeo, 100);
        s.connect(ep);
    }
    std::vector<std::string> take(std::size_t count) {
        std::vector<std::string> got;
        eventually([&] {
            zmq::message_t m;
            while (got.size() < count && s.recv(m))
                got.push_back(m.to_string());
            return got.size() >= count;
        });
        return got;
    }
};

} // namespace

TEST_CASE("behind a relay and a relay of a relay: the broker's state, events and frames",
          "[relay]") {
    TempDir dir;
    BrokerProc broker(dir);
    PubProc n1(dir, "n1", {broker.ingest}, "60s");
    RelayProc r1(dir, broker.pub, broker.api, "r1");
    RelayProc r2(dir, r1.pub, r1.api, "r2"); // a relay of a relay
    Follower direct({{broker.pub, broker.api}}), behind1({endpoints(r1)}), behind2({endpoints(r2)});
    RawSub raw_broker(broker.pub, "event/relay_test/"), raw_r2(r2.pub, "event/relay_test/");
    // Subscriptions reach a PUB asynchronously: wait until one event made it to both.
    REQUIRE(eventually([&] {
        REQUIRE(n1.cli({"emit", "relay_test_probe"}).code == 0);
        return behind2.reaches(broker, {}, 200ms);
    }));
    REQUIRE(eventually([&] {
        REQUIRE(n1.cli({"emit", "relay_test", "n=0"}).code == 0);
        zmq::message_t m;
        const bool a = raw_broker.s.recv(m).has_value(), b = raw_r2.s.recv(m).has_value();
        return a && b;
    }));
    for (auto* f : {&direct, &behind1, &behind2})
        f->events.clear();
    changes(n1, 1, 20);
    const auto all = numbers(1, 20);
    for (auto* f : {&direct, &behind1, &behind2}) {
        CHECK(f->reaches(broker, [&] { return f->events.size() >= all.size(); }));
        // Each saw each event once, in order, whatever it follows.
        const auto tail = std::vector<std::string>(
            f->events.end() - std::min(f->events.size(), all.size()), f->events.end());
        CHECK(tail == all);
    }
    // The very same frames, numbers and all, two relays away.
    const auto from_broker = raw_broker.take(20), from_r2 = raw_r2.take(20);
    REQUIRE(from_broker.size() == 20);
    CHECK(from_broker == from_r2);
    // The relay's window answers a replay as the broker's does.
    const auto epoch = json::parse(broker.api_call(json{{"op", "ping"}})[0])["epoch"];
    const json replay{{"op", "replay"}, {"protocol", 2}, {"epoch", epoch}, {"after", 0}};
    const auto b = broker.api_call(replay), r = r2.api_call(replay);
    REQUIRE(b.size() > 1);
    CHECK(r == b);
    CHECK(r2.stats()["in_step"] == true);
    CHECK(r1.stats()["forwarded"].get<int>() > 40);
}

TEST_CASE("behind a relay: a broker kill -9 and restart, the replica is the new run's", "[relay]") {
    TempDir dir;
    BrokerProc broker(dir);
    PubProc n1(dir, "n1", {broker.ingest}, "60s");
    RelayProc r1(dir, broker.pub, broker.api, "r1");
    Follower behind({endpoints(r1)});
    changes(n1, 1, 5);
    REQUIRE(behind.reaches(broker));
    const auto epoch = behind.c->epoch();
    broker.proc->signal(SIGKILL);
    broker.proc->wait(5s);
    broker.start();
    // om-pub connects again and sends its full; the relay follows the new run.
    changes(n1, 6, 5);
    CHECK(behind.reaches(
        broker, [&] { return behind.c->epoch() != epoch; }, 30s));
    CHECK(behind.c->epoch() == json::parse(broker.api_call(json{{"op", "ping"}})[0])["epoch"]);
    CHECK(behind.c->replica().doc()["monitor"]["nodes"]["n1"]["k"] == 10);
}

TEST_CASE("a relay killed -9: its subscribers go on with the next relay", "[relay]") {
    TempDir dir;
    BrokerProc broker(dir);
    PubProc n1(dir, "n1", {broker.ingest}, "60s");
    RelayProc r1(dir, broker.pub, broker.api, "r1"), r2(dir, broker.pub, broker.api, "r2");
    Follower behind({endpoints(r1), endpoints(r2)});
    changes(n1, 1, 3);
    REQUIRE(behind.reaches(broker));
    CHECK(behind.c->broker().api == r1.api);
    r1.proc->signal(SIGKILL);
    r1.proc->wait(5s);
    changes(n1, 4, 5);
    CHECK(behind.reaches(
        broker, [&] { return behind.c->broker().api == r2.api; }, 30s));
    CHECK(behind.c->replica().doc()["monitor"]["nodes"]["n1"]["k"] == 8);
}

TEST_CASE("a relay whose broker is gone answers no subscriber until the broker is back",
          "[relay]") {
    TempDir dir;
    BrokerProc broker(dir);
    PubProc n1(dir, "n1", {broker.ingest}, "60s");
    RelayProc r1(dir, broker.pub, broker.api, "r1");
    REQUIRE(eventually([&] { return r1.stats()["in_step"] == true; }));
    broker.proc->signal(SIGKILL);
    broker.proc->wait(5s);
    // After its silence (1 s) and an unanswered ping, as a broker that went down.
    REQUIRE(eventually([&] { return r1.stats()["in_step"] == false; }));
    // Its api answers (between its pings of the broker, which take their timeout) with an
    // error a subscriber does not follow.
    std::vector<std::string> answer;
    REQUIRE(eventually([&] { return !(answer = r1.api_call(json{{"op", "ping"}})).empty(); }));
    const auto ping = json::parse(answer[0]);
    CHECK(ping["status"] == "error");
    CHECK(ping["code"] == "upstream");
    const auto status = run({sub_bin(), "status", "--config", "/dev/null", "--pub", r1.pub, "--api",
                             r1.api, "--connect-timeout", "700ms"});
    CHECK(status.code == 3);
    CHECK(read_file(r1.log).find("not answering subscribers") != std::string::npos);
    broker.start();
    REQUIRE(eventually([&] { return r1.stats()["in_step"] == true; }));
    REQUIRE(eventually([&] { return !(answer = r1.api_call(json{{"op", "ping"}})).empty(); }));
    CHECK(json::parse(answer[0])["epoch"] ==
          json::parse(broker.api_call(json{{"op", "ping"}})[0])["epoch"]);
}

TEST_CASE("CURVE: a relay reads a CURVE broker with its own key and admits its subscriber keys",
          "[relay][security]") {
    TempDir dir;
    const auto bk = om::curve_keypair(), rk = om::curve_keypair(), nk = om::curve_keypair(),
               reader = om::curve_keypair(), stranger = om::curve_keypair();
    const auto keys = [](const om::CurveKeypair& k, const std::string& server) {
        return "[security]\ncurve_secret_key = \"" + k.secret_key + "\"\nbroker_public_key = \"" +
               server + "\"\n";
    };
    // The broker admits the relay's key as a reader; the relay, from its file, the reader's.
    BrokerProc broker(dir,
                      "[security]\ncurve_secret_key = \"" + bk.secret_key +
                          "\"\nsubscribers = [\"" + rk.public_key +
                          "\"]\n[security.nodes]\nn1 = \"" + nk.public_key + "\"\n",
                      "broker", {rk.secret_key, bk.public_key});
    PubProc n1(dir, "n1", {broker.ingest}, "60s", keys(nk, bk.public_key));
    const auto relay_toml = dir.file("relay.toml");
    const auto write_relay = [&](const std::vector<std::string>& subscribers) {
        std::string list;
        for (const auto& k : subscribers)
            list += (list.empty() ? "\"" : ", \"") + k + "\"";
        write_file(relay_toml, "[security]\ncurve_secret_key = \"" + rk.secret_key +
                                   "\"\nupstream_public_key = \"" + bk.public_key +
                                   "\"\nsubscribers = [" + list + "]\n");
    };
    write_relay({reader.public_key});
    RelayProc r1(dir, broker.pub, broker.api, "r1", {"--config", relay_toml},
                 {reader.secret_key, rk.public_key});
    REQUIRE(n1.cli({"set", "k=41"}).code == 0);
    const auto reader_conf = dir.file("reader.toml"), stranger_conf = dir.file("stranger.toml");
    write_file(reader_conf, keys(reader, rk.public_key));
    write_file(stranger_conf, keys(stranger, rk.public_key));
    const auto status = [&](const std::string& conf) {
        return run({sub_bin(), "status", "--config", conf, "--pub", r1.pub, "--api", r1.api,
                    "--filter", "monitor.nodes.n1.k", "--connect-timeout", "1s"});
    };
    // The reader's key, through the relay, reads what n1 wrote on the CURVE broker.
    CHECK(eventually([&] { return status(reader_conf).out == "41\n"; }));
    CHECK(r1.stats()["in_step"] == true);
    // A key the relay does not list: refused at the handshake, om-sub exits 3.
    const auto refused = status(stranger_conf);
    CHECK(refused.code == 3);
    CHECK(r1.stats()["auth_denied"].get<int>() >= 1);
    CHECK(read_file(r1.log).find("CURVE key " + stranger.public_key) != std::string::npos);
    // SIGHUP: the key added to the file is admitted from then on.
    write_relay({reader.public_key, stranger.public_key});
    r1.proc->signal(SIGHUP);
    REQUIRE(eventually([&] {
        return read_file(r1.log).find("config reloaded: 2 subscriber key(s)") != std::string::npos;
    }));
    const auto admitted = status(stranger_conf);
    INFO("om-sub status: " << admitted.err);
    CHECK(admitted.code == 0);
    CHECK(admitted.out == "41\n");
}

TEST_CASE("a relay whose upstream's snapshot is not JSON stays up and out of step", "[relay]") {
    TempDir dir;
    // An upstream api that answers every request as a broker would, but with a snapshot
    // whose document is not JSON.
    zmq::context_t ctx{1};
    zmq::socket_t rep{ctx, zmq::socket_type::rep};
    const auto api = dir.ipc("fake-api");
    rep.bind(api);
    std::atomic<int> snapshots{0};
    // A jthread: stopped and joined however the test leaves, a failed REQUIRE included.
    std::jthread server([&](std::stop_token stop) {
        rep.set(zmq::sockopt::rcvtimeo, 50);
        const std::string header =
            R"({"status":"ok","protocol":2,"epoch":5,"seq":1,"pseq":1,"eseq":0})";
        while (!stop.stop_requested()) {
            zmq::message_t req;
            if (!rep.recv(req)) continue;
            if (json::parse(req.to_string())["op"] == "snapshot") {
                ++snapshots;
                rep.send(zmq::buffer(header), zmq::send_flags::sndmore);
                rep.send(zmq::str_buffer("{\"monitor\": [1, 2"), zmq::send_flags::none);
            } else {
                rep.send(zmq::buffer(header), zmq::send_flags::none);
            }
        }
    });
    RelayProc r1(dir, dir.ipc("fake-pub"), api, "r1");
    CHECK(eventually([&] { return snapshots >= 2; })); // asked again: it kept running
    CHECK(r1.stats()["in_step"] == false);
    // Its subscribers are told why it answers them nothing.
    const auto answer = r1.api_call(json{{"op", "ping"}});
    REQUIRE(answer.size() == 1);
    const auto ping = json::parse(answer[0]);
    CHECK(ping["code"] == "upstream");
    CHECK(ping["message"].get<std::string>().find("the upstream's snapshot is not JSON") !=
          std::string::npos);
}
