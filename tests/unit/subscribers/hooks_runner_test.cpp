// Tests of subscribers/hooks/runner with real processes (/bin/sh): the event on stdin and
// in the environment, the bounds (concurrency, queue: a dropped job is done at once), a
// timeout that kills the hook's group, and retries until the last attempt. Each waits for
// what it expects with a deadline, servicing the runner as om-sub hooks does.
#include "hooks/runner.hpp"

#include "temp_dir.hpp"

#include <catch2/catch.hpp>
#include <csignal>
#include <fstream>
#include <poll.h>
#include <sstream>

using namespace om;
using namespace om::hooks;
using namespace std::chrono_literals;

namespace {
std::shared_ptr<const HookConfig> hook(const std::string& script, Millis timeout = 10s,
                                       int retries = 0) {
    auto h = std::make_shared<HookConfig>();
    h->name = "hook.t";
    h->command = {"/bin/sh", "-c", script};
    h->timeout = timeout;
    h->retries = retries;
    h->retry_delay = Millis(10);
    return h;
}

Job job(std::shared_ptr<const HookConfig> h, std::uint64_t seq) {
    Job j;
    j.hook = std::move(h);
    j.body = R"({"kind":"event","data":{"id":"x"}})";
    j.id = "x";
    j.nodename = "n1";
    j.epoch = 7;
    j.seq = seq;
    return j;
}

// A hook that appends its event's seq to `out`, serialized by `path`, coalescing a key's
// events for `period`.
std::shared_ptr<const HookConfig> coalescing(const std::string& out, const std::string& path,
                                             Millis period) {
    auto h = std::make_shared<HookConfig>(*hook("echo $OM_EVENT_SEQ >> " + out));
    h->serialize_by = path;
    h->coalesce = period;
    return h;
}

// Services the runner until `done` holds, for 10 s at most, waiting as om-sub hooks does:
// on the runner's descriptors (a hook's exit, its stderr) up to its sleep limit.
template <class Pred> bool serve_until(Runner& r, Pred done) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!done()) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::vector<pollfd> fds;
        for (int fd : r.fds())
            fds.push_back({fd, POLLIN, 0});
        (void)::poll(fds.data(), fds.size(), static_cast<int>(r.sleep_limit().count()));
        r.service();
    }
    return true;
}

std::string slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}
} // namespace

TEST_CASE("hooks runner: the event on stdin and in the environment, done once finished") {
    unit::TempDir dir("runner");
    const auto out = dir.file("out");
    std::vector<std::string> log;
    Runner r(2, 10, [&](const std::string& l) { log.push_back(l); });
    std::vector<std::uint64_t> done;
    r.on_done = [&](const Job& j) { done.push_back(j.seq); };
    r.submit(job(hook("cat > " + out +
                      "; echo \"$OM_EVENT_ID $OM_EVENT_NODENAME $OM_EVENT_EPOCH "
                      "$OM_EVENT_SEQ $OM_HOOK_ATTEMPT\" >> " +
                      out),
                 5));
    REQUIRE(serve_until(r, [&] { return !done.empty(); }));
    CHECK(done == std::vector<std::uint64_t>{5});
    CHECK(slurp(out) == R"({"kind":"event","data":{"id":"x"}})"
                        "x n1 7 5 1\n");
    CHECK(r.stats().started == 1);
    CHECK(r.stats().finished == 1);
    CHECK_FALSE(r.busy());
}

TEST_CASE("hooks runner: concurrency and queue bound it, a dropped job is done at once") {
    unit::TempDir dir("runner");
    const auto gate = dir.file("gate");
    Runner r(1, 1, [](const std::string&) {});
    std::vector<std::uint64_t> done;
    r.on_done = [&](const Job& j) { done.push_back(j.seq); };
    // Each waits for the gate file, so that the first still runs when the others come.
    const auto h = hook("while [ ! -e " + gate + " ]; do sleep 0.01; done");
    r.submit(job(h, 1)); // runs
    r.submit(job(h, 2)); // queued
    r.submit(job(h, 3)); // the queue is full: dropped, done now
    CHECK(done == std::vector<std::uint64_t>{3});
    CHECK(r.stats().dropped == 1);
    CHECK(r.stats().started == 1);
    std::ofstream(gate).put('x');
    REQUIRE(serve_until(r, [&] { return done.size() == 3; }));
    CHECK(done == std::vector<std::uint64_t>{3, 1, 2}); // the queue in order
}

TEST_CASE("hooks runner: a hook past its timeout is killed with its children") {
    unit::TempDir dir("runner");
    const auto pidfile = dir.file("child");
    Runner r(1, 1, [](const std::string&) {});
    bool finished = false;
    r.on_done = [&](const Job&) { finished = true; };
    r.submit(job(hook("sleep 30 & echo $! > " + pidfile + "; wait", 200ms), 1));
    REQUIRE(serve_until(r, [&] { return finished; }));
    CHECK(r.stats().timed_out == 1);
    // The hook's own child (its process group) is gone too.
    const auto child = std::stoi(slurp(pidfile));
    REQUIRE(child > 0);
    // Killed: no such process, or a zombie that its new parent has not reaped yet.
    const auto dead = [&] {
        if (kill(child, 0) != 0) return true;
        const auto stat = slurp("/proc/" + std::to_string(child) + "/stat");
        const auto paren = stat.rfind(')');
        return paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] == 'Z';
    };
    const bool gone = serve_until(r, dead);
    CHECK(gone);
}

