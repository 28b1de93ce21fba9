// Integration tests of om-sub (events, status, wait) with the real broker and publishers.
#include "connection.hpp"
#include "harness.hpp"

#include <atomic>
#include <catch2/catch.hpp>
#include <csignal>
#include <sstream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace it;

namespace {
std::vector<std::string> sub(const BrokerProc& b, std::vector<std::string> args) {
    std::vector<std::string> argv{sub_bin(), args.at(0), "--config", "/dev/null"};
    for (const auto& f : sub_flags(b))
        argv.push_back(f);
    argv.insert(argv.end(), args.begin() + 1, args.end());
    return argv;
}
// For a forked child: a replica of the broker's state, started and ticking, its notices
// appended to `notices`; the file `ready` then tells the parent. Exits 3 if no broker answers.
std::unique_ptr<om::sub::Connection> child_replica(const BrokerProc& b, const std::string& ready,
                                                   json& notices,
                                                   std::chrono::milliseconds silence = 3500ms) {
    om::sub::ConnectionOptions o;
    o.brokers = {{b.pub, b.api}};
    o.state = true;
    o.topics = {};
    o.silence = silence;
    auto c = std::make_unique<om::sub::Connection>(o);
    c->on_notice = [&notices](const std::string& t) { notices.push_back(t); };
    if (!c->start()) _exit(3);
    while (c->ticks() == 0)
        c->poll(10ms);
    write_file(ready, "1");
    return c;
}
} // namespace

TEST_CASE("the specification's example session", "[subscribers]") {
    TempDir dir;
    BrokerProc broker(dir);
    PubProc node(dir, "nuc-cva", {broker.ingest});
    REQUIRE(eventually([&] {
        return run(sub(broker, {"status", "--filter", "monitor.nodes.nuc-cva.frozen"})).code == 0;
    }));

    auto status = run(sub(broker, {"status", "--filter", "monitor.nodes.nuc-cva.frozen"}));
    CHECK(status.code == 0);
    CHECK(status.out == "0\n");

    // already on target => return immediately
    const auto t0 = std::chrono::steady_clock::now();
    auto on_target = run(
        sub(broker, {"wait", "--filter", "monitor.nodes.nuc-cva.frozen=0", "--duration", "1s"}));
    CHECK(on_target.code == 0);
    CHECK(std::chrono::steady_clock::now() - t0 < 900ms);

    // not going on target => timeout
    auto timeout =
        run(sub(broker, {"wait", "--filter", "monitor.nodes.nuc-cva.frozen", "--duration", "1s"}));
    CHECK(timeout.code == 1);
    CHECK(timeout.err == "timeout\n");

    // --duration 0: the current state, checked once (kubectl wait --timeout=0)
    CHECK(
        run(sub(broker, {"wait", "--filter", "monitor.nodes.nuc-cva.frozen=0", "--duration", "0"}))
            .code == 0);
    auto once =
        run(sub(broker, {"wait", "--filter", "monitor.nodes.nuc-cva.frozen=1", "--duration", "0"}));
    CHECK(once.code == 1);
    CHECK(once.err == "timeout\n");
}

