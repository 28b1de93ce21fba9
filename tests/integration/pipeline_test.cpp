// Integration tests of the pipeline: om-pub heartbeats into om-broker, patches and events
// out, snapshot and replay, with the real programs on per-test ipc endpoints.
#include "connection.hpp"
#include "harness.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <csignal>
#include <filesystem>
#include <map>
#include <thread>
#include <zmq.hpp>

using namespace it;

namespace {

// A hand-driven node: a DEALER on the broker's ingest socket, for the broker's merge rules.
struct FakeNode {
    zmq::context_t ctx{1};
    zmq::socket_t s{ctx, zmq::socket_type::dealer};
    explicit FakeNode(const std::string& ingest) {
        s.set(zmq::sockopt::linger, 0);
        s.connect(ingest);
    }
    void send_text(const std::string& text) { s.send(zmq::buffer(text), zmq::send_flags::none); }
    void send(const json& j) { send_text(j.dump()); }
    // The next request from the broker within timeout, or "".
    std::string receive(std::chrono::milliseconds timeout = 3s) {
        zmq::pollitem_t item{s.handle(), 0, ZMQ_POLLIN, 0};
        zmq::poll(&item, 1, timeout);
        if (!(item.revents & ZMQ_POLLIN)) return "";
        zmq::message_t m;
        (void)s.recv(m);
        return m.to_string();
    }
};

json hb(const char* kind, const std::string& node, std::uint64_t inc, std::uint64_t gen) {
    return json{{"kind", kind}, {"nodename", node}, {"inc", inc}, {"gen", gen}, {"ts", 1.0}};
}

const json* at(const json& doc, std::initializer_list<const char*> keys) {
    const json* cur = &doc;
    for (auto k : keys) {
        if (!cur->is_object() || !cur->contains(k)) return nullptr;
        cur = &(*cur)[k];
    }
    return cur;
}

om::sub::ConnectionOptions replica_options(const BrokerProc& b) {
    om::sub::ConnectionOptions o;
    o.brokers = {{b.pub, b.api}};
    o.state = true;
    o.topics = {};
    return o;
}

// The event bodies a broker publishes under a topic prefix, gathered as they are polled.
struct EventLog {
    om::sub::Connection conn;
    std::vector<json> bodies;
    EventLog(const BrokerProc& b, const std::string& topic)
        : conn([&] {
              om::sub::ConnectionOptions o;
              o.brokers = {{b.pub, b.api}};
              o.topics = {topic};
              return o;
          }()) {
        conn.on_message = [this](const om::sub::Message& m) {
            bodies.push_back(json::parse(m.body));
        };
        if (!conn.start()) throw std::runtime_error("no broker to follow");
    }
    // Polls, then returns the first event of that id about that node (data.nodename), or
    // null.
    const json* find(const char* id, const char* node) {
        conn.poll(5ms);
        for (const auto& e : bodies)
            if (e["data"]["id"] == id && e["data"]["nodename"] == node) return &e;
        return nullptr;
    }
};

} // namespace

