// Integration tests of om-sub hooks with real scripts, broker and node.
#include "harness.hpp"

#include <catch2/catch.hpp>
#include <csignal>
#include <map>
#include <set>
#include <sstream>
#include <sys/stat.h>

using namespace it;

namespace {

// A script that appends "<OM_EVENT_ID> <OM_EVENT_SEQ>" to `out` and copies stdin to out.<seq>.
std::string recorder(const TempDir& dir, const std::string& name) {
    const auto path = dir.file(name + ".sh");
    write_file(path,
               "#!/bin/sh\ncat > " + dir.file(name) +
                   ".$OM_EVENT_SEQ\necho \"$OM_EVENT_ID $OM_EVENT_SEQ $OM_EVENT_NODENAME\" >> " +
                   dir.file(name) + "\n");
    ::chmod(path.c_str(), 0755);
    return path;
}

// A namer() that, for the event carrying "n":2, first waits until the file `gate` exists.
std::string gated_namer(const TempDir& dir, const std::string& out) {
    const auto path = dir.file("gated.sh");
    write_file(path, "#!/bin/sh\nn=$(grep -o '\"n\":[0-9]*')\n"
                     "if [ \"$n\" = '\"n\":2' ]; then\n"
                     "  while [ ! -e " +
                         dir.file("gate") +
                         " ]; do sleep 0.01; done\nfi\n"
                         "echo \"$OM_EVENT_ID $OM_EVENT_NODENAME $n\" >> " +
                         dir.file(out) + "\n");
    ::chmod(path.c_str(), 0755);
    return path;
}

struct TwoBrokers {
    TempDir dir;
    BrokerProc a{dir, "", "a"}, b{dir, "", "b"};
    HooksProc hooks;
    std::vector<std::string> both{"--pub", a.pub, "--api", a.api, "--pub", b.pub, "--api", b.api};
    std::unique_ptr<PubProc> n1;
    // `gated`: the hook of custom 2 waits for the file "gate".
    explicit TwoBrokers(bool gated = false)
        : hooks{dir, a,
                "[hook.1]\nevents = \"all\"\ncommand = \"" +
                    (gated ? gated_namer(dir, "ran") : namer(dir, "ran")) + "\"\n"} {
        hooks.start(both);
        n1 = std::make_unique<PubProc>(dir, "n1", std::vector<std::string>{a.ingest, b.ingest});
    }
    std::string ran() const { return read_file(dir.file("ran")); }
    // Custom 1 and 2 ran from a, and b published them too (after its hb_beating for n1 and
    // n1's monitor_started).
    void two_ran_from_a() const {
        emit(1);
        emit(2);
        REQUIRE(eventually([&] { return lines_with(ran(), "custom") == 2; }));
        REQUIRE(eventually([&] { return b.stats()["events"].get<int>() >= 4; }));
    }
    void kill_a() {
        a.proc->signal(SIGKILL);
        REQUIRE(a.proc->wait(5s).has_value());
    }
    void emit(int n) const {
        REQUIRE(n1->cli({"emit", "custom", "n=" + std::to_string(n)}).code == 0);
    }
    // Each of custom 1..n ran exactly once, n1's monitor_started once, and nothing of
    // b's own (its hb_beating for n1 came before the runner left a, which reported it).
    void check_each_once(int n) const {
        const auto r = ran();
        for (int i = 1; i <= n; ++i)
            CHECK(lines_with(r, "custom n1 \"n\":" + std::to_string(i) + "\n") == 1);
        CHECK(lines_with(r, "custom") == n);
        CHECK(lines_with(r, "monitor_started n1") == 1);
        CHECK(lines_with(r, " b \n") == 0);
        CHECK(lines_with(r, "hb_beating a") == 1);
    }
};

} // namespace

