// Benchmark of the subscribers:
//   - `om-sub wait` on target, from process start to exit, median and p99 over 100 runs
//     against a real broker and node;
//   - `om-sub events --format json` lines/s into /dev/null, fed by a stand-in broker that
//     speaks the protocol (so the subscriber, not the broker, is what is measured);
//   - replica apply rate (patches of one leaf applied under the seam rule, in process),
//     without and with the lookup of the values they replace (events' human format);
//   - broker kill -9 and restart: time until a subscriber's replica holds every node again,
//     with the production intervals (broker tick 1 s, node heartbeat 5 s).
//   build/tests/bench/bench_sub [--smoke]
#include "bench_util.hpp"
#include "connection.hpp"
#include "harness.hpp"
#include "replica.hpp"

#include <algorithm>
#include <csignal>
#include <thread>
#include <zmq.hpp>

using namespace it;
using bench::Clock;

int main(int argc, char** argv) {
    const bool smoke = bench::smoke_mode(argc, argv);
    std::printf("bench_sub (%s)\n", smoke ? "smoke" : "full");
    TempDir dir;

    // --- wait on target ---------------------------------------------------------------
    {
        BrokerProc broker(dir);
        PubProc node(dir, "n1", {broker.ingest}, "60s");
        std::vector<std::string> argv_wait{
            sub_bin(),    "wait",  "--config", "/dev/null", "--pub",
            broker.pub,   "--api", broker.api, "--filter",  "monitor.nodes.n1.frozen=0",
            "--duration", "5s"};
        std::vector<double> ms;
        const int runs = smoke ? 20 : 100;
        const auto log = dir.file("wait.log");
        for (int i = 0; i < runs; ++i) {
            // From spawn to reaping, nothing else in between (the reap wakes on a pidfd).
            const auto t0 = Clock::now();
            Process wait(argv_wait, log);
            const auto code = wait.wait(10s);
            ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
            if (code != 0) throw std::runtime_error("wait failed: " + read_file(log));
        }
        const double p50 = bench::percentile(ms, 50), p99 = bench::percentile(ms, 99);
        bench::report("om-sub wait on target, start to exit, median", p50, "ms", "< 10 ms",
                      p50 < 10);
        bench::report("om-sub wait on target, start to exit, p99 (" + std::to_string(runs) +
                          " runs)",
                      p99, "ms");
    }

    // --- events --format json lines/s ------------------------------------------------
    {
        // A stand-in broker: REP answering ping, PUB sending numbered events.
        zmq::context_t ctx(1);
        auto pub = bench::xpub(ctx);
        zmq::socket_t api(ctx, zmq::socket_type::rep);
        const auto pub_ep = dir.ipc("fake-pub"), api_ep = dir.ipc("fake-api");
        pub.bind(pub_ep);
        api.bind(api_ep);
        const long n = smoke ? 50000 : 500000;
        const auto out = dir.file("events.null");
        Process sub({sub_bin(), "events", "--config", "/dev/null", "--pub", pub_ep, "--api", api_ep,
                     "--format", "json", "--count", std::to_string(n)},
                    "/dev/null");
        // Answer the subscriber's ping (and anything else) at epoch 1, nothing published yet.
        std::thread api_thread([&] {
            zmq::pollitem_t item{api.handle(), 0, ZMQ_POLLIN, 0};
            for (int i = 0; i < 50; ++i) {
                zmq::poll(&item, 1, std::chrono::milliseconds(100));
                if (!(item.revents & ZMQ_POLLIN)) continue;
                zmq::message_t m;
                (void)api.recv(m);
                api.send(
                    zmq::str_buffer(
                        R"({"status":"ok","protocol":2,"epoch":1,"seq":0,"pseq":0,"eseq":0,"count":0})"),
                    zmq::send_flags::none);
                break;
            }
        });
        api_thread.join();
        bench::await_subscriptions(pub, 1, "event/bench/");
        const std::string body =
            R"({"nodename":"n1","ts":1795830573.091956,"kind":"event","data":{"id":"bench","reason":"load","monitor":{"status":"idle","status_updated":1795830572.58},"pad":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}})";
        const auto t0 = Clock::now();
        std::string frame;
        for (long k = 1; k <= n; ++k) {
            // event/bench/ \n META \n BODY, one frame (protocol 2)
            frame = "event/bench/\n"
                    R"({"epoch":1,"seq":)" +
                    std::to_string(k) + R"(,"kseq":)" + std::to_string(k) + R"(,"tseq":)" +
                    std::to_string(k) + "}\n" + body;
            pub.send(zmq::buffer(frame), zmq::send_flags::none);
        }
        const auto code = sub.wait(120s);
        const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
        const double rate = double(n) / secs;
        bench::report("om-sub events --format json lines/s into /dev/null (" +
                          std::to_string(body.size()) + " B)",
                      rate, "line/s", ">= 200000", code && *code == 0 && rate >= 200000);
    }

    // --- replica apply rate, without and with the old values (om-sub events' human format)
    {
        json doc;
        for (int i = 0; i < 100; ++i)
            doc["monitor"]["nodes"]["n" + std::to_string(i)] = {
                {"frozen", 0}, {"services", {{"status", {{"ha1", {{"avail", "up"}}}}}}}};
        const long n = smoke ? 50000 : 500000;
        std::vector<std::string> bodies;
        for (long k = 1; k <= 1000; ++k)
            bodies.push_back(
                R"({"nodename":"n5","kind":"patch","id":0,"ts":1.0,"data":[[["monitor","nodes","n5","services","status","ha1","avail"],")" +
                std::string(k % 2 ? "down" : "up") + "\"]]}");
        om::JsonParser parser;
        // Patches per second applied to a replica of `doc`, telling the replaced values or not.
        auto rate = [&](bool with_old) {
            om::sub::Replica replica;
            replica.reset(1, 0, doc);
            om::sub::OldValues old;
            const auto t0 = Clock::now();
            for (long k = 1; k <= n; ++k) {
                auto e = parser.parse(bodies[static_cast<std::size_t>(k % 1000)]);
                if (replica.apply(static_cast<std::uint64_t>(k), e, with_old ? &old : nullptr) !=
                    om::sub::Replica::Result::Applied)
                    throw std::runtime_error("apply failed");
            }
            return double(n) / std::chrono::duration<double>(Clock::now() - t0).count();
        };
        // Interleaved, so that both see the same machine.
        std::vector<double> plain, with_old;
        for (int round = 0; round < 3; ++round) {
            plain.push_back(rate(false));
            with_old.push_back(rate(true));
        }
        std::sort(plain.begin(), plain.end());
        std::sort(with_old.begin(), with_old.end());
        bench::report("replica apply (parse + seam check + one-leaf apply), median of 3", plain[1],
                      "patch/s");
        bench::report("the same, telling the replaced value (events --format human), median of 3",
                      with_old[1], "patch/s");
        bench::report("cost of the old-value lookup per one-leaf patch",
                      (1e9 / with_old[1] - 1e9 / plain[1]), "ns");
    }

    // --- broker kill -9 and restart: the subscriber consistent again -----------------
    {
        BrokerProc broker(dir, "[pub]\ntick = \"1s\"\n", "b-restart");
        std::vector<std::unique_ptr<PubProc>> nodes;
        for (const char* name : {"n1", "n2", "n3"}) {
            nodes.push_back(std::make_unique<PubProc>(
                dir, name, std::vector<std::string>{broker.ingest}, "5s"));
            if (nodes.back()->cli({"set", "app.version=1"}).code != 0)
                throw std::runtime_error("om-pub set failed");
        }
        om::sub::ConnectionOptions o;
        o.brokers = {{broker.pub, broker.api}};
        o.state = true;
        om::sub::Connection replica(o);
        if (!replica.start()) throw std::runtime_error("replica did not start");
        const auto complete = [&] {
            if (!replica.synced()) return false;
            const auto& nodes_doc = replica.replica().doc()["monitor"]["nodes"];
            for (const char* name : {"n1", "n2", "n3"})
                if (!nodes_doc.contains(name) || !nodes_doc[name].contains("app")) return false;
            return true;
        };
        if (!eventually([&] {
                replica.poll(5ms);
                return complete();
            }))
            throw std::runtime_error("replica incomplete before the restart");
        std::vector<double> ms;
        for (int run = 0; run < (smoke ? 1 : 5); ++run) {
            const auto epoch = replica.epoch();
            const auto t0 = Clock::now();
            broker.proc->signal(SIGKILL);
            broker.proc->wait(5s);
            broker.start(); // same endpoints, empty state, new epoch
            if (!eventually(
                    [&] {
                        replica.poll(5ms);
                        return replica.epoch() != epoch && complete();
                    },
                    30s))
                throw std::runtime_error("replica not consistent after the restart");
            ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
        }
        bench::report("broker kill -9 + restart -> replica has all 3 nodes again, median",
                      bench::percentile(ms, 50), "ms", "< 10000 ms (2 node heartbeats)",
                      bench::percentile(ms, 50) < 10000);
    }
    return 0;
}
