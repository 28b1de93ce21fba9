// What the pipeline benchmarks share: a node speaking the ingest protocol straight to a
// broker, node datasets, and a process's CPU and memory as /proc tells them.
#pragma once

#include "bench_util.hpp"

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <zmq.hpp>

namespace bench {

using json = nlohmann::json;

inline double seconds_since(Clock::time_point t0) {
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

// CPU seconds used so far by the main thread of process pid (where the broker merges),
// from /proc/PID/schedstat: nanoseconds, not the 10 ms ticks of /proc/PID/stat.
inline double cpu_seconds(int pid) {
    std::ifstream f("/proc/" + std::to_string(pid) + "/schedstat");
    unsigned long long ns = 0;
    f >> ns;
    return double(ns) / 1e9;
}

// Resident memory of process pid in MiB, from /proc/PID/status (VmRSS).
inline double rss_mib(int pid) {
    std::ifstream f("/proc/" + std::to_string(pid) + "/status");
    std::string key;
    while (f >> key) {
        if (key == "VmRSS:") {
            double kib = 0;
            f >> kib;
            return kib / 1024.0;
        }
        f.ignore(4096, '\n');
    }
    return 0;
}

// One heartbeat of node `name` at generation `gen`, as om-pub writes it; `tail` is its last
// keys ("data":..., "ops":...). Events are numbered as om-pub numbers them (`events`, the
// last number given): the broker checks each origin.
inline std::string heartbeat_text(const std::string& name, std::uint64_t gen, std::uint64_t& events,
                                  const std::string& kind, const std::string& tail) {
    const auto eid = kind == "event" ? "\"eid\":" + std::to_string(++events) + "," : "";
    return "{\"kind\":\"" + kind + "\",\"nodename\":\"" + name +
           "\",\"inc\":1,\"gen\":" + std::to_string(gen) + ",\"ts\":1.0," + eid + tail + "}";
}

// The tail of the load event of the benchmarks (bench_pipeline's fan-out, bench_lib's read
// of its data): about 300 bytes once the broker adds nodename, ts, kind and the monitor.
inline std::string load_event_tail(long k) {
    return "\"data\":{\"id\":\"bench\",\"reason\":\"load\",\"k\":" + std::to_string(k) +
           ",\"pad\":\"" + std::string(150, 'p') + "\"}";
}

// A node talking straight to the broker's ingest socket, as om-pub does (one connection
// per node: the broker binds a nodename to the connection it came from).
struct Node {
    zmq::socket_t s;
    std::string name;
    std::uint64_t gen = 1;
    std::uint64_t events = 0;
    Node(zmq::context_t& ctx, const std::string& ingest, std::string n)
        : s(ctx, zmq::socket_type::dealer), name(std::move(n)) {
        s.set(zmq::sockopt::sndhwm, 0);
        s.set(zmq::sockopt::linger, 0);
        s.connect(ingest);
    }
    void send(const std::string& kind, const std::string& tail) {
        s.send(zmq::buffer(heartbeat_text(name, gen, events, kind, tail)), zmq::send_flags::none);
    }
};

inline json node_dataset(int services) {
    json n{{"frozen", 0}, {"monitor", {{"status", "idle"}, {"status_updated", 1.5}}}};
    for (int s = 0; s < services; ++s)
        n["services"]["status"]["svc" + std::to_string(s)] = {
            {"avail", s % 2 ? "up" : "down"},
            {"overall", "up"},
            {"frozen", false},
            {"provisioned", true},
            {"topology", "failover"},
            {"monitor", {{"status", "idle"}, {"placement", ""}}}};
    return n;
}

} // namespace bench