TEST_CASE("hooks: stdin is the published event - all versus a list - the filter", "[hooks]") {
    TempDir dir;
    BrokerProc broker(dir);
    const auto all = recorder(dir, "all"), list = recorder(dir, "list"),
               filtered = recorder(dir, "filtered");
    HooksProc hooks(dir, broker,
                    "[hook.1]\nevents = \"all\"\ncommand = \"" + all +
                        "\"\n"
                        "[hook.2]\nevents = [\"instance_thaw\", \"hb_stale\"]\ncommand = \"" +
                        list +
                        "\"\n"
                        "[hook.3]\nevents = \"instance_thaw instance_freeze\"\ncommand = [\"" +
                        filtered + "\"]\nfilter = \"data.svcname=ha2\"\n");
    hooks.start();
    PubProc n1(dir, "n1", {broker.ingest}, "60s");
    REQUIRE(n1.cli({"emit", "instance_thaw", "--svcname", "ha1"}).code == 0);
    REQUIRE(n1.cli({"emit", "instance_thaw", "--svcname", "ha2"}).code == 0);
    REQUIRE(
        eventually([&] { return lines_with(read_file(dir.file("list")), "instance_thaw") == 2; }));
    REQUIRE(
        eventually([&] { return lines_with(read_file(dir.file("all")), "instance_thaw") == 2; }));
    REQUIRE(eventually(
        [&] { return lines_with(read_file(dir.file("filtered")), "instance_thaw") == 1; }));
    const auto all_runs = read_file(dir.file("all"));
    CHECK(all_runs.find("monitor_started") !=
          std::string::npos); // all events, not only listed ones
    CHECK(read_file(dir.file("list")).find("monitor_started") == std::string::npos);

    // stdin carries exactly the body the broker published, as its replay window returns it.
    const auto runs = read_file(dir.file("list"));
    const auto seq =
        runs.substr(runs.find(' ') + 1, runs.find(' ', runs.find(' ') + 1) - runs.find(' ') - 1);
    const auto epoch = json::parse(broker.api_call(json{{"op", "ping"}})[0])["epoch"];
    std::string published;
    for (const auto& e : broker.replay(epoch, 0).events)
        if (e.meta["kseq"].get<std::uint64_t>() == std::stoull(seq)) published = e.body;
    REQUIRE_FALSE(published.empty());
    CHECK(read_file(dir.file("list") + "." + seq) == published);
    CHECK(read_file(dir.file("list")).find(" n1\n") != std::string::npos); // OM_EVENT_NODENAME
    // Every execution is in the node log with its pid and exit status.
    CHECK(lines_with(hooks.node_log(), "exit 0") >= 5);
    CHECK(hooks.node_log().find("pid ") != std::string::npos);
}

TEST_CASE("hooks: a hanging hook is killed at its timeout while others keep running - stdin may be "
          "ignored",
          "[hooks]") {
    TempDir dir;
    BrokerProc broker(dir);
    const auto quick = recorder(dir, "quick");
    const auto hang = dir.file("hang.sh");
    // A child too, its pid noted: the whole group must die.
    const auto sleepers = dir.file("sleepers");
    write_file(hang, "#!/bin/sh\nsleep 30 &\necho $! >> " + sleepers + "\nwait\n");
    ::chmod(hang.c_str(), 0755);
    const auto ignore = dir.file("ignore.sh");
    write_file(ignore, "#!/bin/sh\necho ignored >> " + dir.file("ignored") + "\n");
    ::chmod(ignore.c_str(), 0755);
    HooksProc hooks(dir, broker,
                    "[hook.hang]\nevents = \"custom\"\ncommand = \"" + hang +
                        "\"\ntimeout = \"500ms\"\n"
                        "[hook.quick]\nevents = \"custom\"\ncommand = \"" +
                        quick +
                        "\"\n"
                        "[hook.ignore]\nevents = \"custom\"\ncommand = \"" +
                        ignore + "\"\n");
    hooks.start();
    PubProc n1(dir, "n1", {broker.ingest}, "60s");
    const std::string big(
        100000, 'x'); // larger than a pipe (64 KiB): a hook that does not read must not block
    REQUIRE(n1.cli({"emit", "custom", "blob=" + big}).code == 0);
    REQUIRE(n1.cli({"emit", "custom", "n=2"}).code == 0);
    REQUIRE(
        eventually([&] { return lines_with(read_file(dir.file("quick")), "custom") == 2; }, 5s));
    REQUIRE(
        eventually([&] { return lines_with(read_file(dir.file("ignored")), "ignored") == 2; }, 5s));
    REQUIRE(eventually([&] { return lines_with(hooks.node_log(), "killed at timeout 500ms") == 2; },
                       10s));
    // No `sleep 30` of the killed groups is left: the children this test's hooks started,
    // by their pids (another process of the machine may well sleep 30 s).
    std::vector<int> pids;
    std::istringstream in(read_file(sleepers));
    for (int pid; in >> pid;)
        pids.push_back(pid);
    CHECK(pids.size() == 2);
    const auto gone = [](int pid) {
        // Dead, or a zombie left for whoever reaps orphans here.
        const auto stat = read_file("/proc/" + std::to_string(pid) + "/stat");
        const auto close = stat.rfind(')');
        return stat.empty() || (close != std::string::npos && stat.substr(close + 2, 1) == "Z");
    };
    for (const int pid : pids) {
        INFO("sleep 30 of a killed hook, pid " << pid);
        CHECK(eventually([&] { return gone(pid); }, 5s));
    }
}