TEST_CASE("status prints bare values - JSON objects and wildcard matches", "[subscribers]") {
    TempDir dir;
    BrokerProc broker(dir);
    PubProc n1(dir, "n1", {broker.ingest}), n2(dir, "n2", {broker.ingest});
    REQUIRE(n1.cli({"set", "services.status.ha1.avail=up"}).code == 0);
    REQUIRE(n2.cli({"set", "services.status.ha1.avail=down"}).code == 0);
    REQUIRE(eventually([&] {
        return run(sub(broker, {"status", "--filter", "monitor.services.ha1.avail"})).out == "up\n";
    }));
    auto obj = run(sub(broker, {"status", "--filter", "monitor.services.ha1"}));
    CHECK(json::parse(obj.out)["avail"] == "up");
    auto star =
        run(sub(broker, {"status", "--filter", "monitor.nodes.*.services.status.ha1.avail"}));
    CHECK(star.out == "monitor.nodes.n1.services.status.ha1.avail = "
                      "up\nmonitor.nodes.n2.services.status.ha1.avail = down\n");
    auto js = run(sub(broker, {"status", "--filter", "monitor.nodes.*.services.status.ha1.avail",
                               "--format", "json"}));
    CHECK(json::parse(js.out)["monitor.nodes.n2.services.status.ha1.avail"] == "down");
    auto none = run(sub(broker, {"status", "--filter", "monitor.nodes.n9.frozen"}));
    CHECK(none.code == 1);
    CHECK(none.err.find("no value at monitor.nodes.n9.frozen") != std::string::npos);
}

TEST_CASE("wait becomes true after om-pub set - also for a node that joins later",
          "[subscribers]") {
    TempDir dir;
    BrokerProc broker(dir);
    PubProc n1(dir, "n1", {broker.ingest});
    const auto snapshots = broker.stats()["snapshots"].get<int>();
    RunResult r1, r2;
    std::thread w1([&] {
        r1 = run(sub(broker, {"wait", "--filter", "monitor.nodes.n1.services.status.ha1.avail=up",
                              "--duration", "20s"}));
    });
    std::thread w2([&] {
        r2 = run(sub(broker, {"wait", "--filter", "monitor.nodes.n2.frozen>0", "--filter",
                              "monitor.nodes.n1.frozen=0", "--duration", "20s"}));
    });
    // Both waiters have their snapshot (where the conditions do not hold) before the changes.
    REQUIRE(eventually([&] { return broker.stats()["snapshots"].get<int>() >= snapshots + 2; }));
    REQUIRE(n1.cli({"set", "services.status.ha1.avail=up"}).code == 0);
    PubProc n2(dir, "n2", {broker.ingest});
    REQUIRE(n2.cli({"set", "frozen=1700000000"}).code == 0);
    w1.join();
    w2.join();
    CHECK(r1.code == 0);
    CHECK(r2.code == 0);
}

TEST_CASE("wait exit codes: 2 usage - 3 unreachable - 4 fail-on", "[subscribers]") {
    TempDir dir;
    BrokerProc broker(dir);
    PubProc n1(dir, "n1", {broker.ingest});
    auto bad_filter = run(sub(broker, {"wait", "--filter", "monitor..x", "--duration", "1s"}));
    CHECK(bad_filter.code == 2);
    CHECK(bad_filter.err.find("expected a key at position 9") != std::string::npos);
    // An ordering operator with nothing to compare with is a usage error, not a wait.
    auto no_value =
        run(sub(broker, {"wait", "--filter", "monitor.nodes.n1.frozen>=", "--duration", "10s"}));
    CHECK(no_value.code == 2);
    CHECK(no_value.err.find("expected a value after '>=' at position 26") != std::string::npos);
    auto bad_duration = run(sub(broker, {"wait", "--filter", "a", "--duration", "1 parsec"}));
    CHECK(bad_duration.code == 2);
    CHECK(bad_duration.err.find("duration '1 parsec'") != std::string::npos);
    auto no_filter = run(sub(broker, {"wait", "--duration", "1s"}));
    CHECK(no_filter.code == 2);
    auto unknown_flag = run(sub(broker, {"wait", "--bogus"}));
    CHECK(unknown_flag.code == 2);

    auto unreachable =
        run({sub_bin(), "wait", "--config", "/dev/null", "--pub", dir.ipc("nobody-pub"), "--api",
             dir.ipc("nobody-api"), "--connect-timeout", "500ms", "--filter", "a"});
    CHECK(unreachable.code == 3);
    CHECK(unreachable.err.find("no broker answered") != std::string::npos);

    const auto snapshots = broker.stats()["snapshots"].get<int>();
    RunResult fail;
    std::thread w([&] {
        fail = run(sub(broker, {"wait", "--filter", "monitor.nodes.n1.services.status.ha1.avail=up",
                                "--fail-on", "monitor.nodes.n1.services.status.ha1.avail=failed",
                                "--duration", "20s"}));
    });
    REQUIRE(eventually([&] { return broker.stats()["snapshots"].get<int>() >= snapshots + 1; }));
    REQUIRE(n1.cli({"set", "services.status.ha1.avail=failed"}).code == 0);
    w.join();
    CHECK(fail.code == 4);
    // A fail-on condition already true on the snapshot fails at once.
    auto at_once = run(sub(broker, {"wait", "--filter", "monitor.nodes.n1.frozen=0", "--fail-on",
                                    "monitor.nodes.n1.services.status.ha1.avail=failed"}));
    CHECK(at_once.code == 4);
}

