// Integration test of `om-sub mon` on a real terminal: tmux runs it in a detached session
// of its own server (a socket in the test's directory), and the test reads the screen
// (capture-pane) and the pane's modes (alternate screen, cursor) as a person would see them.
#include "harness.hpp"

#include <catch2/catch.hpp>
#include <csignal>
#include <sstream>
#include <unistd.h>

using namespace it;

namespace {
const std::string kTmux = "/usr/bin/tmux";

// A tmux server and one session running /bin/sh in a 110x30 terminal.
struct Tmux {
    std::string socket;
    explicit Tmux(const TempDir& dir) : socket(dir.file("tmux.sock")) {
        const auto r = run({kTmux, "-S", socket, "-f", "/dev/null", "new-session", "-d", "-s", "t",
                            "-x", "110", "-y", "30", "/bin/sh"});
        REQUIRE(r.code == 0);
    }
    ~Tmux() { run({kTmux, "-S", socket, "kill-server"}); }
    void keys(const std::vector<std::string>& k) const {
        std::vector<std::string> argv{kTmux, "-S", socket, "send-keys", "-t", "t"};
        argv.insert(argv.end(), k.begin(), k.end());
        REQUIRE(run(argv).code == 0);
    }
    std::string screen() const {
        return run({kTmux, "-S", socket, "capture-pane", "-p", "-t", "t"}).out;
    }
    // "ALT CURSOR": 1 0 while a program holds the alternate screen with the cursor hidden.
    std::string modes() const {
        return run({kTmux, "-S", socket, "display-message", "-p", "-t", "t",
                    "#{alternate_on} #{cursor_flag}"})
            .out;
    }
};

// The line of the screen that starts with `prefix`, or "".
std::string line_of(const std::string& screen, const std::string& prefix) {
    std::istringstream in(screen);
    for (std::string l; std::getline(in, l);)
        if (l.rfind(prefix, 0) == 0) return l;
    return "";
}
} // namespace

TEST_CASE("om-sub mon under tmux: a service change within 1 s, a node going stale, a clean "
          "terminal after Ctrl-C",
          "[mon]") {
    if (::access(kTmux.c_str(), X_OK) != 0) FAIL("tmux is not installed (scripts/install-deps.sh)");
    TempDir dir;
    BrokerProc broker(dir, "[heartbeat]\ntimeout = \"1s\"\ngrace = \"60s\"\n");
    PubProc n1(dir, "n1", {broker.ingest}), n2(dir, "n2", {broker.ingest});
    REQUIRE(n1.cli({"set", "services.status.ha1.avail=up",
                    "services.status.ha1.monitor.placement=leader"})
                .code == 0);
    REQUIRE(
        n2.cli({"set", "services.status.ha1.avail=down", "services.status.ha1.frozen=1"}).code ==
        0);
    Tmux tmux(dir);
    std::string cmd = sub_bin() + " mon --config /dev/null";
    for (const auto& f : sub_flags(broker))
        cmd += " " + f;
    tmux.keys({"NO_COLOR=1 " + cmd + "; echo \"mon exited $?\"", "Enter"});

    // The view is up: the alternate screen, no cursor, both nodes and the service.
    REQUIRE(
        eventually([&] { return line_of(tmux.screen(), " ha1").find("O^") != std::string::npos; }));
    CHECK(tmux.modes() == "1 0\n");
    auto screen = tmux.screen();
    INFO(screen);
    CHECK(line_of(screen, "Nodes").find("n1") != std::string::npos);
    CHECK(line_of(screen, "Nodes").find("n2") != std::string::npos);
    CHECK(line_of(screen, " heartbeat").find("beating") != std::string::npos);
    CHECK(line_of(screen, " ha1").find("X*") != std::string::npos);
    CHECK(line_of(screen, " ha1").find("mixed") != std::string::npos);
    CHECK(screen.find("\x1b") == std::string::npos); // NO_COLOR

    // A service change shows within a second.
    const auto t0 = std::chrono::steady_clock::now();
    REQUIRE(n1.cli({"set", "services.status.ha1.avail=warn"}).code == 0);
    REQUIRE(eventually(
        [&] { return line_of(tmux.screen(), " ha1").find("| !^") != std::string::npos; }, 5s));
    const auto shown = std::chrono::steady_clock::now() - t0;
    CHECK(shown < 1s);

    // A node that stops is stale once the broker's timeout is over.
    n2.proc->signal(SIGKILL);
    REQUIRE(eventually(
        [&] { return line_of(tmux.screen(), " heartbeat").find("stale") != std::string::npos; }));

    // Ctrl-C: mon exits 0 and gives the terminal back: main screen, cursor shown.
    tmux.keys({"C-c"});
    REQUIRE(eventually([&] { return tmux.screen().find("mon exited 0") != std::string::npos; }));
    CHECK(tmux.modes() == "0 1\n");
    CHECK(tmux.screen().find("Nodes") == std::string::npos);
}

TEST_CASE("om-sub mon piped: one frame per change, no escapes - the filter narrows the services",
          "[mon]") {
    TempDir dir;
    BrokerProc broker(dir);
    PubProc n1(dir, "n1", {broker.ingest}, "60s");
    REQUIRE(n1.cli({"set", "services.status.ha1.avail=up", "services.status.db.avail=down"}).code ==
            0);
    std::vector<std::string> argv{sub_bin(),   "mon",      "--config",
                                  "/dev/null", "--filter", "monitor.services.*.avail=down"};
    for (const auto& f : sub_flags(broker))
        argv.push_back(f);
    Process mon(argv, dir.file("mon.out"));
    REQUIRE(eventually(
        [&] { return read_file(dir.file("mon.out")).find(" db ") != std::string::npos; }));
    REQUIRE(n1.cli({"set", "services.status.ha1.avail=down"}).code == 0);
    REQUIRE(eventually(
        [&] { return read_file(dir.file("mon.out")).find(" ha1 ") != std::string::npos; }));
    // The broker gone, then back: the view says it resyncs instead of showing the old state,
    // then shows the new run's.
    broker.proc->signal(SIGKILL);
    REQUIRE(broker.proc->wait(5s).has_value());
    REQUIRE(eventually([&] {
        return read_file(dir.file("mon.out")).find("resyncing with the broker") !=
               std::string::npos;
    }));
    const auto before = read_file(dir.file("mon.out")).size();
    broker.start();
    REQUIRE(eventually(
        [&] { return read_file(dir.file("mon.out")).find(" ha1 ", before) != std::string::npos; },
        20s));
    mon.signal(SIGINT);
    CHECK(mon.wait(5s) == 0);
    const auto out = read_file(dir.file("mon.out"));
    CHECK(out.find('\x1b') == std::string::npos);
    // The first frames hold db only (ha1 was up): the filter narrowed them.
    const auto first = out.substr(0, out.find("ombus cluster", 1)); // up to the second frame
    INFO(out);
    CHECK(first.find(" db ") != std::string::npos);
    CHECK(first.find(" ha1 ") == std::string::npos);
    CHECK(lines_with(out, "ombus cluster test") >= 2); // a frame per change

    // Usage: --watch draws a view, it takes no --format; a bad filter.
    auto bad = argv;
    bad[4] = "--bogus";
    CHECK(run({sub_bin(), "status", "--watch", "--format", "json", "--config", "/dev/null"}).code ==
          2);
    CHECK(run({sub_bin(), "mon", "--config", "/dev/null", "--filter", "monitor..x"}).code == 2);
}