TEST_CASE("a late joiner's snapshot plus patches equals the state at every sequence",
          "[pipeline]") {
    TempDir dir;
    BrokerProc broker(dir);
    PubProc n1(dir, "n1", {broker.ingest}, "60s"), n2(dir, "n2", {broker.ingest}, "60s");

    // The observer follows from the start and records the document after every patch id.
    om::sub::Connection observer(replica_options(broker));
    std::map<std::uint64_t, std::string> history;
    observer.on_message = [&](const om::sub::Message&) {
        history[observer.replica().pseq()] = observer.replica().doc().dump();
    };
    observer.on_synced = [&] {
        history[observer.replica().pseq()] = observer.replica().doc().dump();
    };
    REQUIRE(observer.start());
    // A tick proves the subscription is in place: from here the observer misses nothing.
    REQUIRE(eventually([&] {
        observer.poll(5ms);
        return observer.ticks() > 0;
    }));

    for (int i = 0; i < 20; ++i)
        REQUIRE(n1.cli({"set", "services.status.s" + std::to_string(i % 4) +
                                   ".avail=" + (i % 2 ? "up" : "down")})
                    .code == 0);
    observer.poll(50ms);

    // The late joiner arrives mid-stream and checks every state it reaches.
    om::sub::Connection late(replica_options(broker));
    std::size_t compared = 0, mismatches = 0;
    auto check = [&] {
        observer.poll(0ms);
        auto it = history.find(late.replica().pseq());
        if (it == history.end()) return; // the observer has not reached it yet: checked below
        ++compared;
        if (it->second != late.replica().doc().dump()) ++mismatches;
    };
    std::vector<std::pair<std::uint64_t, std::string>> pending;
    late.on_message = [&](const om::sub::Message&) {
        pending.emplace_back(late.replica().pseq(), late.replica().doc().dump());
    };
    late.on_synced = [&] {
        pending.emplace_back(late.replica().pseq(), late.replica().doc().dump());
    };
    REQUIRE(late.start());
    for (int i = 0; i < 30; ++i) {
        REQUIRE(n2.cli({"set", "services.status.t" + std::to_string(i % 3) +
                                   ".avail=" + (i % 2 ? "warn" : "up")})
                    .code == 0);
        if (i % 5 == 0)
            REQUIRE(n1.cli({"unset", "services.status.s" + std::to_string(i % 4)}).code == 0);
        late.poll(1ms);
        observer.poll(1ms);
    }
    const auto final_pseq =
        json::parse(broker.api_call(json{{"op", "ping"}})[0])["pseq"].get<std::uint64_t>();
    REQUIRE(eventually([&] {
        observer.poll(5ms);
        late.poll(5ms);
        return observer.replica().pseq() >= final_pseq && late.replica().pseq() >= final_pseq;
    }));
    REQUIRE(eventually([&] {
        observer.poll(5ms);
        return observer.replica().pseq() >= late.replica().pseq();
    }));
    for (const auto& [seq, doc] : pending) {
        auto it = history.find(seq);
        REQUIRE(it != history.end());
        ++compared;
        if (it->second != doc) ++mismatches;
    }
    check();
    CHECK(compared > 30);
    CHECK(mismatches == 0);
    CHECK(observer.resyncs() == 0);
    CHECK(late.replica().doc() == broker.snapshot());
    CHECK(observer.replica().doc() == broker.snapshot());
}

TEST_CASE("a node restart (new incarnation) leads to a full that replaces its data", "[pipeline]") {
    TempDir dir;
    BrokerProc broker(dir);
    auto n1 = std::make_unique<PubProc>(dir, "n1", std::vector<std::string>{broker.ingest});
    REQUIRE(n1->cli({"set", "app.version=1"}).code == 0);
    REQUIRE(eventually([&] {
        auto s = broker.snapshot();
        auto v = at(s, {"monitor", "nodes", "n1", "app", "version"});
        return v && *v == 1;
    }));
    const auto fulls_before = broker.stats()["fulls"].get<int>();
    n1->proc->signal(SIGKILL);
    n1->proc->wait(5s);
    n1->start(); // same name, new process: its dataset no longer has app.version
    REQUIRE(eventually([&] {
        auto s = broker.snapshot();
        return s.is_object() && !at(s, {"monitor", "nodes", "n1", "app"});
    }));
    CHECK(broker.stats()["fulls"].get<int>() > fulls_before);
}

TEST_CASE("om-pub answers pipelined control requests in order, across its batches, and sends "
          "every change",
          "[pipeline]") {
    TempDir dir;
    BrokerProc broker(dir);
    PubProc n1(dir, "n1", {broker.ingest});
    zmq::context_t ctx(1);
    zmq::socket_t d(ctx, zmq::socket_type::dealer);
    d.set(zmq::sockopt::rcvtimeo, 10000);
    d.set(zmq::sockopt::linger, 0);
    d.connect(n1.control);
    // 400 pairs, more than one batch of 256 requests: `set t.k=i`, then `get t.k`, sent
    // without waiting (VERB | ARG, no REQ envelope). Each get sees its set, and the broker
    // ends with the last value.
    const int pairs = 400;
    for (int i = 0; i < pairs; ++i) {
        d.send(zmq::str_buffer("set"), zmq::send_flags::sndmore);
        d.send(zmq::buffer("t.k=" + std::to_string(i)), zmq::send_flags::none);
        d.send(zmq::str_buffer("get"), zmq::send_flags::sndmore);
        d.send(zmq::str_buffer("t.k"), zmq::send_flags::none);
    }
    zmq::message_t r;
    for (int i = 0; i < pairs; ++i) {
        REQUIRE(d.recv(r));
        REQUIRE(r.to_string() == "ok");
        REQUIRE(d.recv(r));
        REQUIRE(r.to_string() == "ok " + std::to_string(i));
    }
    CHECK_FALSE(d.recv(r, zmq::recv_flags::dontwait)); // one reply per request
    REQUIRE(eventually([&] {
        const auto s = broker.snapshot();
        const auto v = at(s, {"monitor", "nodes", "n1", "t", "k"});
        return v && *v == pairs - 1;
    }));
}