TEST_CASE("wait --any: the conditions are ORed - the one that held is printed", "[subscribers]") {
    TempDir dir;
    BrokerProc broker(dir);
    PubProc n1(dir, "n1", {broker.ingest});
    REQUIRE(n1.cli({"set", "services.status.job.avail=starting"}).code == 0);
    const std::string complete = "monitor.nodes.n1.services.status.job.avail=up";
    const std::string failed = "monitor.nodes.n1.services.status.job.avail=failed";
    REQUIRE(eventually([&] {
        return run(sub(broker,
                       {"status", "--filter", "monitor.nodes.n1.services.status.job.avail"}))
                   .out == "starting\n";
    }));
    // Neither holds: without --any both must, which never happens; with it, a timeout too.
    auto none = run(sub(
        broker, {"wait", "--any", "--filter", complete, "--filter", failed, "--duration", "0"}));
    CHECK(none.code == 1);
    const auto snapshots = broker.stats()["snapshots"].get<int>();
    RunResult any, all;
    std::thread w1([&] {
        any = run(sub(broker, {"wait", "--any", "--verbose", "--filter", complete, "--filter",
                               failed, "--duration", "20s"}));
    });
    std::thread w2([&] {
        all = run(
            sub(broker, {"wait", "--filter", complete, "--filter", failed, "--duration", "3s"}));
    });
    REQUIRE(eventually([&] { return broker.stats()["snapshots"].get<int>() >= snapshots + 2; }));
    REQUIRE(n1.cli({"set", "services.status.job.avail=failed"}).code == 0);
    w1.join();
    w2.join();
    CHECK(any.code == 0);
    CHECK(any.err.find("satisfied: " + failed + "\n") != std::string::npos);
    CHECK(all.code == 1);
    // --any without a --filter is a usage error.
    CHECK(run(sub(broker, {"wait", "--any", "--event", "data.id=x"})).code == 2);
}

TEST_CASE("wait --event waits for a matching event", "[subscribers]") {
    TempDir dir;
    BrokerProc broker(dir);
    PubProc n1(dir, "n1", {broker.ingest});
    RunResult r;
    std::thread w([&] {
        r = run(sub(broker, {"wait", "--event", "data.id=instance_thaw", "--duration", "20s"}));
    });
    // Emit until the waiter has seen one (it may start after the first emission).
    REQUIRE(eventually(
        [&] {
            n1.cli({"emit", "instance_thaw", "--svcname", "ha1"});
            return !r.err.empty() || r.code == 0;
        },
        15s));
    w.join();
    CHECK(r.code == 0);
}

