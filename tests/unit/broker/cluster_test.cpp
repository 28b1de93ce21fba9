// Tests of broker/cluster: the merge rules of heartbeats into the cluster status (generation
// gaps, old or repeated messages, a node's writes confined to its subtree, CURVE owners,
// member nodes, liveness and forget), through a sink that records what the broker would
// publish and ask.
#include "cluster.hpp"

#include <catch2/catch.hpp>

using namespace om;
using namespace om::broker;
using namespace std::chrono_literals;

namespace {

struct RecordingSink : Sink {
    std::vector<std::string> patches;                       // "NODENAME OPS"
    std::vector<std::pair<std::string, json>> events;       // (id, data)
    std::vector<std::pair<std::string, std::string>> fulls; // (nodename, reason)
    void patch(const std::string& nodename, const PatchWriter& ops) override {
        patches.push_back(nodename + " " + ops.ops());
    }
    void event(const std::string&, const std::string& id, json data) override {
        events.emplace_back(id, std::move(data));
    }
    void event_text(const std::string&, std::string_view id, const std::string& data,
                    const wire::Origin&) override {
        events.emplace_back(std::string(id), json::parse(data));
    }
    void request_full(const std::string&, const std::string& nodename,
                      const char* reason) override {
        fulls.emplace_back(nodename, reason);
    }
};

struct Fixture {
    BrokerConfig config;
    RecordingSink sink;
    std::unique_ptr<Cluster> cluster;
    JsonParser parser;
    Clock::time_point now = Clock::now();
    explicit Fixture(std::vector<std::string> members = {}) {
        config.nodes = std::move(members);
        config.hb_timeout = 1000ms;
        config.hb_grace = 2000ms;
        cluster = std::make_unique<Cluster>(config, sink);
    }
    // A heartbeat on the connection `route` (each node has its own).
    void send(const std::string& text, const std::string& owner = "",
              const std::string& route = "route-1") {
        cluster->on_heartbeat(route, parser.parse(text), now, owner);
    }
    // The same with the frame's text, as the broker gives it: an event's data is spliced.
    void send_frame(const std::string& text) {
        cluster->on_heartbeat("route-1", parser.parse(text), now, "", text);
    }
    const json& node(const std::string& name) const {
        return cluster->document()["monitor"]["nodes"][name];
    }
    int events_of(const std::string& id) const {
        int n = 0;
        for (const auto& e : sink.events)
            n += e.first == id;
        return n;
    }
};

const std::string kFull =
    R"({"kind":"full","nodename":"n1","inc":7,"gen":3,"ts":1,"data":{"a":1}})";

std::string delta(std::uint64_t gen, const std::string& ops, std::uint64_t inc = 7) {
    return R"({"kind":"delta","nodename":"n1","inc":)" + std::to_string(inc) + R"(,"gen":)" +
           std::to_string(gen) + R"(,"ts":1,"ops":)" + ops + "}";
}

} // namespace

TEST_CASE("cluster: a full is installed, the next delta applied, each published once") {
    Fixture f;
    f.send(kFull);
    CHECK(f.node("n1") == json{{"a", 1}});
    CHECK(f.cluster->document()["cluster"]["nodes"] == json{"n1"});
    CHECK(f.cluster->document()["heartbeats"]["n1"]["gen"] == 3);
    f.sink.patches.clear();
    f.send(delta(4, R"([[["a"],2],[["b","c"],true]])"));
    CHECK(f.node("n1") == json{{"a", 2}, {"b", {{"c", true}}}});
    REQUIRE(f.sink.patches.size() == 1);
    CHECK(f.sink.patches[0].find(R"([["monitor","nodes","n1","a"],2])") != std::string::npos);
    CHECK(f.sink.fulls.empty());
    CHECK(f.cluster->stats().accepted == 2);
}

