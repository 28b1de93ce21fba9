// Benchmark of scale, with the real om-broker and om-relay processes:
//   - a cluster of many simulated nodes (10,000; 300 in smoke), 20 services each, each on
//     its own ingest connection (ZMTP spoken by this process, zmtp_dealer.hpp) and pinging
//     every 5 s, plus 1,000 changes/s: broker CPU per
//     change against the same load on 10 nodes, its memory against the status document's
//     JSON size, and a late joiner's snapshot received and applied, against mosquitto's
//     late joiner on 10,000 retained messages in the same run (when installed), and the
//     same late joiner behind an om-relay of that broker;
//   - 1,000 subscribers (40 in smoke) behind 4 relays: broker CPU per event against one
//     subscriber straight on the broker, and every subscriber receiving every event.
//   build/tests/bench/bench_scale [--smoke] [--nodes N] [--only nodes|subscribers]
#include "connection.hpp"
#include "harness.hpp"
#include "peers.hpp"
#include "rig.hpp"
#include "zmtp_dealer.hpp"

#include <random>
#include <sys/resource.h>
#include <thread>

using namespace it;
using bench::Clock;
using bench::cpu_seconds;
using bench::Node;

namespace {

// Raises the open-file limit to `want` (the broker, a child, inherits it) or as far as the
// hard limit allows; returns what it got. A simulated node takes one descriptor here and
// one in the broker.
rlim_t raise_fd_limit(rlim_t want) {
    rlimit r{};
    getrlimit(RLIMIT_NOFILE, &r);
    rlimit wanted{std::max(r.rlim_cur, want), std::max(r.rlim_max, want)};
    if (setrlimit(RLIMIT_NOFILE, &wanted) != 0) { // not root: as far as the hard limit goes
        wanted = {r.rlim_max, r.rlim_max};
        setrlimit(RLIMIT_NOFILE, &wanted);
    }
    getrlimit(RLIMIT_NOFILE, &r);
    return r.rlim_cur;
}

// A simulated node: its heartbeats on its own ZMTP connection (one descriptor).
struct SimNode {
    bench::ZmtpDealer d;
    std::string name;
    std::uint64_t gen = 1, events = 0;
    SimNode(const std::string& ingest, std::string n) : d(ingest), name(std::move(n)) {}
    void send(const std::string& kind, const std::string& tail) {
        d.send(bench::heartbeat_text(name, gen, events, kind, tail));
    }
};

// A broker holding `count` nodes of `services` services, each on its own connection.
struct Cluster {
    TempDir& dir;
    BrokerProc broker;
    std::vector<std::unique_ptr<SimNode>> nodes;

    Cluster(TempDir& d, int count, const std::string& name, int services = 20)
        : dir(d),
          broker(
              d,
              "[limits]\nmax_message_bytes = 16777216\nmax_nodes = 20000\n[heartbeat]\ntimeout = "
              "\"120s\"\n[pub]\ntick = \"1s\"\n",
              name) {
        const auto data = bench::node_dataset(services).dump();
        for (int i = 0; i < count; ++i) {
            nodes.push_back(std::make_unique<SimNode>(broker.ingest, "node" + std::to_string(i)));
            nodes.back()->send("full", "\"data\":" + data);
        }
        if (!eventually([&] { return broker.stats()["fulls"].get<int>() >= count; }, 600s))
            throw std::runtime_error("fulls not merged");
    }