TEST_CASE("a lost message forces a resync and the replica equals the broker's state",
          "[subscribers]") {
    TempDir dir;
    BrokerProc broker(dir, "[pub]\nsndhwm = 5\ntick = \"200ms\"\n");
    PubProc n1(dir, "n1", {broker.ingest}, "60s");
    const auto ready = dir.file("ready"), stop = dir.file("stop"), result = dir.file("result.json");
    // The replica runs in a child process, so that the test can pause it (SIGSTOP) while the
    // broker publishes more than the socket buffers hold: a real loss at the broker's HWM.
    const pid_t child = fork();
    if (child == 0) {
        json notices = json::array();
        const auto conn = child_replica(broker, ready, notices);
        auto& c = *conn;
        while (true) {
            c.poll(10ms);
            const auto target = read_file(stop);
            if (!target.empty() && c.replica().synced() &&
                c.replica().pseq() >= std::stoull(target))
                break;
        }
        write_file(result + ".tmp",
                   json{{"doc", c.replica().doc()}, {"resyncs", c.resyncs()}, {"notices", notices}}
                       .dump());
        std::rename((result + ".tmp").c_str(), result.c_str());
        _exit(0);
    }
    REQUIRE(eventually([&] { return !read_file(ready).empty(); }));
    ::kill(child, SIGSTOP);
    const std::string big(20000, 'x');
    for (int i = 0; i < 100; ++i)
        REQUIRE(
            n1.cli({"set", "blob" + std::to_string(i % 3) + "=" + big + std::to_string(i)}).code ==
            0);
    ::kill(child, SIGCONT);
    const auto pseq =
        json::parse(broker.api_call(json{{"op", "ping"}})[0])["pseq"].get<std::uint64_t>();
    write_file(stop, std::to_string(pseq));
    const bool done = eventually([&] { return !read_file(result).empty(); }, 20s);
    int status = 0;
    if (!done) ::kill(child, SIGKILL);
    ::waitpid(child, &status, 0);
    REQUIRE(done);
    const auto r = json::parse(read_file(result));
    CHECK(r["resyncs"].get<int>() >= 1);
    INFO("notices: " << r["notices"].dump());
    // The loss is reported as lost patches; the paused child's silence is not taken for a
    // dead broker (it answers a ping), so there is no reconnection.
    bool lost = false, reconnected = false;
    for (const auto& n : r["notices"]) {
        const auto t = n.get<std::string>();
        lost = lost || t.find("lost patches") != std::string::npos;
        reconnected = reconnected || t.find("connecting to") != std::string::npos;
    }
    CHECK(lost);
    CHECK_FALSE(reconnected);
    CHECK(r["doc"] == broker.snapshot());
}

TEST_CASE("a subscriber paused longer than the silence limit keeps its broker when it answers",
          "[subscribers]") {
    TempDir dir;
    BrokerProc broker(dir, "[pub]\ntick = \"200ms\"\n");
    PubProc n1(dir, "n1", {broker.ingest}, "60s");
    const auto ready = dir.file("ready"), result = dir.file("result.json");
    const pid_t child = fork();
    if (child == 0) {
        json notices = json::array();
        const auto conn = child_replica(broker, ready, notices, 300ms);
        auto& c = *conn;
        const json* v = nullptr;
        while (!(v = om::find(c.replica().doc(), om::parse_dotted("monitor.nodes.n1.resumed"))))
            c.poll(10ms);
        write_file(result + ".tmp",
                   json{{"value", *v}, {"resyncs", c.resyncs()}, {"notices", notices}}.dump());
        std::rename((result + ".tmp").c_str(), result.c_str());
        _exit(0);
    }
    struct Reaper { // a failed REQUIRE must not leave a stopped child behind
        pid_t pid;
        ~Reaper() {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, nullptr, 0);
        }
    } reaper{child};
    REQUIRE(eventually([&] { return !read_file(ready).empty(); }));
    ::kill(child, SIGSTOP);
    // Five silence limits pass while the broker goes on ticking.
    const auto t0 = std::chrono::steady_clock::now();
    REQUIRE(eventually([&] { return std::chrono::steady_clock::now() - t0 > 1500ms; }));
    ::kill(child, SIGCONT);
    REQUIRE(n1.cli({"set", "resumed=1"}).code == 0);
    REQUIRE(eventually([&] { return !read_file(result).empty(); }, 20s));
    const auto r = json::parse(read_file(result));
    INFO("notices: " << r["notices"].dump());
    CHECK(r["value"] == 1);
    CHECK(r["notices"].empty()); // no failover, no resync: nothing was lost
    CHECK(r["resyncs"] == 0);
}