TEST_CASE("cluster: the snapshot's text is the document's dump, its kept datasets rewritten "
          "when they change") {
    Fixture f({"m1"}); // a member never heard: listed, with no dataset
    const auto same = [&] {
        CHECK(f.cluster->document_text().view() == f.cluster->document().dump());
    };
    same();
    f.send(R"({"kind":"full","nodename":"n1","inc":7,"gen":3,"ts":1,)"
           R"("data":{"k\"ey":"\u00e9\n","z":[1,2.5,null],"a":{}}})");
    f.send(R"({"kind":"full","nodename":"n2","inc":1,"gen":1,"ts":1,"data":{"b":1}})", "",
           "route-2");
    same();
    same(); // from the kept texts
    f.send(delta(4, R"([[["a","x"],true],[["z"]]])"));
    same();                                  // n1 changed, n2 kept
    f.send(delta(5, R"([[["z"],1],[[]]])")); // the second op is bad: the first is applied
    same();
    f.send(R"({"kind":"full","nodename":"n1","inc":8,"gen":1,"ts":1,"data":{"c":3}})");
    same();          // a new incarnation's full
    f.now += 3100ms; // n1, n2 and m1 past the timeout then the grace
    f.cluster->check_liveness(f.now);
    f.now += 2100ms;
    f.cluster->check_liveness(f.now);
    CHECK(f.cluster->document()["monitor"]["nodes"].empty());
    same();
    f.send(R"({"kind":"full","nodename":"n2","inc":2,"gen":1,"ts":1,"data":{"b":2}})", "",
           "route-2");
    same(); // a forgotten node back, its old text gone with it
}

TEST_CASE("cluster: old and repeated messages change nothing") {
    Fixture f;
    f.send(kFull);
    f.send(delta(4, R"([[["a"],2]])"));
    const json before = f.cluster->document();
    f.sink.patches.clear();
    f.send(kFull);                      // the same full again
    f.send(delta(4, R"([[["a"],9]])")); // a delta repeated
    f.send(delta(2, R"([[["a"],9]])")); // an old one
    CHECK(f.cluster->document() == before);
    CHECK(f.sink.patches.empty());
    CHECK(f.cluster->stats().duplicates == 3);
    CHECK(f.sink.fulls.empty());
}

TEST_CASE("cluster: a generation gap or an unknown incarnation asks for a full") {
    Fixture f;
    f.send(kFull);
    f.send(delta(6, R"([[["a"],2]])")); // 4 and 5 lost
    CHECK(f.node("n1")["a"] == 1);
    REQUIRE(f.sink.fulls.size() == 1);
    CHECK(f.sink.fulls[0] == std::pair<std::string, std::string>{"n1", "gap"});
    CHECK(f.cluster->stats().gaps == 1);
    // A delta of another run of om-pub (a new incarnation) without its full first.
    f.now += 10s; // past the pacing of full requests
    f.send(delta(1, R"([[["a"],3]])", 8));
    CHECK(f.node("n1")["a"] == 1);
    REQUIRE(f.sink.fulls.size() == 2);
    CHECK(f.sink.fulls[1].second == "unknown");
    // Its full is installed, whatever its generation.
    f.send(R"({"kind":"full","nodename":"n1","inc":8,"gen":1,"ts":1,"data":{"z":0}})");
    CHECK(f.node("n1") == json{{"z", 0}});
}

TEST_CASE("cluster: a node writes only under its own monitor.nodes entry") {
    Fixture f;
    f.send(kFull);
    f.send(R"({"kind":"full","nodename":"n2","inc":1,"gen":1,"ts":1,"data":{"a":1}})", "",
           "route-2");
    // Delta paths are relative to the sender's dataset: "monitor"... stays inside n1.
    f.send(delta(4, R"([[["monitor","nodes","n2","a"],666]])"));
    CHECK(f.node("n2") == json{{"a", 1}});
    CHECK(f.node("n1")["monitor"]["nodes"]["n2"]["a"] == 666);
    // A CURVE key owned by n2 cannot speak for n1: refused, reported, nothing merged.
    const json before = f.cluster->document();
    CHECK_THROWS_WITH(f.send(delta(5, R"([[["a"],5]])"), "n2"),
                      "the CURVE key of node 'n2' claims to be 'n1', refused");
    CHECK(f.cluster->document() == before);
    CHECK(f.events_of("blacklist_add") == 1);
    CHECK(f.cluster->stats().refused == 1);
}