TEST_CASE("hooks: the runner killed mid-stream and restarted loses and repeats nothing",
          "[hooks]") {
    TempDir dir;
    BrokerProc broker(dir);
    const auto slow = dir.file("slow.sh");
    // Takes a while, so that the kill lands with executions running and queued.
    write_file(slow, "#!/bin/sh\nsleep 0.2\necho \"$OM_EVENT_SEQ\" >> " + dir.file("runs") + "\n");
    ::chmod(slow.c_str(), 0755);
    HooksProc hooks(dir, broker, "[hook.1]\nevents = \"custom\"\ncommand = \"" + slow + "\"\n",
                    "concurrency = 2\n");
    hooks.start();
    PubProc n1(dir, "n1", {broker.ingest}, "60s");
    for (int i = 0; i < 10; ++i)
        REQUIRE(n1.cli({"emit", "custom", "i=" + std::to_string(i)}).code == 0);
    REQUIRE(eventually([&] { return lines_with(read_file(dir.file("runs")), "\n") >= 2; }, 10s));
    hooks.proc->signal(SIGKILL);
    hooks.proc->wait(5s);
    for (int i = 10; i < 15; ++i)
        REQUIRE(n1.cli({"emit", "custom", "i=" + std::to_string(i)}).code == 0);
    hooks.start();
    // 15 custom events: each ran to completion at least once...
    REQUIRE(eventually(
        [&] {
            const auto runs = read_file(dir.file("runs"));
            std::set<std::string> seqs;
            std::istringstream in(runs);
            for (std::string l; std::getline(in, l);)
                seqs.insert(l);
            return seqs.size() == 15;
        },
        20s));
    // ...and, apart from executions cut by the kill (at most the 2 running), none twice.
    std::map<std::string, int> count;
    std::istringstream in(read_file(dir.file("runs")));
    for (std::string l; std::getline(in, l);)
        ++count[l];
    int repeated = 0;
    for (auto& [s, c] : count)
        repeated += c - 1;
    CHECK(repeated <= 2);
    // Idle first: the cursor covers every event the broker sent, so nothing is in flight.
    REQUIRE(eventually([&] { return hooks.caught_up(broker); }, 20s));
    hooks.proc->signal(SIGTERM);
    hooks.proc->wait(5s);
    // A clean restart runs nothing again.
    const auto before = read_file(dir.file("runs"));
    hooks.start();
    REQUIRE(n1.cli({"emit", "custom", "last=1"}).code == 0);
    REQUIRE(eventually(
        [&] {
            return lines_with(read_file(dir.file("runs")), "\n") == lines_with(before, "\n") + 1;
        },
        10s));
}