TEST_CASE("om-sub events shows a loss in the stream", "[subscribers]") {
    TempDir dir;
    BrokerProc broker(dir, "[pub]\nsndhwm = 5\ntick = \"200ms\"\n");
    PubProc n1(dir, "n1", {broker.ingest}, "60s");
    const auto out = dir.file("events.out");
    Process events(sub(broker, {"events", "--filter", "kind=patch"}), out);
    int warm = 0; // a new value each time: setting the same value publishes nothing
    REQUIRE(eventually([&] {
        n1.cli({"set", "warmup=" + std::to_string(++warm)});
        return read_file(out).find("warmup") != std::string::npos;
    }));
    events.signal(SIGSTOP);
    const std::string big(20000, 'x');
    for (int i = 0; i < 100; ++i)
        n1.cli({"set", "blob" + std::to_string(i % 3) + "=" + big + std::to_string(i)});
    events.signal(SIGCONT);
    REQUIRE(
        eventually([&] { return read_file(out).find("lost patches") != std::string::npos; }, 10s));
}

TEST_CASE("events --format json prints the published bodies - --count stops", "[subscribers]") {
    TempDir dir;
    BrokerProc broker(dir);
    PubProc n1(dir, "n1", {broker.ingest}, "60s");
    RunResult r;
    std::thread t([&] {
        r = run(sub(broker,
                    {"events", "--format", "json", "--filter", "data.id=custom", "--count", "2"}));
    });
    REQUIRE(eventually(
        [&] {
            n1.cli({"emit", "custom", "a=1"});
            return r.code == 0;
        },
        15s));
    t.join();
    std::istringstream lines(r.out);
    std::string line;
    int n = 0;
    while (std::getline(lines, line)) {
        auto j = json::parse(line);
        CHECK(j["kind"] == "event");
        CHECK(j["data"]["id"] == "custom");
        CHECK(j["data"]["a"] == 1);
        ++n;
    }
    CHECK(n == 2);
}

TEST_CASE("a broker restart during a wait resyncs and goes on", "[subscribers]") {
    TempDir dir;
    BrokerProc broker(dir);
    PubProc n1(dir, "n1", {broker.ingest}, "200ms");
    const auto snapshots = broker.stats()["snapshots"].get<int>();
    RunResult r;
    std::thread w([&] {
        r = run(sub(broker, {"wait", "--filter", "monitor.nodes.n1.restarted=yes", "--duration",
                             "30s", "--verbose"}),
                40s);
    });
    REQUIRE(eventually([&] { return broker.stats()["snapshots"].get<int>() >= snapshots + 1; }));
    broker.stop();
    broker.start(); // same endpoints, new epoch: om-pub sends a full when asked
    REQUIRE(eventually(
        [&] {
            auto s = broker.snapshot();
            return s.is_object() && s["monitor"]["nodes"].contains("n1");
        },
        15s));
    REQUIRE(n1.cli({"set", "restarted=yes"}).code == 0);
    w.join();
    CHECK(r.code == 0);
    CHECK(r.err.find("epoch changed") != std::string::npos);
}