TEST_CASE("cluster: a malformed heartbeat is refused before anything changes") {
    Fixture f;
    f.send(kFull);
    const json before = f.cluster->document();
    for (const auto* bad :
         {R"([1])", R"({"nodename":"n1","inc":7,"gen":4})", R"({"kind":"delta","inc":7,"gen":4})",
          R"({"kind":"delta","nodename":"n1","gen":4,"ops":[]})",
          R"({"kind":"delta","nodename":"n1","inc":7,"gen":4})",
          R"({"kind":"full","nodename":"n1","inc":7,"gen":9,"data":[]})",
          R"({"kind":"event","nodename":"n1","inc":7,"gen":3,"data":{"id":"a/b"}})",
          R"({"kind":"reboot","nodename":"n1","inc":7,"gen":3})",
          R"({"kind":"full","nodename":"n9","inc":1,"gen":1})"}) {
        INFO(bad);
        CHECK_THROWS_AS(f.send(bad), std::runtime_error);
    }
    CHECK(f.cluster->document() == before);
    CHECK(f.cluster->node_count() == 1);
}

TEST_CASE("cluster: a node's event is published once per origin, with its snapshots") {
    Fixture f;
    f.send(kFull);
    const auto event = R"({"kind":"event","nodename":"n1","inc":7,"gen":3,"ts":1,"eid":1,)"
                       R"("data":{"id":"instance_thaw","reason":"test"}})";
    f.send(event);
    f.send(event); // sent again after a reconnection
    REQUIRE(f.events_of("instance_thaw") == 1);
    CHECK(f.sink.events.back().second["reason"] == "test");
    CHECK(f.sink.events.back().second.contains("monitor")); // the node's snapshot
    CHECK(f.cluster->stats().event_repeats == 1);
}

TEST_CASE("cluster: an event about a service carries the service's aggregate and the "
          "instance, and the broker's keys are its own") {
    Fixture f;
    f.send(R"({"kind":"full","nodename":"n1","inc":7,"gen":3,"ts":1,"data":{"monitor":)"
           R"({"status":"idle"},"services":{"status":{"ha1":{"avail":"up"}}}}})");
    const auto event = [&](std::uint64_t eid, const std::string& data) {
        f.send(R"({"kind":"event","nodename":"n1","inc":7,"gen":3,"ts":1,"eid":)" +
               std::to_string(eid) + R"(,"data":)" + data + "}");
        return f.sink.events.back().second;
    };
    const auto thaw = event(1, R"({"id":"instance_thaw","svcname":"ha1"})");
    CHECK(thaw["monitor"] == json{{"status", "idle"}});
    CHECK(thaw["instance"] == json{{"avail", "up"}});
    CHECK(thaw["service"]["avail"] == "up");
    // A sender's monitor, service or instance is replaced by the broker's.
    const auto forged = event(2, R"({"id":"x","svcname":"ha1","instance":{"avail":"down"},)"
                                 R"("monitor":1})");
    CHECK(forged["instance"] == json{{"avail", "up"}});
    CHECK(forged["monitor"] == json{{"status", "idle"}});
    // A svcname that is no string names no service; the first of a repeated key counts.
    const auto odd = event(3, R"({"id":"y","svcname":5})");
    CHECK_FALSE(odd.contains("service"));
    CHECK_FALSE(odd.contains("instance"));
    const auto twice = event(4, R"({"id":"z","svcname":"nope","svcname":"ha1"})");
    CHECK(twice["service"] == json::object());
    CHECK(f.events_of("z") == 1);
}