    // For `seconds`: each node pings every 5 s (spread evenly), and `rate` one-leaf changes
    // a second go to nodes in turn. Returns the broker's main-thread CPU seconds and sets
    // `changes` to the changes sent.
    double load(double seconds, int rate, long& changes) {
        const long patches0 = broker.stats()["patches"].get<long>();
        const double cpu0 = cpu_seconds(broker.proc->pid());
        const auto t0 = Clock::now();
        const auto end = t0 + std::chrono::duration<double>(seconds);
        const double pings_per_s = double(nodes.size()) / 5.0;
        long pings = 0;
        changes = 0;
        std::size_t next_ping = 0, next_change = nodes.size() / 2;
        while (Clock::now() < end) {
            const double t = bench::seconds_since(t0);
            while (double(pings) < t * pings_per_s) {
                auto& n = *nodes[next_ping++ % nodes.size()];
                n.send("ping", "\"x\":0");
                ++pings;
            }
            while (double(changes) < t * rate) {
                auto& n = *nodes[next_change++ % nodes.size()];
                ++n.gen;
                n.send("delta",
                       std::string("\"ops\":[[[\"services\",\"status\",\"svc3\",\"avail\"],"
                                   "\"") +
                           (n.gen % 2 ? "up" : "down") + "\"]]");
                ++changes;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        // Every change merged before the CPU is read: one patch each.
        eventually([&] { return broker.stats()["patches"].get<long>() >= patches0 + changes; },
                   60s);
        return cpu_seconds(broker.proc->pid()) - cpu0;
    }
};

// A late joiner on (pub, api), a broker or a relay: subscribe, snapshot, parse, install,
// in step. Returns the milliseconds it took.
double late_joiner_ms(const std::string& pub, const std::string& api) {
    om::sub::ConnectionOptions o;
    o.brokers = {{pub, api}};
    o.state = true;
    o.topics = {};
    o.api_timeout = std::chrono::milliseconds(60000);
    const auto t0 = Clock::now();
    om::sub::Connection late(o);
    if (!late.start()) throw std::runtime_error("late joiner did not start on " + api);
    while (!late.synced())
        late.poll(std::chrono::milliseconds(1));
    return bench::seconds_since(t0) * 1e3;
}

void nodes_section(bool smoke, int nodes) {
    const int many = nodes > 0 ? nodes : smoke ? 300 : 10000;
    const auto limit = raise_fd_limit(rlim_t(many) + 1024);
    std::printf("open-file limit %llu for %d simulated nodes\n",
                static_cast<unsigned long long>(limit), many);
    const double seconds = smoke ? 2 : 10;
    const int rate = 1000;
    TempDir dir;
    // What the connections alone take: the same nodes, connected, with no service (first,
    // and gone before the others: the descriptors are for one large cluster at a time).
    const double bare_rss = [&] {
        Cluster bare(dir, many, "b-bare", 0);
        return bench::rss_mib(bare.broker.proc->pid());
    }();
    Cluster small(dir, 10, "b-small");
    const auto t_load = Clock::now();
    Cluster large(dir, many, "b-large");
    const double load_s = bench::seconds_since(t_load);
    // Rounds in turn, so that a noisy neighbour falls on both alike.
    double small_cpu = 0, large_cpu = 0;
    long small_changes = 0, large_changes = 0;
    for (int r = 0; r < 2; ++r) {
        long c = 0;
        small_cpu += small.load(seconds / 2, rate, c);
        small_changes += c;
        large_cpu += large.load(seconds / 2, rate, c);
        large_changes += c;
    }
    const double small_us = small_cpu / double(small_changes) * 1e6;
    const double large_us = large_cpu / double(large_changes) * 1e6;
    std::printf("%d nodes x 20 services merged from their fulls in %.1f s\n", many, load_s);
    bench::report("broker CPU per change, 10 nodes (pings + 1,000 changes/s)", small_us, "us");
    bench::report("broker CPU per change, " + std::to_string(many) + " nodes (same load)", large_us,
                  "us");
    bench::report("  ratio", large_us / small_us, "x", "<= 1.1", large_us / small_us <= 1.1);

    // Memory against the document it holds.
    const auto snap = large.broker.api_call(json{{"op", "snapshot"}, {"protocol", 2}}, 60s);
    const double doc_mib = snap.size() == 2 ? double(snap[1].size()) / (1024.0 * 1024.0) : 0;
    const double rss = bench::rss_mib(large.broker.proc->pid());
    bench::report("status document (JSON)", doc_mib, "MiB");
    bench::report("broker resident memory", rss, "MiB");
    bench::report("  ratio", rss / doc_mib, "x", "<= 3", rss <= 3 * doc_mib);
    bench::report("broker resident memory, the same nodes with no service", bare_rss, "MiB");
    bench::report("  the services' share, against the document", (rss - bare_rss) / doc_mib, "x");

    // A late joiner on the broker, then on a relay of it (whose snapshot is the text of its
    // own replica, built from the broker's: om-relay's resync and answer).
    const double instances = double(many) * 20;
    const double ms = late_joiner_ms(large.broker.pub, large.broker.api);
    const double per_10k = ms / (instances / 10000.0);
    bench::report("late joiner's snapshot received and applied (" +
                      std::to_string(long(instances)) + " instances)",
                  ms, "ms");
    bench::report("  per 10,000 service instances", per_10k, "ms", "< 54 (mosquitto)",
                  per_10k < 54);
    {
        RelayProc relay(dir, large.broker.pub, large.broker.api, "relay-late",
                        {"--api-timeout", "60s"});
        relay.start();
        if (!eventually([&] { return relay.stats().value("in_step", false); }, 120s))
            throw std::runtime_error("relay did not get in step with the large broker");
        const double relay_ms = late_joiner_ms(relay.pub, relay.api);
        bench::report("  the same behind a relay, per 10,000 service instances",
                      relay_ms / (instances / 10000.0), "ms");
    }

    // The denominator, in this run: mosquitto's late joiner, 10,000 retained messages as
    // large as an instance's share of the document. The simulated nodes are closed first:
    // libmosquitto's loop uses select(), which takes no descriptor above 1023.
    large.nodes.clear();
    small.nodes.clear();
    if (const auto why = peers::mosquitto_missing(); !why.empty()) {
        std::printf("mosquitto late joiner: skipped (%s)\n", why.c_str());
        return;
    }
    const int topics = 10000;
    const auto payload =
        static_cast<std::size_t>(double(snap.size() == 2 ? snap[1].size() : 0) / instances);
    const auto mq = peers::start_mosquitto(dir);
    const auto mq_ms = peers::mosquitto_late_joiner(*mq, topics, payload);
    if (!mq_ms) throw std::runtime_error("mosquitto's late joiner did not get every message");
    bench::report("mosquitto: a late joiner's 10,000 retained messages of " +
                      std::to_string(payload) + " B",
                  *mq_ms, "ms");
    bench::report("  ratio, ombus per 10,000 instances / mosquitto", per_10k / *mq_ms, "x",
                  "<= 1.0", per_10k <= *mq_ms);
}

// Counts, per subscriber, the "scale" events received; probes make each subscription known.
struct Subscribers {
    zmq::context_t ctx{1};
    std::vector<zmq::socket_t> subs;
    std::vector<long> got;
    std::vector<bool> probed;

    Subscribers(const std::vector<std::string>& endpoints, int count) {
        ctx.set(zmq::ctxopt::max_sockets, count + 64);
        for (int i = 0; i < count; ++i) {
            subs.emplace_back(ctx, zmq::socket_type::sub);
            subs.back().set(zmq::sockopt::rcvhwm, 0);
            subs.back().set(zmq::sockopt::subscribe, "event/");
            subs.back().connect(endpoints[static_cast<std::size_t>(i) % endpoints.size()]);
        }
        got.assign(subs.size(), 0);
        probed.assign(subs.size(), false);
    }
    // Receives what is ready on every socket; returns the number of sockets probed.
    std::size_t drain() {
        std::size_t ready = 0;
        zmq::message_t m;
        for (std::size_t i = 0; i < subs.size(); ++i) {
            while (subs[i].recv(m, zmq::recv_flags::dontwait)) {
                if (m.to_string_view().starts_with("event/probe/"))
                    probed[i] = true;
                else
                    ++got[i];
            }
            ready += probed[i];
        }
        return ready;
    }
};

// What one fan-out measure found: the broker's main-thread CPU per event (us), as spent and
// net of what the broker spends idle over as long (its ticks), and the fraction of the events
// the worst subscriber got.
struct Fanout {
    double raw = 0, idle_ms_per_s = 0, net = 0, received = 0;
};

// Measures the broker's CPU per event with `subs` subscribers spread over `relays` relays (0:
// all on the broker), each relay on the broker or, `tiered`, the first on the broker and the
// others on the first. The events go out as fast as this one process can drain every
// subscriber, so with 1,000 subscribers they take some 200 times longer than with one: the
// broker's idle rate, measured in the same setup just before, is taken off the CPU it spent
// over that time, so that the per-event figures compare what each event costs.
Fanout fanout_cpu(int subs, int relays, long n, std::chrono::milliseconds idle_for,
                  bool tiered = false) {
    TempDir dir;
    BrokerProc broker(dir, "[replay]\nmax_events = 100000\n", "b-fan");
    std::vector<std::unique_ptr<RelayProc>> rs;
    std::vector<std::string> endpoints;
    for (int i = 0; i < relays; ++i) {
        const bool on_first = tiered && i > 0;
        rs.push_back(std::make_unique<RelayProc>(dir, on_first ? rs[0]->pub : broker.pub,
                                                 on_first ? rs[0]->api : broker.api,
                                                 "relay" + std::to_string(i)));
        endpoints.push_back(rs.back()->pub);
    }
    if (relays == 0) endpoints.push_back(broker.pub);
    Subscribers s(endpoints, subs);
    zmq::context_t ctx(1);
    Node node(ctx, broker.ingest, "n1");
    node.send("full", "\"data\":{\"frozen\":0,\"monitor\":{\"status\":\"idle\"}}");
    if (!eventually(
            [&] {
                node.send("event", "\"data\":{\"id\":\"probe\"}");
                return s.drain() == s.subs.size();
            },
            60s))
        throw std::runtime_error("probes did not reach every subscriber");
    std::fill(s.got.begin(), s.got.end(), 0);
    Fanout out;
    const double idle0 = cpu_seconds(broker.proc->pid());
    std::this_thread::sleep_for(idle_for); // the broker's idle rate: no event, only its ticks
    out.idle_ms_per_s = (cpu_seconds(broker.proc->pid()) - idle0) * 1000 /
                        std::chrono::duration<double>(idle_for).count();
    s.drain(); // the ticks of that wait
    const auto t0 = std::chrono::steady_clock::now();
    const double cpu0 = cpu_seconds(broker.proc->pid());
    const std::string pad(150, 'p');
    for (long k = 0; k < n; ++k) {
        node.send("event", "\"data\":{\"id\":\"scale\",\"k\":" + std::to_string(k) + ",\"pad\":\"" +
                               pad + "\"}");
        if (k % 256 == 0) s.drain(); // keep the queues short while sending
    }
    eventually(
        [&] {
            s.drain();
            return *std::min_element(s.got.begin(), s.got.end()) >= n;
        },
        120s);
    const double cpu = cpu_seconds(broker.proc->pid()) - cpu0;
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    out.received = double(*std::min_element(s.got.begin(), s.got.end())) / double(n);
    out.raw = cpu / double(n) * 1e6;
    out.net = std::max(0.0, cpu - out.idle_ms_per_s / 1000 * secs) / double(n) * 1e6;
    return out;
}

void subscribers_section(bool smoke) {
    const int many = smoke ? 40 : 1000;
    const long n = smoke ? 2000 : 30000; // long enough for the CPU clock to outweigh the noise
    const auto idle = smoke ? 1000ms : 3000ms;
    raise_fd_limit(4 * rlim_t(many) + 1024);
    const Fanout one = fanout_cpu(1, 0, n, idle);
    const Fanout lots = fanout_cpu(many, 4, n, idle);
    // Each relay on the broker is a pipe the broker writes and wakes: one relay in front of
    // the others leaves the broker one, whatever the fan-out behind it.
    const Fanout tiered = fanout_cpu(many, 4, n, idle, true);
    const auto subs = std::to_string(many);
    const std::pair<std::string, const Fanout*> lines[] = {
        {"1 subscriber on the broker", &one},
        {subs + " subscribers behind 4 relays on the broker", &lots},
        {subs + " subscribers behind 4 relays, 3 of them on the first", &tiered}};
    for (const auto& [what, f] : lines) {
        bench::report("broker CPU per event, " + what, f->raw, "us");
        bench::report("  the broker idle, same setup (ticks only)", f->idle_ms_per_s, "ms/s");
        bench::report("  per event, net of the idle rate over the run", f->net, "us");
    }
    bench::report("ratio as spent, behind 4 relays / 1 on the broker", lots.raw / one.raw, "x");
    bench::report("ratio net of idle, behind 4 relays / 1 on the broker", lots.net / one.net, "x",
                  "<= 1.2", lots.net / one.net <= 1.2);
    bench::report("ratio as spent, relays of relays / 1 on the broker", tiered.raw / one.raw, "x");
    bench::report("ratio net of idle, relays of relays / 1 on the broker", tiered.net / one.net,
                  "x", "<= 1.2", tiered.net / one.net <= 1.2);
    const double worst = std::min({one.received, lots.received, tiered.received});
    bench::report("  received of sent, worst subscriber", worst, "fraction", "= 1.000",
                  worst >= 1.0);
}

} // namespace

int main(int argc, char** argv) {
    const bool smoke = bench::smoke_mode(argc, argv);
    const auto n = bench::option_value(argc, argv, "--nodes"); // another cluster size
    const int nodes = n.empty() ? 0 : std::stoi(n);
    const auto only = bench::only_section(argc, argv, {"nodes", "subscribers"});
    std::printf("bench_scale (%s)\n", smoke ? "smoke" : "full");
    if (only.empty() || only == "nodes") nodes_section(smoke, nodes);
    if (only.empty() || only == "subscribers") subscribers_section(smoke);
    return 0;
}