TEST_CASE("a restarted broker has the node's data again at once, not at its next ping",
          "[pipeline]") {
    TempDir dir;
    BrokerProc broker(dir);
    PubProc n1(dir, "n1", {broker.ingest}, "60s"); // no ping comes to the rescue
    REQUIRE(n1.cli({"set", "app.version=2"}).code == 0);
    REQUIRE(n1.cli({"emit", "custom", "n=1"}).code == 0);
    const auto has_n1 = [&] {
        auto s = broker.snapshot();
        auto v = at(s, {"monitor", "nodes", "n1", "app", "version"});
        return v && *v == 2;
    };
    REQUIRE(eventually(has_n1));
    broker.proc->signal(SIGKILL);
    REQUIRE(broker.proc->wait(5s).has_value());
    broker.start(); // same endpoints, an empty state
    REQUIRE(eventually(has_n1, 5s));
    CHECK(eventually([&] {
        return read_file(n1.log).find("connected again to " + broker.ingest +
                                      ", full and 2 recent event(s) sent") != std::string::npos;
    }));
    // The events it had published are lost with it; the node sent them again (its
    // monitor_started and the custom one), and the new run published them, origin and all.
    REQUIRE(eventually([&] { return broker.stats()["events"].get<int>() >= 3; }));
    const auto epoch = json::parse(broker.api_call(json{{"op", "ping"}})[0])["epoch"];
    bool resent = false;
    for (const auto& e : broker.replay(epoch, 0).events)
        if (e.topic == "event/custom/") {
            resent = true;
            CHECK(e.meta["eid"] == 2);
            CHECK(json::parse(e.body)["data"]["n"] == 1);
        }
    CHECK(resent);
}

TEST_CASE("a node's event sent again is published once per broker run", "[pipeline]") {
    TempDir dir;
    BrokerProc broker(dir);
    FakeNode n1(broker.ingest);
    auto full = hb("full", "n1", 7, 1);
    full["data"] = json::object();
    n1.send(full);
    auto event = hb("event", "n1", 7, 1);
    event["eid"] = 1;
    event["data"] = {{"id", "custom"}};
    n1.send(event);
    n1.send(event); // resent, as after a reconnection
    event.erase("eid");
    const auto anonymous = event;
    n1.send(anonymous); // no eid: nothing to know it by, published each time
    n1.send(anonymous);
    REQUIRE(eventually([&] { return broker.stats()["events"].get<int>() >= 4; }));
    const auto s = broker.stats();
    CHECK(s["event_repeats"] == 1);
    CHECK(s["events"] == 4); // hb_beating, the numbered event once, the other twice
    const auto r = broker.replay(s["epoch"], 0).events;
    REQUIRE(r.size() == 4);
    const auto& meta = r[1].meta; // the second event's
    CHECK((meta["kseq"] == 2 && meta["inc"] == 7 && meta["eid"] == 1));
    CHECK_FALSE(r[2].meta.contains("eid"));
}

TEST_CASE("a lost delta or an unknown generation makes the broker ask for a full", "[pipeline]") {
    TempDir dir;
    BrokerProc broker(dir);
    FakeNode node(broker.ingest);
    auto full = hb("full", "f1", 7, 1);
    full["data"] = {{"frozen", 0}, {"x", 1}};
    node.send(full);
    auto delta = hb("delta", "f1", 7, 2);
    delta["ops"] = json::parse(R"([[["x"], 2]])");
    node.send(delta);
    REQUIRE(eventually([&] {
        auto s = broker.snapshot();
        auto v = at(s, {"monitor", "nodes", "f1", "x"});
        return v && *v == 2;
    }));

    SECTION("a gap") {
        auto skip = hb("delta", "f1", 7, 4); // generation 3 never arrives
        skip["ops"] = json::parse(R"([[["x"], 4]])");
        node.send(skip);
        CHECK(node.receive().find("send_full") != std::string::npos);
        auto s = broker.snapshot();
        CHECK(*at(s, {"monitor", "nodes", "f1", "x"}) == 2); // not applied out of order
    }
    SECTION("an unknown incarnation") {
        auto other = hb("ping", "f1", 8, 1);
        node.send(other);
        CHECK(node.receive().find("send_full") != std::string::npos);
    }
    SECTION("a duplicate changes nothing") {
        node.send(delta);
        auto again = hb("delta", "f1", 7, 2);
        again["ops"] = json::parse(R"([[["x"], 99]])");
        node.send(again);
        REQUIRE(eventually([&] { return broker.stats()["duplicates"].get<int>() >= 2; }));
        CHECK(*at(broker.snapshot(), {"monitor", "nodes", "f1", "x"}) == 2);
    }
}