TEST_CASE("cluster: an event's data spliced from the frame's text, wherever data is in it") {
    Fixture f;
    f.send(kFull);
    const auto head =
        std::string(R"("kind":"event","nodename":"n1","inc":7,"gen":3,"ts":1,"eid":)");
    const auto sent = [&](const std::string& text) {
        f.send_frame(text);
        return f.sink.events.back();
    };
    // Last: its text runs to the frame's closing brace, spaces after it aside.
    auto e = sent("{" + head + R"(1,"data":{"id":"a","v":[1,"}"]} )" + "\n}\n");
    CHECK(e.first == "a");
    CHECK(e.second["v"] == json{1, "}"});
    CHECK(e.second.contains("monitor"));
    // First, then more members.
    e = sent(R"({"data":{"id":"b","v":2},)" + head + "2}");
    CHECK(e.first == "b");
    CHECK(e.second["v"] == 2);
    CHECK_FALSE(e.second.contains("kind"));
    // Repeated: the first counts, though a "data" is the last member.
    e = sent("{" + head + R"(3,"data":{"id":"c","v":1},"data":{"id":"d"}})");
    CHECK(e.first == "c");
    CHECK(e.second["v"] == 1);
    CHECK(f.events_of("d") == 0);
}

TEST_CASE("cluster: a ping's patch carries the very value of heartbeats.<node>.last") {
    Fixture f;
    f.send(kFull);
    f.send(R"({"kind":"ping","nodename":"n1","inc":7,"gen":3,"ts":1})");
    REQUIRE_FALSE(f.sink.patches.empty());
    const auto& p = f.sink.patches.back(); // "n1 [OP]"
    const auto ops = json::parse(p.substr(p.find(' ') + 1));
    REQUIRE(ops.size() == 1);
    CHECK(ops[0][0] == json{"heartbeats", "n1", "last"});
    // Parsed from its text (microseconds), the value equals the document's double.
    const auto doc_last = f.cluster->document()["heartbeats"]["n1"]["last"].get<double>();
    CHECK(ops[0][1].get<double>() == doc_last);
    const auto text = p.substr(p.rfind(',') + 1);
    CHECK(text.substr(text.find('.') + 1).size() == 6 + 2); // six digits, then "]]"
}

TEST_CASE("cluster: members are listed from the start and reported stale when never heard") {
    Fixture f({"n1", "n2"});
    CHECK(f.cluster->document()["cluster"]["nodes"] == json{"n1", "n2"});
    f.send(kFull);
    f.now += 1500ms; // past the timeout: n2 never beat, n1 fell silent
    f.cluster->check_liveness(f.now);
    REQUIRE(f.events_of("hb_stale") == 2);
    bool n2_never = false;
    for (const auto& [id, data] : f.sink.events)
        if (id == "hb_stale" && data.value("nodename", "") == "n2")
            n2_never = data.value("reason", "") == "not_heard_since_start";
    CHECK(n2_never);
    CHECK(f.cluster->document()["heartbeats"]["n1"]["beating"] == false);
    // Stale past the grace: forgotten, their data removed, members still listed.
    f.now += 2500ms;
    f.cluster->check_liveness(f.now);
    CHECK(f.events_of("forget_peer") >= 1);
    CHECK_FALSE(f.cluster->document()["monitor"]["nodes"].contains("n1"));
    CHECK(f.cluster->document()["cluster"]["nodes"] == json{"n1", "n2"});
    // n1 coming back beats again (its first beat of the run was the first hb_beating).
    f.send(R"({"kind":"full","nodename":"n1","inc":9,"gen":1,"ts":1,"data":{"b":2}})");
    CHECK(f.events_of("hb_beating") == 2);
    CHECK(f.node("n1") == json{{"b", 2}});
}

TEST_CASE("cluster: a node that is not a member is forgotten and unlisted") {
    Fixture f;
    f.send(kFull);
    f.now += 1500ms;
    f.cluster->check_liveness(f.now);
    f.now += 2500ms;
    f.cluster->check_liveness(f.now);
    CHECK(f.events_of("forget_peer") == 1);
    CHECK(f.cluster->document()["cluster"]["nodes"] == json::array());
    CHECK(f.cluster->node_count() == 0);
}