TEST_CASE("hooks: nothing runs for old events at first start unless --catch-up", "[hooks]") {
    TempDir dir;
    BrokerProc broker(dir);
    PubProc n1(dir, "n1", {broker.ingest}, "60s");
    REQUIRE(n1.cli({"emit", "custom", "old=1"}).code == 0);
    REQUIRE(eventually([&] { return broker.stats()["events"].get<int>() >= 3; }));
    const auto rec = recorder(dir, "rec");
    HooksProc hooks(dir, broker, "[hook.1]\nevents = \"custom\"\ncommand = \"" + rec + "\"\n");
    hooks.start();
    REQUIRE(n1.cli({"emit", "custom", "new=1"}).code == 0);
    REQUIRE(eventually([&] { return lines_with(read_file(dir.file("rec")), "custom") == 1; }));
    // Idle, the cursor covers every event: those before its first start are behind it, not
    // kept one by one (they once were, forever).
    CHECK(eventually([&] { return hooks.caught_up(broker); }));
    hooks.proc->signal(SIGTERM);
    hooks.proc->wait(5s);

    TempDir dir2;
    const auto rec2 = recorder(dir2, "rec");
    HooksProc catchup(dir2, broker, "[hook.1]\nevents = \"custom\"\ncommand = \"" + rec2 + "\"\n");
    catchup.start({"--catch-up"});
    REQUIRE(eventually([&] { return lines_with(read_file(dir2.file("rec")), "custom") == 2; }));
}

TEST_CASE("hooks: a broker restart - a reload on SIGHUP - bad entries skipped with file:line",
          "[hooks]") {
    TempDir dir;
    BrokerProc broker(dir);
    const auto a = recorder(dir, "a"), b = recorder(dir, "b");
    HooksProc hooks(dir, broker,
                    "[hook.1]\nevents = \"custom\"\ncommand = \"" + a +
                        "\"\n[hook.2]\nevents = 5\ncommand = \"x\"\n");
    hooks.start();
    CHECK(hooks.node_log().find("node.toml:") != std::string::npos);
    CHECK(hooks.node_log().find("hook skipped") != std::string::npos);
    PubProc n1(dir, "n1", {broker.ingest}, "200ms");
    REQUIRE(n1.cli({"emit", "custom"}).code == 0);
    REQUIRE(eventually([&] { return lines_with(read_file(dir.file("a")), "custom") == 1; }));

    broker.stop();
    broker.start();
    REQUIRE(eventually(
        [&] {
            auto s = broker.snapshot();
            return s.is_object() && s["monitor"]["nodes"].contains("n1");
        },
        15s));
    REQUIRE(n1.cli({"emit", "custom"}).code == 0);
    REQUIRE(eventually([&] { return lines_with(read_file(dir.file("a")), "custom") == 2; }, 15s));

    hooks.write(broker, "[hook.1]\nevents = \"custom\"\ncommand = \"" + b + "\"\n");
    hooks.proc->signal(SIGHUP);
    REQUIRE(eventually(
        [&] { return hooks.node_log().find("reloaded 1 hook(s)") != std::string::npos; }));
    REQUIRE(n1.cli({"emit", "custom"}).code == 0);
    REQUIRE(eventually([&] { return lines_with(read_file(dir.file("b")), "custom") == 1; }));
    CHECK(lines_with(read_file(dir.file("a")), "custom") == 2);
}

TEST_CASE("hooks: a failed hook runs again after its retry delay, doubled, until its last attempt",
          "[hooks]") {
    TempDir dir;
    BrokerProc broker(dir);
    const auto attempts = dir.file("attempts");
    const auto flaky = dir.file("flaky.sh"), doomed = dir.file("doomed.sh");
    // Fails on its first two attempts, then succeeds.
    write_file(flaky, "#!/bin/sh\necho \"flaky $OM_EVENT_SEQ $OM_HOOK_ATTEMPT\" >> " + attempts +
                          "\n[ \"$OM_HOOK_ATTEMPT\" -ge 3 ]\n");
    write_file(doomed, "#!/bin/sh\necho \"doomed $OM_HOOK_ATTEMPT\" >> " + attempts +
                           "\necho 'no luck' >&2\nexit 7\n");
    ::chmod(flaky.c_str(), 0755);
    ::chmod(doomed.c_str(), 0755);
    HooksProc hooks(dir, broker,
                    "[hook.flaky]\nevents = \"custom\"\ncommand = \"" + flaky +
                        "\"\nretries = 3\nretry_delay = \"50ms\"\n"
                        "[hook.doomed]\nevents = \"custom\"\ncommand = \"" +
                        doomed + "\"\nretries = 1\nretry_delay = \"20ms\"\n");
    hooks.start();
    PubProc n1(dir, "n1", {broker.ingest}, "60s");
    REQUIRE(n1.cli({"emit", "custom"}).code == 0);
    // Idle at last: every attempt made, the cursor past the event.
    REQUIRE(eventually(
        [&] { return hooks.caught_up(broker) && lines_with(read_file(attempts), "\n") == 5; },
        20s));
    const auto seq = broker.stats()["eseq"].get<int>();
    const auto runs = read_file(attempts);
    for (int a = 1; a <= 3; ++a)
        CHECK(lines_with(runs, "flaky " + std::to_string(seq) + " " + std::to_string(a) + "\n") ==
              1);
    CHECK(lines_with(runs, "doomed 1\n") == 1);
    CHECK(lines_with(runs, "doomed 2\n") == 1);
    const auto log = hooks.node_log();
    CHECK(lines_with(log, "exit 1 ") == 2);
    CHECK(lines_with(log, "attempt 1/4; retry in 50ms") == 1);
    CHECK(lines_with(log, "attempt 2/4; retry in 100ms") == 1);
    CHECK(lines_with(log, "attempt 3/4\n") == 1);
    CHECK(lines_with(log, "exit 7 ") == 2);
    CHECK(lines_with(log, "attempt 2/2 stderr: no luck\n") == 1); // the last: no retry
}