TEST_CASE("a node cannot write another node's data", "[pipeline]") {
    TempDir dir;
    BrokerProc broker(dir);
    FakeNode node(broker.ingest);
    auto full = hb("full", "n1", 1, 1);
    full["data"] = {{"frozen", 0}};
    node.send(full);
    // Paths are relative to the sender's own dataset, so this lands under n1.
    auto delta = hb("delta", "n1", 1, 2);
    delta["ops"] = json::parse(R"([[["monitor","nodes","n2","frozen"], 1]])");
    node.send(delta);
    // The same connection claiming to be n2 is refused.
    auto spoof = hb("full", "n2", 1, 1);
    spoof["data"] = {{"frozen", 1}};
    node.send(spoof);
    REQUIRE(eventually([&] { return broker.stats()["refused"].get<int>() >= 1; }));
    auto s = broker.snapshot();
    CHECK(at(s, {"monitor", "nodes", "n1", "monitor", "nodes", "n2", "frozen"}));
    CHECK_FALSE(at(s, {"monitor", "nodes", "n2"}));
    CHECK(read_file(broker.log).find("claims to be 'n2', refused") != std::string::npos);
}

TEST_CASE(
    "liveness: hb_stale after the timeout - forget_peer after the grace - hb_beating on return",
    "[pipeline]") {
    TempDir dir;
    BrokerProc broker(dir, "[heartbeat]\ntimeout = \"600ms\"\ngrace = \"600ms\"\n");
    auto n1 =
        std::make_unique<PubProc>(dir, "n1", std::vector<std::string>{broker.ingest}, "100ms");
    om::sub::ConnectionOptions o;
    o.brokers = {{broker.pub, broker.api}};
    o.topics = {"event/"};
    om::sub::Connection events(o);
    std::vector<std::pair<std::string, std::chrono::steady_clock::time_point>> seen;
    events.on_message = [&](const om::sub::Message& m) {
        seen.emplace_back(json::parse(m.body)["data"]["id"].get<std::string>(),
                          std::chrono::steady_clock::now());
    };
    REQUIRE(events.start());
    REQUIRE(eventually([&] {
        auto s = broker.snapshot();
        auto b = at(s, {"heartbeats", "n1", "beating"});
        return b && *b == true;
    }));

    n1->proc->signal(SIGSTOP);
    const auto stopped = std::chrono::steady_clock::now();
    auto has = [&](const char* id) {
        events.poll(5ms);
        for (auto& [i, t] : seen)
            if (i == id) return true;
        return false;
    };
    REQUIRE(eventually([&] { return has("hb_stale"); }, 5s));
    REQUIRE(eventually([&] { return has("forget_peer"); }, 5s));
    auto s = broker.snapshot();
    CHECK_FALSE(at(s, {"monitor", "nodes", "n1"}));
    CHECK_FALSE(at(s, {"heartbeats", "n1"}));
    n1->proc->signal(SIGCONT);
    REQUIRE(eventually([&] { return has("hb_beating"); }, 5s));
    REQUIRE(eventually(
        [&] {
            auto d = broker.snapshot();
            return at(d, {"monitor", "nodes", "n1", "frozen"}) != nullptr;
        },
        5s));
    // Once per silence: the checks every 100 ms do not repeat it.
    CHECK(std::count_if(seen.begin(), seen.end(),
                        [](const auto& e) { return e.first == "hb_stale"; }) == 1);
    for (auto& [id, t] : seen) {
        if (id != "hb_stale") continue;
        const auto after =
            std::chrono::duration_cast<std::chrono::milliseconds>(t - stopped).count();
        CHECK(after >= 500);  // the last ping may have left up to one interval before the stop
        CHECK(after <= 1500); // timeout 600 ms, checked every 100 ms: on time, with slack for CI
    }
}