TEST_CASE("a subscriber given two brokers moves to the second when the first dies",
          "[subscribers]") {
    TempDir dir;
    BrokerProc a(dir, "", "a"), b(dir, "", "b");
    PubProc n1(dir, "n1", {a.ingest, b.ingest}, "200ms"); // a node heartbeats to both
    for (const auto* br : {&a, &b})
        REQUIRE(eventually([&] {
            const auto s = br->snapshot();
            return s.is_object() && s["monitor"]["nodes"].contains("n1");
        }));
    const auto snapshots = a.stats()["snapshots"].get<int>();
    RunResult r;
    std::thread w([&] {
        r = run({sub_bin(), "wait", "--config", "/dev/null", "--pub", a.pub, "--api", a.api,
                 "--pub", b.pub, "--api", b.api, "--filter", "monitor.nodes.n1.moved=yes",
                 "--duration", "30s", "--verbose"},
                40s);
    });
    // The wait follows the first broker; then that broker dies without a word.
    REQUIRE(eventually([&] { return a.stats()["snapshots"].get<int>() >= snapshots + 1; }));
    a.proc->signal(SIGKILL);
    REQUIRE(a.proc->wait(5s).has_value());
    REQUIRE(n1.cli({"set", "moved=yes"}).code == 0);
    w.join();
    CHECK(r.code == 0);
    CHECK(r.err.find("connecting to " + b.pub) != std::string::npos);
}

TEST_CASE("om-sub events moving to another broker prints each node event once", "[subscribers]") {
    TempDir dir;
    BrokerProc a(dir, "", "a"), b(dir, "", "b");
    PubProc n1(dir, "n1", {a.ingest, b.ingest}, "200ms");
    const auto out = dir.file("events.out");
    Process events({sub_bin(), "events", "--config", "/dev/null", "--format", "json", "--pub",
                    a.pub, "--api", a.api, "--pub", b.pub, "--api", b.api, "--filter",
                    "data.id in custom,warm"},
                   out);
    REQUIRE(eventually([&] {
        n1.cli({"emit", "warm"});
        return read_file(out).find("warm") != std::string::npos;
    }));
    REQUIRE(n1.cli({"emit", "custom", "n=1"}).code == 0);
    REQUIRE(n1.cli({"emit", "custom", "n=2"}).code == 0);
    REQUIRE(eventually([&] { return read_file(out).find("\"n\":2") != std::string::npos; }));
    const auto published = a.stats()["events"].get<int>();
    REQUIRE(eventually([&] { return b.stats()["events"].get<int>() >= published; }));
    a.proc->signal(SIGKILL);
    REQUIRE(a.proc->wait(5s).has_value());
    REQUIRE(n1.cli({"emit", "custom", "n=3"}).code == 0); // only b has it
    REQUIRE(eventually([&] { return read_file(out).find("\"n\":3") != std::string::npos; }, 20s));
    // b's window holds 1, 2 and 3 under its own numbers, replayed in order: 3 alone is new.
    const auto text = read_file(out);
    for (const char* n : {"\"n\":1", "\"n\":2", "\"n\":3"}) {
        const auto at = text.find(n);
        CHECK(at != std::string::npos);
        CHECK(text.find(n, at + 1) == std::string::npos);
    }
    CHECK(text.find("(another broker)") != std::string::npos);
}

TEST_CASE("om-sub events across a broker restart: node events sent again show only when new "
          "to it",
          "[subscribers]") {
    TempDir dir;
    BrokerProc broker(dir);
    PubProc n1(dir, "n1", {broker.ingest}, "60s");
    REQUIRE(n1.cli({"emit", "custom", "n=0"}).code == 0); // before the subscriber started
    // Published before it starts too (hb_beating, monitor_started, custom), else it is live.
    REQUIRE(eventually([&] { return broker.stats()["events"].get<int>() >= 3; }));
    const auto out = dir.file("events.out");
    Process events(
        sub(broker, {"events", "--format", "json", "--filter", "data.id in custom,warm"}), out);
    REQUIRE(eventually([&] {
        n1.cli({"emit", "warm"});
        return read_file(out).find("warm") != std::string::npos;
    }));
    REQUIRE(n1.cli({"emit", "custom", "n=1"}).code == 0);
    REQUIRE(eventually([&] { return read_file(out).find("\"n\":1") != std::string::npos; }));
    broker.proc->signal(SIGKILL);
    REQUIRE(broker.proc->wait(5s).has_value());
    broker.start();
    // n1 sends its recent events again (n=0, the warm-ups, n=1); the new run publishes them.
    REQUIRE(eventually(
        [&] { return read_file(n1.log).find("recent event(s) sent") != std::string::npos; }));
    REQUIRE(n1.cli({"emit", "custom", "n=2"}).code == 0);
    REQUIRE(eventually([&] { return read_file(out).find("\"n\":2") != std::string::npos; }, 15s));
    const auto text = read_file(out);
    CHECK(text.find("\"n\":0") == std::string::npos); // older than the subscriber
    const auto one = text.find("\"n\":1");
    CHECK(text.find("\"n\":1", one + 1) == std::string::npos); // had already
}

