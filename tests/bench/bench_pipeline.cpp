// Benchmark of the pipeline with the real om-broker and om-pub processes, against NATS
// core, Redis pub/sub and raw libzmq on the same payload, measured in the same run, in
// interleaved rounds (medians):
//   - 300-byte events/s through the broker to 1 and to 4 subscribers, with its CPU per event,
//     measured once its replay window is full (the fill's CPU printed apart);
//   - end-to-end latency of events at 2,000 events/s (p50, p99);
//   - changes/s from om-pub's control socket through the broker into a subscriber replica;
//   - broker CPU per change with 10 nodes and with 1,000 nodes x 50 services.
//   build/tests/bench/bench_pipeline [--smoke] [--only raw|targets|changes|events|latency|cpu]
// (--only runs that one section: events, changes and latency alone are for a profiler.)
#include "bench_util.hpp"
#include "connection.hpp"
#include "harness.hpp"
#include "peers.hpp"
#include "rig.hpp"

#include <atomic>
#include <ctime>
#include <fmt/format.h>
#include <fstream>
#include <thread>
#include <unistd.h>
#include <zmq.hpp>

using namespace it;
using bench::Clock;
using bench::cpu_seconds;
using bench::load_event_tail;
using bench::Node;
using bench::node_dataset;
using bench::rss_mib;
using bench::seconds_since;