TEST_CASE("liveness: a node silent for less than the timeout is never reported stale",
          "[pipeline]") {
    // A delay shorter than the tolerance (a paused process, a slow network) is no failure.
    TempDir dir;
    BrokerProc broker(dir, "[heartbeat]\ntimeout = \"1500ms\"\ngrace = \"1500ms\"\n");
    PubProc n1(dir, "n1", {broker.ingest}, "100ms");
    EventLog events(broker, "event/");
    REQUIRE(eventually([&] {
        auto st = broker.snapshot();
        auto b = at(st, {"heartbeats", "n1", "beating"});
        return b && *b == true;
    }));
    for (int pause = 0; pause < 3; ++pause) {
        n1.proc->signal(SIGSTOP);
        std::this_thread::sleep_for(400ms); // the fault itself: a 0.4 s silence, 3 times
        n1.proc->signal(SIGCONT);
    }
    // A marker emitted after the last pause: the stream is in order, so once it is here,
    // any hb_stale published during the pauses would be here too.
    REQUIRE(n1.cli({"emit", "marker"}).code == 0);
    REQUIRE(eventually(
        [&] {
            events.conn.poll(5ms);
            return std::any_of(events.bodies.begin(), events.bodies.end(),
                               [](const json& e) { return e["data"]["id"] == "marker"; });
        },
        5s));
    CHECK(events.find("hb_stale", "n1") == nullptr);
    CHECK(events.find("forget_peer", "n1") == nullptr);
}

TEST_CASE("liveness: a member node never heard from is reported stale - and joins on return",
          "[pipeline]") {
    // The case of a node that died while the broker was down: a restarted broker has never
    // heard of it, and only the member list tells that it is missing.
    TempDir dir;
    const auto started = std::chrono::steady_clock::now();
    BrokerProc broker(dir, "nodes = [\"n1\", \"n2\"]\n[heartbeat]\ntimeout = \"600ms\"\n"
                           "grace = \"600ms\"\n");
    const auto members = json::array({"n1", "n2"});
    CHECK(broker.snapshot()["cluster"]["nodes"] == members);
    PubProc n1(dir, "n1", {broker.ingest}, "100ms");

    EventLog events(broker, "event/");
    REQUIRE(eventually([&] { return events.find("hb_stale", "n2") != nullptr; }, 5s));
    const auto stale_after = std::chrono::duration_cast<std::chrono::milliseconds>(
                                 std::chrono::steady_clock::now() - started)
                                 .count();
    CHECK(stale_after >= 600); // presumed beating for one timeout: it may start late
    CHECK((*events.find("hb_stale", "n2"))["data"]["hb"]["last"] == 0); // never heard from
    CHECK((*events.find("hb_stale", "n2"))["data"]["reason"] == "not_heard_since_start");
    auto s = broker.snapshot();
    CHECK(*at(s, {"heartbeats", "n2", "beating"}) == false);
    CHECK(*at(s, {"heartbeats", "n1", "beating"}) == true);
    CHECK(read_file(broker.log).find("node n2 not heard from since the broker started") !=
          std::string::npos);

    // Forgotten after the grace, but still a member of the cluster.
    REQUIRE(eventually([&] { return events.find("forget_peer", "n2") != nullptr; }, 5s));
    s = broker.snapshot();
    CHECK_FALSE(at(s, {"heartbeats", "n2"}));
    CHECK(s["cluster"]["nodes"] == members);
    CHECK_FALSE(events.find("hb_stale", "n1"));

    // It comes: beating, its data merged, listed once.
    PubProc n2(dir, "n2", {broker.ingest}, "100ms");
    REQUIRE(eventually([&] { return events.find("hb_beating", "n2") != nullptr; }, 5s));
    REQUIRE(eventually([&] {
        return at(broker.snapshot(), {"monitor", "nodes", "n2", "frozen"}) != nullptr;
    }));
    CHECK(broker.snapshot()["cluster"]["nodes"] == members);
}

