// The cluster of docs/deploy.md across hosts: one network namespace per host (brokers b1 and
// b2, nodes n1..n3, the admin host adm, the relay host rack3-1), veth pairs on a bridge in a
// namespace of its own, real TCP with CURVE on every socket, and the configs taken from
// docs/deploy.md's blocks (their /etc/om, /var/lib/om and /run/om paths moved into a directory per
// host). Checks convergence, adm reading through the relay, a node's link cut and back, b1's link
// cut (subscribers move to b2, nothing lost or run twice) and a node key claiming another name.
// Needs root (ip netns): without it the program says why and exits 77, which CTest reports as
// skipped.
#define CATCH_CONFIG_RUNNER
#include "curve.hpp"
#include "harness.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <iostream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <unistd.h>

using namespace it;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kSkipped = 77;

const std::map<std::string, std::string> kAddress = {
    {"b1", "192.0.2.11"}, {"b2", "192.0.2.12"},  {"n1", "192.0.2.21"},     {"n2", "192.0.2.22"},
    {"n3", "192.0.2.23"}, {"adm", "192.0.2.31"}, {"rack3-1", "192.0.2.41"}};

// iproute2's ip: the harness runs programs by path, not through $PATH.
const std::string& ip() {
    static const std::string path = [] {
        for (const auto* p : {"/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"})
            if (::access(p, X_OK) == 0) return std::string(p);
        return std::string("ip");
    }();
    return path;
}

// Runs a command that must succeed (ip link, ip netns ...); throws with its stderr.
void must(const std::vector<std::string>& argv) {
    const auto r = run(argv, 10s);
    if (r.code != 0) {
        std::string cmd;
        for (const auto& a : argv)
            cmd += a + " ";
        throw std::runtime_error(cmd + "failed: " + r.err);
    }
}

// The hosts' namespaces and their links to one bridge; all removed at destruction (which
// also removes the veth pairs). Names carry the pid, so runs side by side do not collide.
class Network {
  public:
    Network() : prefix_("omt" + std::to_string(::getpid()) + "-") {
        add(sw());
        must({ip(), "-n", sw(), "link", "add", "br0", "type", "bridge"});
        must({ip(), "-n", sw(), "link", "set", "br0", "up"});
        for (const auto& [host, addr] : kAddress) {
            add(ns(host));
            must({ip(), "-n", sw(), "link", "add", host, "type", "veth", "peer", "name", "eth0",
                  "netns", ns(host)});
            must({ip(), "-n", sw(), "link", "set", host, "master", "br0", "up"});
            must({ip(), "-n", ns(host), "addr", "add", addr + "/24", "dev", "eth0"});
            must({ip(), "-n", ns(host), "link", "set", "eth0", "up"});
            must({ip(), "-n", ns(host), "link", "set", "lo", "up"});
        }
    }
    ~Network() {
        for (const auto& n : made_)
            (void)run({ip(), "netns", "del", n}, 10s);
    }
    std::string ns(const std::string& host) const { return prefix_ + host; }
    // The cable of a host pulled out (the bridge's end of its pair down), or put back.
    void cut(const std::string& host) { must({ip(), "-n", sw(), "link", "set", host, "down"}); }
    void mend(const std::string& host) { must({ip(), "-n", sw(), "link", "set", host, "up"}); }
    // argv run on `host`.
    std::vector<std::string> on(const std::string& host, std::vector<std::string> argv) const {
        argv.insert(argv.begin(), {ip(), "netns", "exec", ns(host)});
        return argv;
    }

  private:
    std::string sw() const { return prefix_ + "sw"; }
    void add(const std::string& n) {
        must({ip(), "netns", "add", n});
        made_.push_back(n);
    }
    std::string prefix_;
    std::vector<std::string> made_;
};

// The ```toml block that follows the line of docs/deploy.md starting with **HOST, `PATH`.
std::string deploy_block(const std::string& host, const std::string& path) {
    std::istringstream in(read_file(source_dir() + "/docs/deploy.md"));
    const auto heading = "**" + host + ", `" + path + "`";
    std::string line, block;
    bool found = false, inside = false;
    while (std::getline(in, line)) {
        if (!found) {
            found = line.rfind(heading, 0) == 0;
        } else if (!inside) {
            inside = line == "```toml";
        } else if (line == "```") {
            return block;
        } else {
            block += line + "\n";
        }
    }
    throw std::runtime_error("docs/deploy.md: no toml block for " + host + " " + path);
}