TEST_CASE("hooks: restarted against another broker, the runner runs what it had not, once",
          "[hooks]") {
    TwoBrokers t;
    t.two_ran_from_a();
    // The runner stops with a clean cursor.
    REQUIRE(eventually([&] { return t.hooks.caught_up(t.a); }));
    t.hooks.proc->signal(SIGTERM);
    REQUIRE(t.hooks.proc->wait(5s).has_value());
    t.kill_a();
    t.emit(3);             // only b has it
    t.hooks.start(t.both); // a is gone: b, whose numbers are not the cursor's
    t.emit(4);
    REQUIRE(eventually([&] { return lines_with(t.ran(), "custom") >= 4; }, 15s));
    t.check_each_once(4);
    const auto log = t.hooks.node_log();
    CHECK(log.find("cannot be replayed by broker epoch") != std::string::npos);
    CHECK(log.find("event(s) of the replay were had already") != std::string::npos);
}

TEST_CASE("hooks: moving to another broker while running, the runner runs what it had not, "
          "once",
          "[hooks]") {
    TwoBrokers t;
    t.two_ran_from_a();
    t.kill_a();
    t.emit(3); // only b has it; the runner sees it once it finds a silent and moves
    REQUIRE(eventually([&] { return lines_with(t.ran(), "custom") >= 3; }, 20s));
    t.emit(4);
    REQUIRE(eventually([&] { return lines_with(t.ran(), "custom") >= 4; }));
    t.check_each_once(4);
    CHECK(t.hooks.node_log().find("(another broker)") != std::string::npos);
}

TEST_CASE("hooks: a hook of the previous broker that finishes after the move is not run again "
          "by a third broker run",
          "[hooks]") {
    TwoBrokers t(true);
    t.emit(1);
    t.emit(2); // its hook waits at the gate
    REQUIRE(eventually([&] { return lines_with(t.ran(), "custom") == 1; }));
    REQUIRE(eventually([&] { return t.b.stats()["events"].get<int>() >= 4; }));
    t.kill_a();
    REQUIRE(eventually(
        [&] { return t.hooks.node_log().find("(another broker)") != std::string::npos; }, 20s));
    t.emit(3); // from b: the cursor is b's now, custom 2 still of a's run
    REQUIRE(eventually([&] { return lines_with(t.ran(), "custom") == 2; }));
    write_file(t.dir.file("gate"), "");
    REQUIRE(eventually([&] { return lines_with(t.ran(), "custom") == 3; }));
    REQUIRE(eventually([&] {
        return lines_with(t.hooks.node_log(), "exit 0") >= 5; // hb_beating, started, 3 custom
    }));
    t.hooks.proc->signal(SIGTERM);
    REQUIRE(t.hooks.proc->wait(5s).has_value());
    // a again, a new run: n1 sends it its recent events, custom 2 among them. Neither a's
    // numbers nor b's say that the runner had it: only its origin does.
    t.a.start();
    REQUIRE(
        eventually([&] { return lines_with(read_file(t.n1->log), "recent event(s) sent") >= 1; }));
    t.hooks.start(t.both);
    t.emit(4);
    REQUIRE(eventually([&] { return lines_with(t.ran(), "custom") == 4; }));
    const auto r = t.ran();
    for (int i = 1; i <= 4; ++i)
        CHECK(lines_with(r, "custom n1 \"n\":" + std::to_string(i) + "\n") == 1);
    CHECK(lines_with(r, "monitor_started n1") == 1);
}