TEST_CASE("om-pub applies a changed config file - one node_config_change per change - a bad "
          "file keeps the running configuration",
          "[pipeline]") {
    TempDir dir;
    BrokerProc a(dir, "", "a"), b(dir, "", "b");
    const auto node_toml = [](const std::vector<const BrokerProc*>& to) {
        std::string list;
        for (const auto* br : to)
            list += (list.empty() ? "\"" : ", \"") + br->ingest + "\"";
        return "[node]\nbrokers = [" + list + "]\n";
    };
    PubProc n1(dir, "n1", {}, "100ms", node_toml({&a})); // brokers from the file only
    const auto file = n1.config_file();
    EventLog events(a, "event/node_config_change/");
    const auto& changes = events.bodies;
    auto x_on = [](const BrokerProc& br) -> json {
        const auto doc = br.snapshot();
        auto v = at(doc, {"monitor", "nodes", "n1", "x"});
        return v ? *v : json();
    };

    // A broker added: it gets the node's full at once; the change is one event.
    REQUIRE(n1.cli({"set", "x=1"}).code == 0);
    REQUIRE(eventually([&] { return x_on(a) == 1; }));
    write_file(file, node_toml({&a, &b}));
    REQUIRE(eventually([&] { return x_on(b) == 1; }, 5s));
    REQUIRE(eventually([&] {
        events.conn.poll(5ms);
        return !changes.empty();
    }));
    CHECK(changes[0]["data"]["file"] == file);
    CHECK(changes[0]["nodename"] == "n1");
    REQUIRE(n1.cli({"set", "x=2"}).code == 0);
    REQUIRE(eventually([&] { return x_on(a) == 2 && x_on(b) == 2; }));

    // A bad file: one line with file:line, the running configuration kept, no event.
    write_file(file, "[node]\nbrokers = 5\n");
    REQUIRE(eventually(
        [&] {
            return read_file(n1.log).find("running configuration is kept") != std::string::npos;
        },
        5s));
    CHECK(read_file(n1.log).find(file + ":2: 'node.brokers'") != std::string::npos);
    REQUIRE(n1.cli({"set", "x=3"}).code == 0);
    REQUIRE(eventually([&] { return x_on(a) == 3 && x_on(b) == 3; }));

    // A broker removed: it hears no more from the node. A bad endpoint is skipped.
    write_file(file, "[node]\nbrokers = [\"" + b.ingest + "\", \"bogus://x\"]\n");
    REQUIRE(eventually(
        [&] {
            return read_file(n1.log).find("broker " + a.ingest + " removed") != std::string::npos;
        },
        5s));
    CHECK(read_file(n1.log).find("broker bogus://x: ") != std::string::npos);
    REQUIRE(n1.cli({"set", "x=4"}).code == 0);
    REQUIRE(eventually([&] { return x_on(b) == 4; }));
    CHECK(x_on(a) == 3);

    // SIGHUP with the file unchanged: nothing to do, no event.
    n1.proc->signal(SIGHUP);
    REQUIRE(eventually([&] {
        return read_file(n1.log).find("config " + file + " unchanged") != std::string::npos;
    }));
    CHECK(n1.proc->running());
    events.conn.poll(50ms);
    CHECK(changes.size() == 1); // the later change went to b only, the bad file to none
}

TEST_CASE("om-pub merges its JSON source file - reloaded when it changes or on SIGHUP - and "
          "switches files with its config",
          "[pipeline]") {
    TempDir dir;
    BrokerProc broker(dir);
    const auto src1 = dir.file("facts1.json"), src2 = dir.file("facts2.json");
    write_file(src1, R"({"app": {"v": 1, "gone": true}})");
    write_file(src2, R"({"other": {"w": 7}})");
    // A long interval: the changes below arrive by SIGHUP and by the config reload.
    PubProc n1(dir, "n1", {broker.ingest}, "60s", "[node]\nsource = \"" + src1 + "\"\n");
    auto at_n1 = [&](std::initializer_list<const char*> keys) -> json {
        const auto doc = broker.snapshot();
        const json* v = at(doc, {"monitor", "nodes", "n1"});
        for (auto k : keys)
            v = v && v->contains(k) ? &(*v)[k] : nullptr;
        return v ? *v : json();
    };
    REQUIRE(eventually([&] { return at_n1({"app", "v"}) == 1; }));

    // Changed: SIGHUP applies it at once (the interval is a minute); removed keys go.
    write_file(src1, R"({"app": {"v": 2}})");
    n1.proc->signal(SIGHUP);
    REQUIRE(eventually([&] { return at_n1({"app", "v"}) == 2; }, 5s));
    CHECK(at_n1({"app", "gone"}).is_null());

    // Not JSON: logged, and the data stays as it was.
    write_file(src1, "{not json");
    n1.proc->signal(SIGHUP);
    REQUIRE(eventually([&] {
        return read_file(n1.log).find("source " + src1 + ": not a JSON object") !=
               std::string::npos;
    }));
    CHECK(at_n1({"app", "v"}) == 2);

    // Another file named in the config: the first file's keys leave, the second's come.
    write_file(n1.config_file(), "[node]\nsource = \"" + src2 + "\"\n");
    REQUIRE(eventually([&] { return at_n1({"other", "w"}) == 7; }, 5s));
    CHECK(at_n1({"app"}).is_null());
    CHECK(at_n1({"frozen"}) == 0); // the rest of the dataset is untouched
}