TEST_CASE("cluster: only the silent nodes go stale, in the order they fell silent, then are "
          "forgotten in that order") {
    Fixture f;
    auto full = [&](const std::string& name) {
        f.send(R"({"kind":"full","nodename":")" + name + R"(","inc":1,"gen":1,"ts":1,"data":{}})",
               "", "route-" + name);
    };
    auto ping = [&](const std::string& name) {
        f.send(R"({"kind":"ping","nodename":")" + name + R"(","inc":1,"gen":1,"ts":1})", "",
               "route-" + name);
    };
    auto ids_of = [&](const std::string& id) {
        std::vector<std::string> names;
        for (const auto& [eid, data] : f.sink.events)
            if (eid == id) names.push_back(data.value("nodename", ""));
        return names;
    };
    for (const auto* name : {"a", "b", "c", "d"})
        full(name);
    f.now += 600ms;
    ping("c"); // c and a beat again, c first: b and d are silent from the start
    ping("a");
    f.now += 500ms; // b and d past the 1 s timeout, a and c not
    f.cluster->check_liveness(f.now);
    CHECK(ids_of("hb_stale") == std::vector<std::string>{"b", "d"});
    f.now += 600ms; // c then a past it
    ping("d");      // d back: beating again, its stale clock gone
    f.cluster->check_liveness(f.now);
    CHECK(ids_of("hb_stale") == std::vector<std::string>{"b", "d", "c", "a"});
    CHECK(ids_of("hb_beating") == std::vector<std::string>{"a", "b", "c", "d", "d"});
    f.now += 1500ms; // b stale for 2.1 s, past the 2 s grace; c and a for 1.5 s
    f.cluster->check_liveness(f.now);
    CHECK(ids_of("forget_peer") == std::vector<std::string>{"b"});
    CHECK(f.cluster->node_count() == 3);
    f.now += 600ms; // c and a past the grace; d stale since the last look, not yet
    f.cluster->check_liveness(f.now);
    CHECK(ids_of("forget_peer") == std::vector<std::string>{"b", "c", "a"});
    CHECK(f.cluster->node_count() == 1);
    CHECK(f.cluster->document()["heartbeats"]["d"]["beating"] == false);
}

TEST_CASE("cluster: the next liveness check is when the first node's timeout or grace runs "
          "out, and a look before it finds nothing to do") {
    Fixture f;
    CHECK(f.cluster->next_liveness_check() == Clock::time_point::max()); // no node
    const auto start = f.now;
    auto full = [&](const std::string& name) {
        f.send(R"({"kind":"full","nodename":")" + name + R"(","inc":1,"gen":1,"ts":1,"data":{}})",
               "", "route-" + name);
    };
    full("a");
    f.now += 300ms;
    full("b");
    // a's timeout runs out first; the check is due just past it.
    const auto due = f.cluster->next_liveness_check();
    CHECK(due > start + 1000ms);
    CHECK(due <= start + 1010ms);
    f.cluster->check_liveness(due - 2ms);
    CHECK(f.events_of("hb_stale") == 0);
    f.cluster->check_liveness(due);
    CHECK(f.events_of("hb_stale") == 1);
    // Next: b's timeout (a's grace runs out later).
    const auto due_b = f.cluster->next_liveness_check();
    CHECK(due_b > start + 1300ms);
    CHECK(due_b <= start + 1310ms);
    f.now = due_b;
    full("b"); // b beats again: its clock restarts
    CHECK(f.cluster->next_liveness_check() > due_b + 1000ms);
    f.now += 900ms;
    full("b"); // and again: a's grace now runs out before b's timeout
    const auto due_a = f.cluster->next_liveness_check();
    CHECK(due_a > due + 2000ms);
    CHECK(due_a <= due + 2010ms);
    f.cluster->check_liveness(due_a);
    CHECK(f.events_of("forget_peer") == 1);
    CHECK(f.cluster->node_count() == 1);
}