TEST_CASE("hooks: events a killed broker lost run after its restart, those handled do not",
          "[hooks]") {
    TempDir dir;
    BrokerProc broker(dir);
    HooksProc hooks(dir, broker,
                    "[hook.1]\nevents = \"custom monitor_started\"\ncommand = \"" +
                        namer(dir, "ran") + "\"\n");
    hooks.start();
    PubProc n1(dir, "n1", {broker.ingest}, "60s");
    const auto ran = [&] { return read_file(dir.file("ran")); };
    const auto emit = [&](int n) {
        REQUIRE(n1.cli({"emit", "custom", "n=" + std::to_string(n)}).code == 0);
    };
    const auto restart_broker = [&](int times) {
        broker.proc->signal(SIGKILL);
        REQUIRE(broker.proc->wait(5s).has_value());
        broker.start();
        // n1 connects again and sends its full and its recent events to the new run.
        REQUIRE(eventually(
            [&] { return lines_with(read_file(n1.log), "recent event(s) sent") == times; }));
    };
    emit(1);
    REQUIRE(eventually([&] { return lines_with(ran(), "custom") == 1; }));
    // Live: the new run publishes monitor_started and custom 1 again; the runner had them,
    // skips them, and its cursor passes them all the same.
    restart_broker(1);
    REQUIRE(eventually([&] { return hooks.caught_up(broker); }));
    emit(2);
    REQUIRE(eventually([&] { return lines_with(ran(), "custom") >= 2; }));
    // Stopped: custom 3 is published while the runner is away, then lost with the broker.
    REQUIRE(eventually([&] { return hooks.caught_up(broker); }));
    hooks.proc->signal(SIGTERM);
    REQUIRE(hooks.proc->wait(5s).has_value());
    emit(3);
    restart_broker(2);
    hooks.start();
    emit(4);
    REQUIRE(eventually([&] { return lines_with(ran(), "custom") >= 4; }));
    const auto r = ran();
    for (int i = 1; i <= 4; ++i)
        CHECK(lines_with(r, "custom n1 \"n\":" + std::to_string(i) + "\n") == 1);
    CHECK(lines_with(r, "custom") == 4);
    CHECK(lines_with(r, "monitor_started") == 1);
}

TEST_CASE("hooks: a rate limit holds starts to COUNT per PERIOD, in order, none lost", "[hooks]") {
    TempDir dir;
    BrokerProc broker(dir);
    const auto script = dir.file("stamp.sh");
    write_file(script, "#!/bin/sh\necho \"$(date +%s.%N) $OM_EVENT_ORIGIN\" >> " +
                           dir.file("starts") + "\n");
    ::chmod(script.c_str(), 0755);
    // One execution at a time: the order of the stamps is then the order of the starts (with
    // more, the scripts of one burst append in whatever order the scheduler runs them).
    HooksProc hooks(dir, broker,
                    "[hook.1]\nevents = \"custom\"\ncommand = \"" + script +
                        "\"\nrate_limit = \"3/1s\"\n",
                    "concurrency = 1\n");
    hooks.start();
    PubProc n1(dir, "n1", {broker.ingest}, "60s");
    constexpr int kEvents = 8;
    for (int i = 0; i < kEvents; ++i)
        REQUIRE(n1.cli({"emit", "custom"}).code == 0);
    REQUIRE(eventually([&] { return lines_with(read_file(dir.file("starts")), "\n") == kEvents; },
                       15s));
    std::vector<double> at;
    std::vector<std::uint64_t> eids;
    std::istringstream in(read_file(dir.file("starts")));
    for (std::string t, origin; in >> t >> origin;) {
        at.push_back(std::stod(t));
        // NODE:INC:EID, the same key whatever broker numbered the event.
        REQUIRE(origin.starts_with("n1:"));
        eids.push_back(std::stoull(origin.substr(origin.rfind(':') + 1)));
    }
    REQUIRE(at.size() == kEvents);
    for (std::size_t i = 1; i < eids.size(); ++i)
        CHECK(eids[i] == eids[i - 1] + 1); // each once, in order
    // A burst of 3, then 3 more a second later, then 2: at least 2 s from first to last,
    // and never 4 starts in a second (less the start-up time of the script, 0.5 s allowed).
    CHECK(at.back() - at.front() >= 1.5);
    for (std::size_t i = 0; i + 3 < at.size(); ++i)
        CHECK(at[i + 3] - at[i] >= 0.5);
    CHECK(hooks.node_log().find("hook hook.1 rate limit 3/1s reached") != std::string::npos);
}