TEST_CASE("a broker that cannot bind says which endpoint - exits 1 and leaves no ipc file",
          "[pipeline]") {
    TempDir dir;
    const auto ingest = dir.ipc("ingest");
    // The pub endpoint cannot be bound (no such directory); the ingest socket is by then.
    const auto pub = dir.ipc("no-such-dir/pub");
    const auto r = run({broker_bin(), "--config", "/dev/null", "--ingest", ingest, "--pub", pub,
                        "--api", dir.ipc("api")},
                       5s);
    CHECK(r.code == 1);
    CHECK(r.err.find("cannot bind pub endpoint " + pub) != std::string::npos);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    CHECK_FALSE(std::filesystem::exists(ingest.substr(6))); // "ipc://" stripped
}

TEST_CASE("a second broker or om-pub on the same ipc endpoints is refused - the first keeps them",
          "[pipeline]") {
    TempDir dir;
    BrokerProc broker(dir);
    PubProc n1(dir, "n1", {broker.ingest});
    const auto twin = run({broker_bin(), "--config", "/dev/null", "--ingest", broker.ingest,
                           "--pub", broker.pub, "--api", broker.api},
                          5s);
    CHECK(twin.code == 1);
    CHECK(twin.err.find("cannot bind ingest endpoint " + broker.ingest +
                        ": in use by another process") != std::string::npos);
    const auto pub_twin = run({pub_bin(), "--config", "/dev/null", "--nodename", "n1b", "--control",
                               n1.control, "--broker", broker.ingest},
                              5s);
    CHECK(pub_twin.code == 1);
    CHECK(pub_twin.err.find("cannot bind control endpoint " + n1.control +
                            ": in use by another process") != std::string::npos);
    // Both first ones still answer on their endpoints.
    CHECK(n1.cli({"set", "x=1"}).code == 0);
    REQUIRE(eventually([&] {
        return at(broker.snapshot(), {"monitor", "nodes", "n1", "x"}) != nullptr;
    }));
}

TEST_CASE(
    "malformed - truncated and oversized heartbeats are logged in one line and change nothing",
    "[pipeline]") {
    TempDir dir;
    BrokerProc broker(dir, "[limits]\nmax_message_bytes = 4096\n");
    FakeNode node(broker.ingest);
    auto full = hb("full", "n1", 1, 1);
    full["data"] = {{"frozen", 0}, {"x", 1}};
    node.send(full);
    REQUIRE(eventually([&] {
        return at(broker.snapshot(), {"monitor", "nodes", "n1", "x"}) != nullptr;
    }));
    const auto before = broker.snapshot()["monitor"]["nodes"];

    node.send_text("this is not json");
    node.send_text(
        R"({"kind":"delta","nodename":"n1","inc":1,"gen":2,"ops":[[["x"],)"); // truncated
    node.send_text(R"({"kind":"delta","nodename":"n1"})");                    // missing fields
    node.send_text(R"({"kind":"teleport","nodename":"n1","inc":1,"gen":2})"); // unknown kind
    node.send_text(std::string(5000, ' '));                                   // oversized
    auto bad_op = hb("delta", "n1", 1, 2);
    bad_op["ops"] = json::parse(R"([[["x","y"], 1]])"); // through a number
    node.send(bad_op);
    REQUIRE(eventually([&] {
        auto st = broker.stats();
        return st["malformed"].get<int>() >= 4 && st["oversized"].get<int>() >= 1 &&
               st["bad_ops"].get<int>() >= 1;
    }));
    CHECK(broker.snapshot()["monitor"]["nodes"] == before);

    // Every rejection is one line that says what happened.
    const auto log = read_file(broker.log);
    CHECK(log.find("malformed heartbeat") != std::string::npos);
    CHECK(log.find("over max_message_bytes (4096)") != std::string::npos);
    CHECK(log.find("unknown heartbeat kind 'teleport'") != std::string::npos);
    CHECK(log.find("cannot set key 'y' inside a number") != std::string::npos);

    // Frames after the heartbeat are read and ignored, and the next message is read in step:
    // a full with two more frames, then a full alone.
    auto extra = hb("full", "n1", 1, 4);
    extra["data"] = {{"frozen", 0}, {"x", 2}};
    node.s.send(zmq::buffer(extra.dump()), zmq::send_flags::sndmore);
    node.s.send(zmq::str_buffer("{\"kind\":\"ping\"}"), zmq::send_flags::sndmore);
    node.s.send(zmq::str_buffer("junk"), zmq::send_flags::none);
    REQUIRE(eventually([&] {
        const auto snap = broker.snapshot();
        const auto* x = at(snap, {"monitor", "nodes", "n1", "x"});
        return x && *x == 2;
    }));

    // The broker goes on: a good full after all that is merged.
    auto next = hb("full", "n1", 1, 5);
    next["data"] = {{"frozen", 0}, {"x", 3}};
    node.send(next);
    REQUIRE(eventually([&] {
        auto d = broker.snapshot();
        auto v = at(d, {"monitor", "nodes", "n1", "x"});
        return v && *v == 3;
    }));
    CHECK(broker.proc->running());
}