TEST_CASE("hooks runner: a failing hook runs again until its last attempt") {
    unit::TempDir dir("runner");
    const auto out = dir.file("attempts");
    Runner r(1, 4, [](const std::string&) {});
    int done = 0;
    r.on_done = [&](const Job&) { ++done; };
    r.submit(job(hook("echo $OM_HOOK_ATTEMPT >> " + out + "; exit 1", 10s, 2), 1));
    REQUIRE(serve_until(r, [&] { return done == 1; }));
    CHECK(slurp(out) == "1\n2\n3\n");
    CHECK(r.stats().retried == 2);
    CHECK(r.stats().failed == 3);
}

TEST_CASE("hooks runner: serialize_by runs one key at a time, in order, others alongside") {
    unit::TempDir dir("runner");
    const auto out = dir.file("out");
    // Each run notes its start, sleeps a little, notes its end: runs of one key never
    // overlap, and follow the submission order.
    auto h =
        std::make_shared<HookConfig>(*hook("echo \"start $OM_EVENT_SEQ\" >> " + out +
                                           "; sleep 0.05; echo \"end $OM_EVENT_SEQ\" >> " + out));
    h->serialize_by = "data.svcname";
    Runner r(4, 100, [](const std::string&) {});
    std::vector<std::uint64_t> done;
    r.on_done = [&](const Job& j) { done.push_back(j.seq); };
    for (std::uint64_t seq = 1; seq <= 4; ++seq) {
        auto j = job(h, seq);
        j.key = "ha1";
        r.submit(std::move(j));
    }
    auto other = job(h, 9);
    other.key = "ha2";
    r.submit(std::move(other));
    CHECK(r.stats().serialized == 3); // 2, 3 and 4 waited for their key
    REQUIRE(serve_until(r, [&] { return done.size() == 5; }));
    CHECK_FALSE(r.busy());
    // ha1's runs in order, each ended before the next started.
    std::istringstream in(slurp(out));
    std::vector<std::string> ha1;
    for (std::string l; std::getline(in, l);)
        if (l != "start 9" && l != "end 9") ha1.push_back(l);
    CHECK(ha1 == std::vector<std::string>{"start 1", "end 1", "start 2", "end 2", "start 3",
                                          "end 3", "start 4", "end 4"});
    // ha2 did not wait for ha1: it is done before ha1's last.
    const auto pos9 = std::find(done.begin(), done.end(), 9u) - done.begin();
    const auto pos4 = std::find(done.begin(), done.end(), 4u) - done.begin();
    CHECK(pos9 < pos4);
}

TEST_CASE("hooks runner: coalesce keeps a node's latest event when an older one comes after") {
    unit::TempDir dir("runner");
    const auto out = dir.file("out");
    const auto h = coalescing(out, "nodename", Millis(200));
    Runner r(4, 100, [](const std::string&) {});
    std::vector<std::uint64_t> done;
    r.on_done = [&](const Job& j) { done.push_back(j.seq); };
    const auto submit = [&](std::uint64_t seq, std::uint64_t eid) {
        auto j = job(h, seq);
        j.key = "n1";
        j.inc = 5;
        j.eid = eid;
        r.submit(std::move(j));
    };
    submit(1, 1); // runs at once
    submit(2, 4); // waits for the period
    // The node's events 2 and 3, resent after a broker restart, come after its 4: each is
    // done at once, and 4 stays the run to come.
    submit(3, 2);
    submit(4, 3);
    CHECK(done == std::vector<std::uint64_t>{3, 4});
    REQUIRE(serve_until(r, [&] { return done.size() == 4; }));
    CHECK(slurp(out) == "1\n2\n");
    // Another incarnation's numbers are not compared: the one that came last runs (the key
    // still cools from 2's start, so all three wait).
    submit(5, 9);
    submit(6, 9);
    {
        auto j = job(h, 7);
        j.key = "n1";
        j.inc = 6;
        j.eid = 1;
        r.submit(std::move(j));
    }
    REQUIRE(serve_until(r, [&] { return done.size() == 7; }));
    CHECK(slurp(out) == "1\n2\n7\n");
    REQUIRE(serve_until(r, [&] { return !r.busy(); }));
}

TEST_CASE("hooks runner: coalesce merges a key's events into one next run, the latest") {
    unit::TempDir dir("runner");
    const auto out = dir.file("out");
    const auto h = coalescing(out, "data.svcname", Millis(300));
    std::vector<std::string> log;
    Runner r(4, 100, [&](const std::string& l) { log.push_back(l); });
    std::vector<std::uint64_t> done;
    r.on_done = [&](const Job& j) { done.push_back(j.seq); };
    // A flapping service: fifty events in a row.
    for (std::uint64_t seq = 1; seq <= 50; ++seq) {
        auto j = job(h, seq);
        j.key = "ha1";
        r.submit(std::move(j));
    }
    // 1 runs at once; 2..49 are replaced in turn (done at once, not run); 50 runs once the
    // period since 1's start is over.
    CHECK(r.stats().coalesced == 48);
    CHECK(done.size() == 48);
    REQUIRE(serve_until(r, [&] { return done.size() == 50; }));
    CHECK(slurp(out) == "1\n50\n");
    CHECK(r.stats().started == 2);
    CHECK(log.front().find("coalesced into seq 7:3 (key ha1)") != std::string::npos);
    // The key is free once the period is over: the next event runs at once.
    REQUIRE(serve_until(r, [&] { return !r.busy(); }));
}