TEST_CASE("hooks: the broker's own events outlive its restart through its journal - run once, "
          "printed once",
          "[hooks]") {
    TempDir dir;
    const auto journal = dir.file("state/broker.journal"); // its directory is made for it
    BrokerProc broker(dir, "[heartbeat]\ntimeout = \"600ms\"\n[replay]\njournal = \"" + journal +
                               "\"\n");
    // The hook names the node an hb_stale is about (data.nodename).
    const auto script = dir.file("stale.sh");
    write_file(script,
               "#!/bin/sh\necho \"$OM_EVENT_ID $(grep -o '\"nodename\":\"n[0-9]*\"')\" >> " +
                   dir.file("ran") + "\n");
    ::chmod(script.c_str(), 0755);
    HooksProc hooks(dir, broker, "[hook.1]\nevents = \"hb_stale\"\ncommand = \"" + script + "\"\n");
    hooks.start();
    std::vector<std::string> argv{sub_bin(), "events", "--config", "/dev/null", "--format", "json"};
    for (const auto& f : sub_flags(broker))
        argv.push_back(f);
    Process events(argv, dir.file("events.out"));
    // Lines of `om-sub events` that are the event `id` about node n2.
    const auto printed = [&](const std::string& id) {
        int n = 0;
        std::istringstream in(read_file(dir.file("events.out")));
        for (std::string line; std::getline(in, line);) {
            const auto j = json::parse(line, nullptr, false);
            if (j.is_object() && j["kind"] == "event" && j["data"]["id"] == id &&
                j["data"]["nodename"] == "n2")
                ++n;
        }
        return n;
    };
    PubProc n1(dir, "n1", {broker.ingest}, "100ms");
    // n2 starts once `om-sub events` prints what n1 emits: its hb_beating cannot be
    // published before the subscriber follows the stream (under load it was, and missed).
    REQUIRE(eventually([&] {
        n1.cli({"emit", "ready"});
        return lines_with(read_file(dir.file("events.out")), "\"ready\"") >= 1;
    }));
    auto n2 =
        std::make_unique<PubProc>(dir, "n2", std::vector<std::string>{broker.ingest}, "100ms");
    REQUIRE(eventually([&] { return printed("hb_beating") == 1; }));
    REQUIRE(eventually([&] { return hooks.caught_up(broker); }));

    // The runner away, n2 dies: the broker reports it stale, journals it, and is killed.
    hooks.proc->signal(SIGTERM);
    REQUIRE(hooks.proc->wait(5s).has_value());
    n2.reset();
    REQUIRE(eventually([&] { return printed("hb_stale") == 1; }));
    broker.proc->signal(SIGKILL);
    REQUIRE(broker.proc->wait(5s).has_value());
    broker.start();
    // The new run never heard of n2; it publishes again what the journal kept.
    CHECK(broker.stats()["journal_resent"].get<int>() == 3); // hb_beating n1, n2; hb_stale n2
    CHECK(lines_with(read_file(broker.log), "3 own event(s) of previous runs published again") ==
          1);

    hooks.start();
    REQUIRE(eventually([&] { return hooks.caught_up(broker); }));
    // The subscriber that stayed had them all: it prints nothing twice.
    REQUIRE(eventually([&] {
        return lines_with(read_file(dir.file("events.out")), "of the replay were had already") == 1;
    }));
    const auto ran = read_file(dir.file("ran"));
    CHECK(lines_with(ran, "hb_stale \"nodename\":\"n2\"") == 1);
    CHECK(lines_with(ran, "hb_stale") == 1);
    CHECK(printed("hb_stale") == 1);
    CHECK(printed("hb_beating") == 1);
    CHECK(broker.stats()["events"].get<int>() >= 4); // the 3 again, and n1's hb_beating anew
}