TEST_CASE("events carry the monitor - service and instance snapshots and can be replayed",
          "[pipeline]") {
    TempDir dir;
    BrokerProc broker(dir);
    PubProc n1(dir, "n1", {broker.ingest});
    REQUIRE(
        n1.cli({"set", "services.status.ha1.avail=up", "services.status.ha1.frozen=true"}).code ==
        0);
    REQUIRE(
        n1.cli({"emit", "instance_freeze", "--reason", "target", "--svcname", "ha1", "rid=fs#1"})
            .code == 0);
    const auto ping = json::parse(broker.api_call(json{{"op", "ping"}})[0]);
    BrokerProc::ReplayAnswer answer;
    REQUIRE(eventually([&] {
        answer = broker.replay(ping["epoch"], 0);
        return answer.header.is_object() && answer.header["count"].get<int>() >= 3;
    }));
    CHECK(answer.header["protocol"] == 2);
    json freeze;
    for (const auto& e : answer.events)
        if (e.topic == "event/instance_freeze/") freeze = json::parse(e.body);
    REQUIRE(freeze.is_object());
    CHECK(freeze["nodename"] == "n1");
    CHECK(freeze["kind"] == "event");
    CHECK(freeze["data"]["reason"] == "target");
    CHECK(freeze["data"]["rid"] == "fs#1");
    CHECK(freeze["data"]["monitor"]["status"] == "idle");
    CHECK(freeze["data"]["service"]["frozen"] == "frozen");
    CHECK(freeze["data"]["instance"]["avail"] == "up");

    SECTION("replay errors are explicit") {
        CHECK(broker.replay(1, 0).header["code"] == "epoch");
        auto bad = json::parse(broker.api_call(json{{"op", "nonsense"}})[0]);
        CHECK(bad["code"] == "bad_request");
    }

    SECTION("a client of protocol 1 is told the broker's protocol, not sent frames it misreads") {
        for (const auto& old : {json{{"op", "snapshot"}},
                                json{{"op", "replay"}, {"epoch", ping["epoch"]}, {"after", 0}},
                                json{{"op", "snapshot"}, {"protocol", 1}}}) {
            const auto f = broker.api_call(old);
            REQUIRE(f.size() == 1);
            const auto e = json::parse(f[0]);
            CHECK(e["status"] == "error");
            CHECK(e["code"] == "protocol");
            CHECK(e["protocol"] == 2);
            CHECK(e["message"].get<std::string>().find("protocol 2") != std::string::npos);
        }
        CHECK(ping["protocol"] == 2); // a ping is answered whatever the client, with it
        CHECK(broker.stats()["protocol_refused"] == 3);
    }
}

TEST_CASE("the replay window is bounded and an older request is told so", "[pipeline]") {
    TempDir dir;
    BrokerProc broker(dir, "[replay]\nmax_events = 3\n");
    PubProc n1(dir, "n1", {broker.ingest});
    for (int i = 0; i < 6; ++i)
        REQUIRE(n1.cli({"emit", "custom_" + std::to_string(i)}).code == 0);
    const auto epoch = json::parse(broker.api_call(json{{"op", "ping"}})[0])["epoch"];
    REQUIRE(eventually([&] { return broker.stats()["events"].get<int>() >= 7; }));
    const auto e = broker.replay(epoch, 0).header;
    CHECK(e["status"] == "error");
    CHECK(e["code"] == "too_old");
    CHECK(broker.stats()["replay_kept"] == 3);
}