namespace {

// Raw libzmq: one PUB, `subs` SUB threads, n messages of the given frames over ipc. Returns
// the messages/s each subscriber received (all of them: the high-water marks are unlimited).
double raw_pub_sub(const TempDir& dir, int subs, long n, const std::vector<std::string>& frames) {
    zmq::context_t ctx(2);
    auto pub = bench::xpub(ctx);
    const auto ep = dir.ipc("raw-" + std::to_string(subs) + "-" + std::to_string(frames.size()));
    pub.bind(ep);
    std::vector<double> rates(static_cast<std::size_t>(subs));
    std::vector<std::thread> threads;
    for (int i = 0; i < subs; ++i) {
        threads.emplace_back([&, i] {
            zmq::socket_t sub(ctx, zmq::socket_type::sub);
            sub.set(zmq::sockopt::rcvhwm, 0);
            sub.set(zmq::sockopt::subscribe, "");
            sub.connect(ep);
            zmq::message_t m;
            while (sub.recv(m) && m.more()) {
            } // the first message starts the clock
            const auto t0 = Clock::now();
            for (long k = 1; k < n;)
                if (sub.recv(m) && !m.more()) ++k; // whole messages, by their last frame
            rates[static_cast<std::size_t>(i)] = double(n - 1) / seconds_since(t0);
        });
    }
    // Every subscriber connected, then the run.
    bench::await_subscriptions(pub, subs);
    for (long k = 0; k < n; ++k)
        for (std::size_t f = 0; f < frames.size(); ++f)
            pub.send(zmq::buffer(frames[f]),
                     f + 1 < frames.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
    for (auto& t : threads)
        t.join();
    double sum = 0;
    for (double r : rates)
        sum += r;
    return sum / subs;
}

// CPU seconds used so far by the calling thread.
double thread_cpu_seconds() {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return double(t.tv_sec) + double(t.tv_nsec) / 1e9;
}

// META as the broker writes it for an event (wire.hpp), and the broker's frame of a
// `bytes`-byte event body under it (protocol 2: TOPIC\nMETA\nBODY).
const std::string kMeta = R"({"epoch":1764300000000000,"seq":123456,"kseq":123456,"tseq":123456})";
std::string broker_frame(std::size_t bytes) {
    return "event/bench/\n" + kMeta + "\n" + std::string(bytes, 'x');
}

// A forwarder that does no work, the ceiling of any broker on this machine: ROUTER in, the
// broker's frame out on PUB, no JSON, in a context of its own. It is fed by a DEALER in
// another context, as om-pub would be, and read by one SUB.
struct NoWorkForwarder {
    zmq::context_t ctx{1};
    zmq::socket_t in{ctx, zmq::socket_type::router};
    zmq::socket_t pub = bench::xpub(ctx);
    std::string in_ep, pub_ep;
    NoWorkForwarder(const TempDir& dir, const std::string& tag)
        : in_ep(dir.ipc(tag + "-in")), pub_ep(dir.ipc(tag + "-pub")) {
        in.set(zmq::sockopt::rcvhwm, 0);
        in.bind(in_ep);
        pub.bind(pub_ep);
    }
    // Moves n messages from `in` to `pub`, each sent as it came (its routing id dropped).
    void forward(long n) {
        zmq::message_t route, body;
        for (long k = 0; k < n; ++k) {
            (void)in.recv(route);
            (void)in.recv(body);
            pub.send(body, zmq::send_flags::none);
        }
    }
};

// The no-work forwarder's rate: n messages of `frame`. Returns the messages/s the
// subscriber received; sets *cpu_us to the CPU per message of the forwarding thread (what
// libzmq alone costs a broker's main thread).
double raw_forwarder(const TempDir& dir, long n, const std::string& frame,
                     double* cpu_us = nullptr) {
    NoWorkForwarder fwd(dir, "fwd");
    zmq::context_t sender_ctx(1);
    double rate = 0;
    std::thread sub_thread([&] {
        zmq::socket_t sub(fwd.ctx, zmq::socket_type::sub);
        sub.set(zmq::sockopt::rcvhwm, 0);
        sub.set(zmq::sockopt::subscribe, "");
        sub.connect(fwd.pub_ep);
        zmq::message_t m;
        while (sub.recv(m) && m.more()) {
        }
        const auto t0 = Clock::now();
        for (long k = 1; k < n;)
            if (sub.recv(m) && !m.more()) ++k;
        rate = double(n - 1) / seconds_since(t0);
    });
    bench::await_subscriptions(fwd.pub, 1);
    std::thread sender([&] {
        zmq::socket_t d(sender_ctx, zmq::socket_type::dealer);
        d.set(zmq::sockopt::sndhwm, 0); // and the default linger: every message delivered
        d.connect(fwd.in_ep);
        for (long k = 0; k < n; ++k)
            d.send(zmq::buffer(frame), zmq::send_flags::none);
    });
    const double cpu0 = thread_cpu_seconds();
    fwd.forward(n);
    sender.join();
    sub_thread.join();
    if (cpu_us) *cpu_us = (thread_cpu_seconds() - cpu0) / double(n) * 1e6;
    return rate;
}

// Sends n pipelined `set bench.kI=N` requests on a DEALER, in om-pub's control frames (REQ
// envelope: empty frame, VERB, ARG), one leaf each over 1,000 keys, draining the replies.
// Returns the replies drained.
long send_set_requests(zmq::socket_t& d, long n) {
    long replies = 0;
    for (long i = 0; i < n; ++i) {
        const auto arg = "bench.k" + std::to_string(i % 1000) + "=" + std::to_string(i);
        d.send(zmq::str_buffer(""), zmq::send_flags::sndmore);
        d.send(zmq::str_buffer("set"), zmq::send_flags::sndmore);
        d.send(zmq::buffer(arg), zmq::send_flags::none);
        zmq::message_t r;
        while (d.recv(r, zmq::recv_flags::dontwait))
            if (!r.more()) ++replies;
    }
    return replies;
}

// The ceiling of any control socket that answers each request, as om-pub's does: a DEALER
// in its own context sends n pipelined requests in om-pub's frames (REQ envelope, VERB,
// ARG) and drains the replies; a ROUTER answers each with "ok" and does nothing else.
// Returns the requests/s the ROUTER answered.
double raw_request_reply(const TempDir& dir, long n) {
    zmq::context_t ctx(1), sender_ctx(1);
    zmq::socket_t router(ctx, zmq::socket_type::router);
    // No high-water mark on the replies: a ROUTER drops what is past it, silently, and the
    // sender would wait for them for ever.
    router.set(zmq::sockopt::sndhwm, 0);
    router.bind(dir.ipc("raw-ctl"));
    std::thread sender([&] {
        zmq::socket_t d(sender_ctx, zmq::socket_type::dealer);
        d.set(zmq::sockopt::rcvhwm, 0);
        d.connect(dir.ipc("raw-ctl"));
        // Every reply taken before the DEALER closes, so that neither side has messages in
        // flight when its context ends (a smoke run once hung in zmq_ctx_term here).
        for (long got = send_set_requests(d, n); got < n;) {
            zmq::message_t r;
            if (d.recv(r) && !r.more()) ++got;
        }
    });
    zmq::message_t id, part;
    Clock::time_point t0;
    for (long k = 0; k < n; ++k) {
        (void)router.recv(id);
        if (k == 0) t0 = Clock::now();
        while (router.recv(part) && part.more()) {
        }
        router.send(id, zmq::send_flags::sndmore);
        router.send(zmq::str_buffer(""), zmq::send_flags::sndmore);
        router.send(zmq::str_buffer("ok"), zmq::send_flags::none);
    }
    const double rate = double(n - 1) / seconds_since(t0);
    sender.join();
    return rate;
}

// Sends n messages at 2,000/s with send(t0_ns) and waits for each on sub; returns the
// latencies in microseconds.
template <class Send> std::vector<double> paced_latency(zmq::socket_t& sub, long n, Send send) {
    std::vector<double> lat;
    const auto base = Clock::now();
    const auto period = std::chrono::nanoseconds(500000); // 2,000/s
    for (long k = 0; k < n; ++k) {
        std::this_thread::sleep_until(base + k * period); // paced, without burning a core
        const auto t_send =
            std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
                .count();
        send(t_send);
        zmq::message_t m;
        zmq::pollitem_t item{sub.handle(), 0, ZMQ_POLLIN, 0};
        bool probe = false; // a subscription probe still in flight: not the one sent
        while (true) {
            zmq::poll(&item, 1, std::chrono::milliseconds(100));
            if (!(item.revents & ZMQ_POLLIN)) break;
            bool first = true;
            do {
                (void)sub.recv(m);
                if (first) probe = bench::is_probe(m);
                first = false;
            } while (m.more());
            if (!probe) break;
        }
        const auto t_recv =
            std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
                .count();
        lat.push_back(double(t_recv - t_send) / 1000.0);
    }
    return lat;
}

// Latencies (us) of n messages at 2,000/s through the no-work forwarder, run in a thread;
// the DEALER and the SUB share a context, as the node and the subscriber of ombus_latency
// do. A message crosses as many of libzmq's threads as an event through the broker: what
// those hops take alone, under ombus's latency.
std::vector<double> raw_forwarder_latency(const TempDir& dir, long n, const std::string& frame) {
    NoWorkForwarder fwd(dir, "fwdl");
    zmq::context_t client_ctx(2);
    zmq::socket_t sub(client_ctx, zmq::socket_type::sub);
    sub.set(zmq::sockopt::subscribe, "");
    sub.connect(fwd.pub_ep);
    bench::await_subscriptions(fwd.pub, 1);
    zmq::socket_t d(client_ctx, zmq::socket_type::dealer);
    d.connect(fwd.in_ep);
    std::thread forwarder([&] { fwd.forward(n + 1); }); // the first opens the way, not measured
    zmq::message_t m;
    d.send(zmq::buffer(frame), zmq::send_flags::none);
    (void)sub.recv(m);
    auto lat = paced_latency(sub, n, [&](long long) { d.send(zmq::buffer(frame)); });
    forwarder.join();
    return lat;
}

// Broker CPU per one-leaf change, with `nodes` nodes of `services` services loaded.
// A broker holding `nodes` nodes of `services` services each, and the means to measure
// its main thread's CPU per one-leaf change.
struct CpuRig {
    TempDir dir;
    BrokerProc broker{dir, "[limits]\nmax_message_bytes = 16777216\n"};
    zmq::context_t ctx{1};
    std::vector<std::unique_ptr<Node>> all;

    CpuRig(int nodes, int services) {
        const auto data = node_dataset(services).dump();
        for (int i = 0; i < nodes; ++i) {
            all.push_back(std::make_unique<Node>(ctx, broker.ingest, "node" + std::to_string(i)));
            all.back()->send("full", "\"data\":" + data);
        }
        if (!eventually([&] { return broker.stats()["fulls"].get<int>() >= nodes; }, 120s))
            throw std::runtime_error("fulls not merged");
    }

    // CPU seconds of the broker's main thread for `changes` one-leaf changes.
    double cpu_for(long changes) {
        Node& n = *all[all.size() / 2];
        const double cpu0 = cpu_seconds(broker.proc->pid());
        const auto patches0 = broker.stats()["patches"].get<long>();
        for (long i = 0; i < changes; ++i) {
            ++n.gen;
            // One leaf: an instance's avail, which also moves its service's aggregate.
            n.send("delta",
                   std::string("\"ops\":[[[\"services\",\"status\",\"svc3\",\"avail\"],\"") +
                       (i % 2 ? "up" : "down") + "\"]]");
        }
        if (!eventually([&] { return broker.stats()["patches"].get<long>() >= patches0 + changes; },
                        120s))
            throw std::runtime_error("changes not merged");
        return cpu_seconds(broker.proc->pid()) - cpu0;
    }
};

// What one ombus fan-out run gave, with the broker's cost.
struct OmbusFanout {
    peers::Fanout f;
    double cpu_us = 0;      // broker main-thread CPU per event, its replay window full
    double fill_cpu_us = 0; // the same while its window fills (0 with no window to fill)
    double rss_mib = 0;
};

// n ~300-byte events from one node through a broker to `subs` SUB sockets (threads). The
// broker keeps `window` events for replay ([replay] max_events), and `window` events go
// first, each subscriber receiving them all, before what is measured: a broker is past its
// window's first fill for all but its first minutes, and the fill (the arena's first touch
// of its pages, the window's own growth) is a cost of its start, reported apart. Its pub
// socket queues without bound, as the raw denominators' do: the run measures the broker's
// rate, not its drop policy for a subscriber that falls behind.
OmbusFanout ombus_fanout(const TempDir& dir, int subs, long window, long n,
                         const std::string& name) {
    BrokerProc broker(
        dir, "[replay]\nmax_events = " + std::to_string(window) + "\n[pub]\nsndhwm = 0\n", name);
    zmq::context_t ctx(2);
    Node node(ctx, broker.ingest, "n1");
    node.send("full", "\"data\":{\"frozen\":0,\"monitor\":{\"status\":\"idle\"}}");
    std::atomic<int> ready{0}, filled{0};
    std::vector<double> rates(static_cast<std::size_t>(subs));
    std::vector<long> got(static_cast<std::size_t>(subs));
    std::vector<std::thread> threads;
    std::vector<std::atomic<bool>> seen_probe(static_cast<std::size_t>(subs));
    const long total = window + n;
    for (int i = 0; i < subs; ++i) {
        threads.emplace_back([&, i] {
            zmq::socket_t sub(ctx, zmq::socket_type::sub);
            sub.set(zmq::sockopt::rcvhwm, 0);
            sub.set(zmq::sockopt::subscribe, "event/bench/");
            sub.set(zmq::sockopt::subscribe, std::string(bench::kProbeTopic));
            sub.connect(broker.pub);
            zmq::message_t m;
            long count = 0;
            Clock::time_point t0;
            sub.set(zmq::sockopt::rcvtimeo, 2000);
            while (count < total) {
                if (!sub.recv(m)) break;
                if (bench::is_probe(m)) { // one frame per message (protocol 2)
                    if (!seen_probe[static_cast<std::size_t>(i)].exchange(true)) ++ready;
                    continue;
                }
                ++count;
                if (count == window) ++filled;
                if (count == window + 1) t0 = Clock::now(); // the first measured event
            }
            got[static_cast<std::size_t>(i)] = count;
            rates[static_cast<std::size_t>(i)] =
                count > window + 1 ? double(count - window - 1) / seconds_since(t0) : 0;
        });
    }
    if (!eventually([&] {
            node.send("event", "\"data\":{\"id\":\"probe\"}");
            return ready == subs;
        }))
        throw std::runtime_error("probe events did not reach every subscriber");
    const double cpu0 = cpu_seconds(broker.proc->pid());
    long k = 0;
    for (; k < window; ++k)
        node.send("event", load_event_tail(k));
    if (window > 0 && !eventually([&] { return filled == subs; }, 60s))
        throw std::runtime_error("the window's events did not reach every subscriber");
    const double cpu1 = cpu_seconds(broker.proc->pid());
    for (; k < total; ++k)
        node.send("event", load_event_tail(k));
    for (auto& t : threads)
        t.join();
    OmbusFanout r;
    r.cpu_us = (cpu_seconds(broker.proc->pid()) - cpu1) / double(n) * 1e6;
    r.fill_cpu_us = window > 0 ? (cpu1 - cpu0) / double(window) * 1e6 : 0;
    r.rss_mib = rss_mib(broker.proc->pid());
    double sum = 0;
    long min_got = total;
    for (std::size_t i = 0; i < rates.size(); ++i) {
        sum += rates[i];
        min_got = std::min(min_got, got[i]);
    }
    r.f = {sum / subs, double(min_got) / double(total)};
    return r;
}

// Latencies (us) of n events at 2,000/s from a node through a broker to one SUB.
std::vector<double> ombus_latency(const TempDir& dir, long n, const std::string& name) {
    BrokerProc broker(dir, "", name);
    zmq::context_t ctx(2);
    Node node(ctx, broker.ingest, "n1");
    node.send("full", "\"data\":{\"frozen\":0,\"monitor\":{\"status\":\"idle\"}}");
    zmq::socket_t sub(ctx, zmq::socket_type::sub);
    sub.set(zmq::sockopt::subscribe, "event/lat/");
    sub.set(zmq::sockopt::subscribe, std::string(bench::kProbeTopic));
    sub.connect(broker.pub);
    if (!bench::probe_until_received(sub,
                                     [&] { node.send("event", "\"data\":{\"id\":\"probe\"}"); }))
        throw std::runtime_error("probe events did not reach the subscriber");
    // The same ~300 bytes as the fan-out's events.
    const std::string pad(150, 'p');
    return paced_latency(sub, n, [&](long long t0) {
        node.send("event", "\"data\":{\"id\":\"lat\",\"t0\":" + std::to_string(t0) + ",\"pad\":\"" +
                               pad + "\"}");
    });
}

// What one run of changes from om-pub's control socket into a replica gave.
struct Changes {
    double rate = 0, received = 0, pub_cpu_us = 0, broker_cpu_us = 0, patches = 0;
};

Changes ombus_changes(const TempDir& dir, long changes, const std::string& name) {
    BrokerProc broker(dir, "", "b-" + name);
    PubProc node(dir, name, {broker.ingest}, "60s");
    om::sub::ConnectionOptions o;
    o.brokers = {{broker.pub, broker.api}};
    o.state = true;
    o.topics = {};
    om::sub::Connection replica(o);
    long applied_ops = 0;
    replica.on_message = [&](const om::sub::Message& m) {
        simdjson::dom::array ops;
        if (!m.parsed["data"].get_array().get(ops)) applied_ops += static_cast<long>(ops.size());
    };
    if (!replica.start()) throw std::runtime_error("replica did not start");
    eventually([&] {
        replica.poll(5ms);
        return replica.ticks() > 0;
    });
    zmq::context_t ctx(1);
    zmq::socket_t ctl(ctx, zmq::socket_type::dealer);
    ctl.set(zmq::sockopt::linger, 0);
    ctl.connect(node.control);
    const double pub_cpu0 = cpu_seconds(node.proc->pid());
    const double broker_cpu0 = cpu_seconds(broker.proc->pid());
    const auto t0 = Clock::now();
    std::thread sender([&] { send_set_requests(ctl, changes); });
    eventually(
        [&] {
            replica.poll(1ms);
            return applied_ops >= changes;
        },
        300s);
    Changes c;
    const double secs = seconds_since(t0);
    c.pub_cpu_us = (cpu_seconds(node.proc->pid()) - pub_cpu0) / double(changes) * 1e6;
    c.broker_cpu_us = (cpu_seconds(broker.proc->pid()) - broker_cpu0) / double(changes) * 1e6;
    sender.join();
    c.rate = double(std::min(applied_ops, changes)) / secs;
    c.received = double(std::min(applied_ops, changes)) / double(changes);
    c.patches = broker.stats()["patches"].get<double>();
    return c;
}

// The figures of several runs of one measure, reported as their median.
struct Series {
    std::vector<double> runs;
    void add(double v) { runs.push_back(v); }
    double median() const {
        auto v = runs;
        return v.empty() ? 0 : bench::percentile(v, 50);
    }
    double min() const { return runs.empty() ? 0 : *std::min_element(runs.begin(), runs.end()); }
    std::string text() const {
        std::string t;
        for (double r : runs)
            t += (t.empty() ? "" : ", ") + fmt::format("{:.4g}", r);
        return t;
    }
};

// Prints the median of `s` with its runs below it; returns report's verdict.
bool report_series(const std::string& name, const Series& s, const char* unit,
                   const std::string& target = "", bool ok = true) {
    const bool r = bench::report(name, s.median(), unit, target, ok);
    std::printf("    runs: %s\n", s.text().c_str());
    return r;
}

// The targets of docs/performance.md, each against its denominator, all measured in each of
// `rounds` interleaved rounds (so that the noise of a shared machine falls on all alike),
// reported as medians.
void targets(const TempDir& dir, bool smoke) {
    const int rounds = smoke ? 1 : 3;
    const long n = smoke ? 20000 : 200000, n_lat = smoke ? 1000 : 10000;
    const long n_changes = smoke ? 20000 : 300000;
    // The broker's replay window in the fan-out runs, filled before they are measured.
    const long window = smoke ? 20000 : 100000;
    const std::size_t payload = 300;
    const auto nats_why = peers::nats_missing(), redis_why = peers::redis_missing();
    std::unique_ptr<peers::Server> nats, redis;
    if (nats_why.empty()) nats = peers::start_nats(dir);
    if (redis_why.empty()) redis = peers::start_redis(dir);
    const std::string frame = broker_frame(payload);
    Series nats1, nats4, redis1, fwd, fwd_cpu, om1, om4, om1_cpu, om4_cpu, nats_p50, nats_p99,
        om_p50, om_p99, raw_ctl, changes, changes_cpu, om1_fill, fwd_p50, fwd_p99;
    double worst_received = 1;
    const auto take = [&](Series& s, const peers::Fanout& f) {
        s.add(f.rate);
        worst_received = std::min(worst_received, f.received);
    };
    for (int r = 0; r < rounds; ++r) {
        const auto tag = std::to_string(r);
        if (nats) take(nats1, peers::nats_fanout(*nats, 1, n, payload));
        if (redis) take(redis1, peers::redis_fanout(*redis, 1, n, payload));
        double fwd_us = 0;
        fwd.add(raw_forwarder(dir, n, frame, &fwd_us));
        fwd_cpu.add(fwd_us);
        const auto o1 = ombus_fanout(dir, 1, window, n, "t1-" + tag);
        take(om1, o1.f);
        om1_cpu.add(o1.cpu_us);
        om1_fill.add(o1.fill_cpu_us);
        if (nats) take(nats4, peers::nats_fanout(*nats, 4, n / 2, payload));
        const auto o4 = ombus_fanout(dir, 4, window, n / 2, "t4-" + tag);
        take(om4, o4.f);
        om4_cpu.add(o4.cpu_us);
        if (nats) {
            auto l = peers::nats_latency(*nats, n_lat, payload);
            worst_received = std::min(worst_received, double(l.size()) / double(n_lat));
            nats_p50.add(bench::percentile(l, 50));
            nats_p99.add(bench::percentile(l, 99));
        }
        auto l = ombus_latency(dir, n_lat, "tl-" + tag);
        om_p50.add(bench::percentile(l, 50));
        om_p99.add(bench::percentile(l, 99));
        auto fl = raw_forwarder_latency(dir, n_lat, frame);
        fwd_p50.add(bench::percentile(fl, 50));
        fwd_p99.add(bench::percentile(fl, 99));
        raw_ctl.add(raw_request_reply(dir, n_changes));
        const auto c = ombus_changes(dir, n_changes, "tc" + tag);
        changes.add(c.rate);
        changes_cpu.add(c.broker_cpu_us);
        worst_received = std::min(worst_received, c.received);
    }
    std::printf("targets: %d round(s), medians; %ld events of %zu B per fan-out run (%ld with 4 "
                "subscribers), after the %ld that fill the broker's replay window\n",
                rounds, n, payload, n / 2, window);
    if (!nats) std::printf("NATS core: skipped, %s\n", nats_why.c_str());
    if (!redis) std::printf("Redis pub/sub: skipped, %s\n", redis_why.c_str());
    if (nats) report_series("NATS core, 1 subscriber", nats1, "msg/s");
    if (redis) report_series("Redis pub/sub, 1 subscriber", redis1, "msg/s");
    report_series("raw forwarder in the broker's frame (no work), 1 subscriber", fwd, "msg/s");
    report_series("ombus events, 1 subscriber", om1, "event/s");
    if (redis)
        bench::report("  ratio to Redis pub/sub", om1.median() / redis1.median(), "x", ">= 1.0",
                      om1.median() >= redis1.median());
    if (nats)
        bench::report("  ratio to NATS core", om1.median() / nats1.median(), "x", ">= 0.7",
                      om1.median() >= 0.7 * nats1.median());
    bench::report("  ratio to the raw forwarder", om1.median() / fwd.median(), "x", ">= 0.9",
                  om1.median() >= 0.9 * fwd.median());
    report_series("  broker main-thread CPU per event", om1_cpu, "us", "<= 1.0",
                  om1_cpu.median() <= 1.0);
    report_series("  the same, its window filling (" + std::to_string(window) + " events)",
                  om1_fill, "us");
    report_series("  the raw forwarder's CPU per message (libzmq's floor)", fwd_cpu, "us");
    if (nats) report_series("NATS core, 4 subscribers (each)", nats4, "msg/s");
    report_series("ombus events, 4 subscribers (each)", om4, "event/s");
    if (nats)
        bench::report("  ratio to NATS core, 4 subscribers", om4.median() / nats4.median(), "x",
                      ">= 1.0", om4.median() >= nats4.median());
    report_series("  broker main-thread CPU per event, 4 subscribers", om4_cpu, "us");
    if (nats) {
        report_series("NATS core latency at 2,000 msg/s (send asap), p50", nats_p50, "us");
        report_series("NATS core latency at 2,000 msg/s (send asap), p99", nats_p99, "us");
    }
    report_series("ombus event latency at 2,000 events/s, p50", om_p50, "us",
                  nats ? "<= NATS p50" : "", !nats || om_p50.median() <= nats_p50.median());
    report_series("ombus event latency at 2,000 events/s, p99", om_p99, "us",
                  nats ? "<= NATS p99" : "", !nats || om_p99.median() <= nats_p99.median());
    report_series("raw forwarder latency at 2,000 msg/s (no work), p50", fwd_p50, "us");
    report_series("raw forwarder latency at 2,000 msg/s (no work), p99", fwd_p99, "us");
    bench::report("  ombus p50 against the forwarder's", om_p50.median() / fwd_p50.median(), "x");
    report_series("raw request/reply in om-pub's frames (no work)", raw_ctl, "req/s");
    report_series("ombus changes/s control socket -> broker -> replica", changes, "change/s");
    bench::report("  ratio to raw request/reply", changes.median() / raw_ctl.median(), "x",
                  ">= 0.9", changes.median() >= 0.9 * raw_ctl.median());
    report_series("  broker main-thread CPU per change", changes_cpu, "us", "<= 1.5",
                  changes_cpu.median() <= 1.5);
    bench::report("received of sent, worst line", worst_received, "fraction", "= 1.000",
                  worst_received >= 1.0);
}

} // namespace

int main(int argc, char** argv) {
    const bool smoke = bench::smoke_mode(argc, argv);
    const auto only =
        bench::only_section(argc, argv, {"raw", "targets", "changes", "events", "latency", "cpu"});
    const auto wanted = [&](const char* section) { return only.empty() || only == section; };
    std::printf("bench_pipeline (%s)\n", smoke ? "smoke" : "full");
    TempDir dir;
    const long n_raw = smoke ? 20000 : 300000;

    // --- raw libzmq denominators -----------------------------------------------------
    // One 300-byte frame; and the same bytes framed as the broker publishes an event: one
    // frame TOPIC\nMETA\nBODY (protocol 2, wire.hpp). Protocol 1's three frames and a
    // two-frame layout are measured too: the measurement that chose protocol 2's one frame
    // (docs/performance.md).
    const std::vector<std::string> one{std::string(300, 'x')};
    const std::vector<std::string> three{"event/bench/", kMeta, std::string(300, 'x')};
    const std::vector<std::string> two{three[0] + "\n" + kMeta, three[2]};
    const std::vector<std::string> wire1{broker_frame(300)};
    if (wanted("raw")) {
        bench::report("raw libzmq PUB->SUB 300 B, 1 subscriber", raw_pub_sub(dir, 1, n_raw, one),
                      "msg/s");
        bench::report("raw libzmq PUB->SUB 300 B, 4 subscribers (each)",
                      raw_pub_sub(dir, 4, n_raw / 2, one), "msg/s");
        bench::report("raw PUB->SUB, the broker's frame (protocol 2), 1 subscriber",
                      raw_pub_sub(dir, 1, n_raw, wire1), "msg/s");
        bench::report("raw PUB->SUB, the broker's frame (protocol 2), 4 subs (each)",
                      raw_pub_sub(dir, 4, n_raw / 2, wire1), "msg/s");
        bench::report("raw PUB->SUB, TOPIC\\nMETA | BODY (2 frames), 1 subscriber",
                      raw_pub_sub(dir, 1, n_raw, two), "msg/s");
        bench::report("raw PUB->SUB, TOPIC | META | BODY (protocol 1), 1 subscriber",
                      raw_pub_sub(dir, 1, n_raw, three), "msg/s");
    }

    // --- the targets, against NATS, Redis and libzmq, in interleaved rounds -----------
    if (wanted("targets")) targets(dir, smoke);

    // --- one section alone, for a profiler --------------------------------------------
    if (only == "events")
        for (int subs : {1, 4}) {
            const long window = smoke ? 20000 : 100000;
            const auto r =
                ombus_fanout(dir, subs, window, smoke ? 20000 : 200000, "e" + std::to_string(subs));
            bench::report("ombus events, " + std::to_string(subs) + " subscriber(s) (each)",
                          r.f.rate, "event/s");
            bench::report("  broker main-thread CPU per event", r.cpu_us, "us");
            bench::report("  the same while its replay window fills", r.fill_cpu_us, "us");
            bench::report("  received of sent", r.f.received, "fraction");
            bench::report("  broker resident memory (replay window " + std::to_string(window) +
                              " events)",
                          r.rss_mib, "MiB");
        }
    if (only == "changes") {
        const auto c = ombus_changes(dir, smoke ? 20000 : 300000, "n1");
        bench::report("changes/s control socket -> broker -> replica", c.rate, "change/s");
        bench::report("  om-pub main-thread CPU per change", c.pub_cpu_us, "us");
        bench::report("  broker main-thread CPU per change", c.broker_cpu_us, "us");
        bench::report("  patches carrying them (coalesced)", c.patches, "patches");
    }
    if (only == "latency") {
        auto l = ombus_latency(dir, smoke ? 1000 : 10000, "lat");
        bench::report("event latency at 2,000 events/s, p50", bench::percentile(l, 50), "us");
        bench::report("event latency at 2,000 events/s, p99", bench::percentile(l, 99), "us");
        auto f = raw_forwarder_latency(dir, smoke ? 1000 : 10000, broker_frame(300));
        bench::report("raw forwarder latency at 2,000 msg/s, p50", bench::percentile(f, 50), "us");
        bench::report("raw forwarder latency at 2,000 msg/s, p99", bench::percentile(f, 99), "us");
    }

    // --- broker CPU per change, small and large cluster -------------------------------
    if (wanted("cpu")) {
        // Both clusters stay up and take turns, batch by batch: the noise of this shared
        // machine falls on both alike.
        const long changes = smoke ? 20000 : 100000;
        const int rounds = 5;
        CpuRig small_rig(10, 50), large_rig(smoke ? 200 : 1000, 50);
        double small_cpu = 0, large_cpu = 0;
        for (int r = 0; r < rounds; ++r) {
            small_cpu += small_rig.cpu_for(changes / rounds);
            large_cpu += large_rig.cpu_for(changes / rounds);
        }
        const double small = small_cpu / double(changes), large = large_cpu / double(changes);
        bench::report("broker CPU per change, 10 nodes x 50 services", small * 1e6, "us");
        bench::report(std::string("broker CPU per change, ") + (smoke ? "200" : "1000") +
                          " nodes x 50 services",
                      large * 1e6, "us");
        bench::report("  ratio large / small", large / small, "x", "<= 1.3", large / small <= 1.3);
        bench::report("broker resident memory, 10 nodes x 50 services",
                      rss_mib(small_rig.broker.proc->pid()), "MiB");
        bench::report(std::string("broker resident memory, ") + (smoke ? "200" : "1000") +
                          " nodes x 50 services",
                      rss_mib(large_rig.broker.proc->pid()), "MiB");
    }
    return 0;
}