TEST_CASE("om-sub events: patches before it started are not lost - those of a new broker run "
          "are printed",
          "[subscribers]") {
    TempDir dir;
    BrokerProc broker(dir);
    PubProc n1(dir, "n1", {broker.ingest}, "60s");
    for (int i = 0; i < 10; ++i) // patches 2..11, after n1's full: all before the subscriber
        REQUIRE(n1.cli({"set", "before=" + std::to_string(i)}).code == 0);
    REQUIRE(eventually([&] { return broker.stats()["patches"].get<int>() >= 11; }));
    const auto out = dir.file("events.out");
    Process events(sub(broker, {"events", "--filter", "kind=patch"}), out);
    int warm = 0;
    REQUIRE(eventually([&] {
        n1.cli({"set", "warmup=" + std::to_string(++warm)});
        return read_file(out).find("warmup") != std::string::npos;
    }));
    // The new run numbers its patches from 1 again: n1's full, then these.
    broker.proc->signal(SIGKILL);
    REQUIRE(broker.proc->wait(5s).has_value());
    broker.start();
    // Its first patches have ids the previous run used: printed all the same.
    REQUIRE(eventually([&] { return broker.stats()["fulls"].get<int>() >= 1; }));
    REQUIRE(n1.cli({"set", "after=1"}).code == 0);
    REQUIRE(eventually(
        [&] { return read_file(out).find("monitor.nodes.n1.after") != std::string::npos; }, 15s));
    const auto text = read_file(out);
    INFO(text);
    // Nothing lost before the restart; after it, what the new run published before the
    // subscriber was back (n1's full, at least) is said to be lost.
    const auto restart = text.find("broker epoch changed");
    REQUIRE(restart != std::string::npos);
    CHECK(text.find("lost") > restart);
    CHECK(text.find("monitor.nodes.n1.before") == std::string::npos);
}