TEST_CASE("hooks: serialize_by runs a service's events one at a time and in order - "
          "coalesce merges a flapping service's",
          "[hooks]") {
    TempDir dir;
    BrokerProc broker(dir);
    // "start|end SVC N" around a short sleep: runs of one service must not interleave.
    const auto script = dir.file("slow.sh");
    write_file(script, "#!/bin/sh\nn=$(grep -o '\"n\":[0-9]*' | cut -d: -f2)\n"
                       "svc=$(printf %s \"$OM_EVENT_ID\" | cut -d_ -f2)\n"
                       "echo \"start $svc $n\" >> " +
                           dir.file("serial") + "\nsleep 0.05\necho \"end $svc $n\" >> " +
                           dir.file("serial") + "\n");
    ::chmod(script.c_str(), 0755);
    HooksProc hooks(dir, broker,
                    "[hook.serial]\nevents = \"svc_a svc_b svc_none\"\ncommand = \"" + script +
                        "\"\nserialize_by = \"data.svcname\"\n"
                        "[hook.flap]\nevents = \"flap\"\ncommand = \"" +
                        namer(dir, "flap") +
                        "\"\nserialize_by = \"data.svcname\"\ncoalesce = \"1s\"\n",
                    "concurrency = 8\n");
    hooks.start();
    PubProc n1(dir, "n1", {broker.ingest}, "60s");
    for (int n = 1; n <= 5; ++n) {
        REQUIRE(n1.cli({"emit", "svc_a", "--svcname", "a", "n=" + std::to_string(n)}).code == 0);
        REQUIRE(n1.cli({"emit", "svc_b", "--svcname", "b", "n=" + std::to_string(n)}).code == 0);
    }
    // Without the key: unserialized, it runs all the same.
    REQUIRE(n1.cli({"emit", "svc_none", "n=1"}).code == 0);
    REQUIRE(eventually([&] { return lines_with(read_file(dir.file("serial")), "end ") == 11; }));
    std::map<std::string, std::vector<std::string>> by_svc;
    std::istringstream in(read_file(dir.file("serial")));
    for (std::string what, svc, n; in >> what >> svc >> n;)
        by_svc[svc].push_back(what + " " + n);
    for (const std::string svc : {"a", "b"}) {
        INFO(svc);
        std::vector<std::string> expected;
        for (int n = 1; n <= 5; ++n) {
            expected.push_back("start " + std::to_string(n));
            expected.push_back("end " + std::to_string(n));
        }
        CHECK(by_svc[svc] == expected);
    }
    CHECK(by_svc["none"] == std::vector<std::string>{"start 1", "end 1"});

    // Thirty events of a flapping service: one execution per second (the coalesce period)
    // while they arrive, plus the first and the last, each with the latest event; the others
    // are merged, and every event counts as handled. How many seconds the thirty take
    // depends on the machine (a sanitizer build is slower): the bound follows it.
    const auto t0 = std::chrono::steady_clock::now();
    for (int n = 1; n <= 30; ++n)
        REQUIRE(n1.cli({"emit", "flap", "--svcname", "web", "n=" + std::to_string(n)}).code == 0);
    const auto seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    REQUIRE(eventually(
        [&] { return read_file(dir.file("flap")).find("\"n\":30") != std::string::npos; }));
    REQUIRE(eventually([&] { return hooks.caught_up(broker); }));
    const auto flap = read_file(dir.file("flap"));
    INFO(flap << "emitted in " << seconds << " s");
    const int runs = lines_with(flap, "flap n1");
    CHECK(runs <= static_cast<int>(seconds) + 2);
    CHECK(lines_with(hooks.node_log(), "coalesced into seq") == 30 - runs);
}