void replace_all(std::string& s, const std::string& from, const std::string& to) {
    for (auto at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
        s.replace(at, from.size(), to);
}

// `om-broker --keygen`'s two lines.
om::CurveKeypair keygen() {
    const auto r = run({broker_bin(), "--keygen"});
    std::smatch m;
    const std::regex re("public_key = \"(.{40})\"\ncurve_secret_key = \"(.{40})\"\n");
    if (r.code != 0 || !std::regex_match(r.out, m, re))
        throw std::runtime_error("om-broker --keygen: " + r.out + r.err);
    return {m[1], m[2]};
}

double seconds_since(Clock::time_point t0) {
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

// The lines of `text` holding every one of `needles`.
int count_lines(const std::string& text, const std::vector<std::string>& needles) {
    std::istringstream in(text);
    std::string line;
    int n = 0;
    while (std::getline(in, line)) {
        bool all = true;
        for (const auto& s : needles)
            all = all && line.find(s) != std::string::npos;
        n += all;
    }
    return n;
}

} // namespace

TEST_CASE("multihost: the cluster of docs/deploy.md over TCP and CURVE, across link cuts",
          "[multihost]") {
    Network net;
    TempDir dir;
    const std::string timeout_s = "15", interval_s = "5"; // deploy.md keeps the defaults

    // Keys as section 2 makes them; files as section 3 writes them.
    const auto brokers = keygen();
    std::map<std::string, om::CurveKeypair> key;
    for (const auto* h : {"n1", "n2", "n3", "adm", "rack3-1"})
        key[h] = keygen();
    // `file`: the name of the config in the host's /etc/om.
    const auto fill = [&](std::string text, const std::string& host, const std::string& file) {
        replace_all(text, "<secret key of the brokers>", brokers.secret_key);
        replace_all(text, "<public key of the brokers>", brokers.public_key);
        for (const auto& [h, k] : key) {
            replace_all(text, "<secret key of " + h + ">", k.secret_key);
            replace_all(text, "<public key of " + h + ">", k.public_key);
        }
        const auto root = dir.file(host);
        for (const auto* d : {"/var/lib/om/", "/run/om/"}) {
            std::filesystem::create_directories(root + d);
            replace_all(text, d, root + d);
        }
        std::filesystem::create_directories(root + "/etc/om");
        write_file(root + "/etc/om/" + file, text);
        return root + "/etc/om/" + file;
    };
    std::map<std::string, std::string> conf;
    for (const auto* b : {"b1", "b2"}) {
        // The relay's key among the readers, as the page's Relays section says.
        auto text = deploy_block(b, "/etc/om/broker.toml");
        const std::string readers = "subscribers = [\"<public key of adm>\"]";
        REQUIRE(text.find(readers) != std::string::npos);
        replace_all(text, readers,
                    "subscribers = [\"<public key of adm>\", \"<public key of rack3-1>\"]");
        conf[b] = fill(text, b, "broker.toml");
    }
    conf["rack3-1"] = fill(deploy_block("rack3-1", "/etc/om/relay.toml"), "rack3-1", "relay.toml");
    conf["adm via rack3-1"] =
        fill(deploy_block("adm via rack3-1", "/etc/om/node.toml"), "adm-via-relay", "node.toml");
    for (const auto* n : {"n1", "n2", "n3"}) {
        auto text = deploy_block("n1", "/etc/om/node.toml"); // "on n2 and n3 the same"
        replace_all(text, "nodename = \"n1\"", std::string("nodename = \"") + n + "\"");
        replace_all(text, "<secret key of n1>", std::string("<secret key of ") + n + ">");
        conf[n] = fill(text, n, "node.toml");
    }
    // adm's file, and one hook that records which events ran.
    const auto ran = dir.file("ran");
    conf["adm"] =
        fill(deploy_block("adm", "/etc/om/node.toml") +
                 "\n[hook.probe]\nevents = [\"probe\"]\ncommand = \"" + namer(dir, "ran") + "\"\n",
             "adm", "node.toml");

    std::map<std::string, std::unique_ptr<Process>> procs;
    for (const auto* b : {"b1", "b2"})
        procs[b] = std::make_unique<Process>(net.on(b, {broker_bin(), "--config", conf[b]}),
                                             dir.file(std::string(b) + ".log"));
    for (const auto* n : {"n1", "n2", "n3"})
        procs[n] = std::make_unique<Process>(net.on(n, {pub_bin(), "--config", conf[n]}),
                                             dir.file(std::string(n) + ".log"));
    const auto on_adm = [&](std::vector<std::string> args) {
        args.insert(args.begin(), sub_bin());
        args.insert(args.begin() + 2, {"--config", conf["adm"]});
        return run(net.on("adm", args), 90s);
    };
    const auto pub_cli = [&](const std::string& node, std::vector<std::string> args) {
        // The control socket is a local file: om-pub's client needs no namespace.
        args.insert(args.begin(), {pub_bin(), "--config", conf[node]});
        return run(args);
    };

    // Converged: adm's wait succeeds (through b1, the first of its list), and b2 has the
    // same three nodes.
    const auto t_start = Clock::now();
    auto w = on_adm({"wait", "--filter", "heartbeats.n1.beating=true", "--filter",
                     "heartbeats.n2.beating=true", "--filter", "heartbeats.n3.beating=true",
                     "--duration", "60s"});
    INFO("wait: " << w.out << w.err);
    REQUIRE(w.code == 0);
    std::cout << "multihost: converged, wait from adm done in " << seconds_since(t_start) << " s\n";
    // b2 has them too (it may take the nodes' fulls a moment after b1).
    RunResult b2_status;
    CHECK(eventually(
        [&] {
            b2_status = on_adm({"status", "--pub", "tcp://192.0.2.12:1216", "--api",
                                "tcp://192.0.2.12:1217", "--filter", "heartbeats.*.beating"});
            return b2_status.code == 0 && count_lines(b2_status.out, {"true"}) == 3;
        },
        30s));
    INFO("status from b2: " << b2_status.out << b2_status.err);
    CHECK(count_lines(b2_status.out, {"true"}) == 3);

    // The relay of the page on rack3-1, following b1 with CURVE on both sides: adm, with the
    // relay's key as its server's, reads the same three nodes through it.
    Process relay(net.on("rack3-1", {relay_bin(), "--config", conf["rack3-1"]}),
                  dir.file("rack3-1.log"));
    RunResult via_relay;
    CHECK(eventually(
        [&] {
            via_relay = run(net.on("adm", {sub_bin(), "status", "--config", conf["adm via rack3-1"],
                                           "--filter", "heartbeats.*.beating"}),
                            30s);
            return via_relay.code == 0 && count_lines(via_relay.out, {"true"}) == 3;
        },
        30s));
    INFO("status through rack3-1: " << via_relay.out << via_relay.err
                                    << "\nrelay log: " << read_file(dir.file("rack3-1.log")));
    CHECK(count_lines(via_relay.out, {"true"}) == 3);
    std::cout << "multihost: adm reads the cluster through the relay on rack3-1 after "
              << seconds_since(t_start) << " s\n";

    // adm's subscribers: the event stream and the hook runner.
    const auto events_log = dir.file("events.log"), hooks_log = dir.file("hooks.log");
    Process events(net.on("adm", {sub_bin(), "events", "--config", conf["adm"], "--format", "json",
                                  "--filter", "kind=event"}),
                   events_log);
    Process hooks(net.on("adm", {sub_bin(), "hooks", "--config", conf["adm"]}), hooks_log);
    REQUIRE(eventually([&] { return lines_with(read_file(hooks_log), "connected to") >= 1; }, 30s));
    int probes = 0;
    const auto emit_probe = [&] {
        const std::string node = "n" + std::to_string(probes % 3 + 1);
        const auto r = pub_cli(node, {"emit", "probe", "n=" + std::to_string(++probes)});
        INFO("om-pub emit: " << r.err);
        REQUIRE(r.code == 0);
    };
    // How many times probe i ran (the namer's lines end with "n":i) and was printed.
    const auto runs_of = [&](const std::string& text, int i) {
        return lines_with(text, "\"n\":" + std::to_string(i) + "\n");
    };
    const auto prints_of = [&](const std::string& text, int i) {
        const auto n = "\"n\":" + std::to_string(i);
        return count_lines(text, {"\"probe\"", n + ","}) +
               count_lines(text, {"\"probe\"", n + "}"});
    };
    // Every probe so far ran and was printed.
    const auto all_probes_seen = [&] {
        const auto ran_text = read_file(ran) + "\n", printed = read_file(events_log);
        for (int i = 1; i <= probes; ++i)
            if (runs_of(ran_text, i) < 1 || prints_of(printed, i) < 1) return false;
        return true;
    };
    // The subscriber's events stream is taken up when its first event arrives.
    REQUIRE(eventually(
        [&] {
            emit_probe();
            return lines_with(read_file(events_log), "\"probe\"") >= 1 &&
                   lines_with(read_file(ran), "probe ") >= 1;
        },
        30s));
    for (int i = 0; i < 4; ++i)
        emit_probe();
    CHECK(eventually([&] { return lines_with(read_file(ran), "probe ") >= probes; }, 30s));

    // n1's cable cut: hb_stale within timeout + one interval; back: hb_beating and its data.
    pub_cli("n1", {"set", "deploy.value=1"});
    REQUIRE(
        on_adm({"wait", "--filter", "monitor.nodes.n1.deploy.value=1", "--duration", "30s"}).code ==
        0);
    auto t0 = Clock::now();
    net.cut("n1");
    pub_cli("n1", {"set", "deploy.value=2"}); // a change made during the partition
    const auto stale_of_n1 = [&] {
        return count_lines(read_file(events_log), {"\"hb_stale\"", "\"n1\""}) >= 1;
    };
    REQUIRE(eventually(stale_of_n1, 40s));
    const double to_stale = seconds_since(t0);
    std::cout << "multihost: n1 cut -> hb_stale in " << to_stale << " s (bound " << timeout_s
              << " s timeout + " << interval_s << " s interval)\n";
    CHECK(to_stale <= std::stod(timeout_s) + std::stod(interval_s) + 1.0);
    t0 = Clock::now();
    net.mend("n1");
    REQUIRE(eventually(
        [&] {
            return count_lines(read_file(events_log), {"\"hb_beating\"", "\"n1\""}) >= 1;
        },
        60s));
    const double to_beating = seconds_since(t0);
    w = on_adm({"wait", "--filter", "monitor.nodes.n1.deploy.value=2", "--duration", "30s"});
    CHECK(w.code == 0);
    std::cout << "multihost: n1 back -> hb_beating in " << to_beating << " s, its data in "
              << seconds_since(t0) << " s\n";

    // b1's cable cut: adm's events and hooks move to b2; the probes emitted meanwhile (the
    // nodes send to both brokers) are printed and run once each, none of the earlier ones
    // again.
    const int before_cut = probes;
    CHECK(eventually(all_probes_seen, 30s));
    t0 = Clock::now();
    net.cut("b1");
    for (int i = 0; i < 6; ++i)
        emit_probe();
    const auto first_after_cut = "\"n\":" + std::to_string(before_cut + 1) + "\n";
    REQUIRE(eventually([&] { return lines_with(read_file(ran), first_after_cut) >= 1; }, 60s));
    const double failover = seconds_since(t0);
    CHECK(eventually(all_probes_seen, 30s));
    const auto ran_text = read_file(ran), printed = read_file(events_log);
    INFO("ran:\n" << ran_text << "events:\n" << printed << "hooks:\n" << read_file(hooks_log));
    for (int i = 1; i <= probes; ++i) { // none lost, none twice
        CHECK(runs_of(ran_text, i) == 1);
        CHECK(prints_of(printed, i) == 1);
    }
    std::cout << "multihost: b1 cut -> first event through b2 run by the hooks in " << failover
              << " s; " << probes << " probes, each run once and printed once\n";

    // n3's key used with the name n2: refused by b2 (b1 is cut off), n2's data untouched.
    Process impostor(net.on("n3", {pub_bin(), "--config", conf["n3"], "--nodename", "n2",
                                   "--control", dir.ipc("impostor.sock")}),
                     dir.file("impostor.log"));
    CHECK(eventually(
        [&] {
            return read_file(dir.file("b2.log")).find("CURVE key of node 'n3' claims to be 'n2'") !=
                   std::string::npos;
        },
        30s));
    CHECK(eventually([&] { return count_lines(read_file(events_log), {"\"blacklist_add\""}) >= 1; },
                     30s));
    CHECK(procs["b2"]->running());
}

int main(int argc, char** argv) {
    // Namespaces need root (CAP_SYS_ADMIN): without them the test is skipped, not passed.
    const bool listing = argc > 1 && std::string(argv[1]).rfind("--list", 0) == 0;
    if (!listing) {
        const auto probe = "omt" + std::to_string(::getpid()) + "-probe";
        const auto r = run({ip(), "netns", "add", probe}, 10s);
        if (r.code != 0) {
            std::cout << "multihost: skipped: cannot make a network namespace (ip netns add: "
                      << (r.err.empty() ? "ip not found" : r.err) << ")\n";
            return kSkipped;
        }
        (void)run({ip(), "netns", "del", probe}, 10s);
    }
    return Catch::Session().run(argc, argv);
}