TEST_CASE("om-sub events started while patches stream reports no loss", "[subscribers]") {
    TempDir dir;
    BrokerProc broker(dir);
    PubProc n1(dir, "n1", {broker.ingest}, "60s");
    // A change every 200 us, from one control connection, for the whole test.
    std::atomic<bool> stop{false};
    std::thread writer([&] {
        zmq::context_t ctx(1);
        zmq::socket_t ctl(ctx, zmq::socket_type::dealer);
        ctl.set(zmq::sockopt::linger, 0);
        ctl.connect(n1.control);
        for (long i = 0; !stop; ++i) {
            const auto arg = "k=" + std::to_string(i);
            ctl.send(zmq::str_buffer(""), zmq::send_flags::sndmore);
            ctl.send(zmq::str_buffer("set"), zmq::send_flags::sndmore);
            ctl.send(zmq::buffer(arg), zmq::send_flags::none);
            zmq::message_t r;
            while (ctl.recv(r, zmq::recv_flags::dontwait)) {
            }
            std::this_thread::sleep_for(200us);
        }
    });
    REQUIRE(eventually([&] { return broker.stats()["patches"].get<int>() >= 20; }));
    // Each one starts where the broker stands and takes what follows: nothing before it is
    // reported lost, and the values of k it prints only grow (no patch printed twice).
    for (int i = 0; i < 10; ++i) {
        const auto r = run(sub(broker, {"events", "--filter", "kind=patch", "--count", "20"}));
        INFO(r.out.substr(0, 2000));
        CHECK(r.code == 0);
        CHECK(r.out.find("lost") == std::string::npos);
        CHECK(lines_with(r.out, " n1 patch\n") == 20);
        std::istringstream in(r.out);
        long last = -1;
        int values = 0;
        // "  monitor.nodes.n1.k OLD => NEW": each patch's old value is the one the patch
        // before it set (from the replica, which misses none).
        const std::string key = "  monitor.nodes.n1.k ";
        for (std::string line; std::getline(in, line);) {
            if (line.rfind(key, 0) != 0) continue;
            const auto arrow = line.find(" => ");
            REQUIRE(arrow != std::string::npos);
            const long k = std::stol(line.substr(arrow + 4));
            CHECK(k > last);
            if (last >= 0)
                CHECK(line.substr(key.size(), arrow - key.size()) == std::to_string(last));
            last = k;
            ++values;
        }
        CHECK(values >= 20);
    }
    stop = true;
    writer.join();
}

TEST_CASE("a broker answering out of the protocol's shapes is not followed and crashes nothing",
          "[subscribers]") {
    TempDir dir;
    const auto pub_ep = dir.ipc("odd-pub"), api_ep = dir.ipc("odd-api");
    zmq::context_t ctx(1);
    zmq::socket_t pub(ctx, zmq::socket_type::pub), api(ctx, zmq::socket_type::rep);
    pub.bind(pub_ep);
    api.bind(api_ep);
    // Each request gets the next of these headers: "ok", but the numbers are strings, the
    // status is a number, the epoch is missing or zero; a broker of protocol 1.
    const std::vector<std::string> replies{
        R"({"status":"ok","epoch":"one","eseq":"x","pseq":[1]})",
        R"({"status":1,"epoch":7})",
        R"({"status":"ok"})",
        R"({"status":"ok","epoch":0})",
        R"(["ok"])",
        R"({"status":"ok","epoch":7,"seq":1,"pseq":1,"eseq":1})"};
    std::atomic<bool> stop{false};
    std::atomic<int> answered{0};
    std::thread fake([&] {
        zmq::pollitem_t item{api.handle(), 0, ZMQ_POLLIN, 0};
        while (!stop) {
            zmq::poll(&item, 1, 20ms);
            if (!(item.revents & ZMQ_POLLIN)) continue;
            zmq::message_t req;
            while (api.recv(req) && req.more()) {
            }
            const auto& r = replies[static_cast<std::size_t>(answered++) % replies.size()];
            api.send(zmq::buffer(r), zmq::send_flags::none);
        }
    });
    const std::vector<std::string> flags{"--config", "/dev/null",         "--pub", pub_ep, "--api",
                                         api_ep,     "--connect-timeout", "700ms"};
    for (const auto& verb :
         {std::vector<std::string>{"status", "--filter", "monitor"},
          std::vector<std::string>{"wait", "--filter", "monitor.nodes.n1.frozen=0"},
          std::vector<std::string>{"events", "--count", "1"}}) {
        std::vector<std::string> argv{sub_bin(), verb[0]};
        argv.insert(argv.end(), flags.begin(), flags.end());
        argv.insert(argv.end(), verb.begin() + 1, verb.end());
        const auto r = run(argv);
        INFO(verb[0] << ": " << r.err);
        CHECK(r.code == 3); // as from no broker at all, not a usage error or a crash
        CHECK(r.err.find("no broker answered") != std::string::npos);
    }
    stop = true;
    fake.join();
    CHECK(answered >= 3);
}
