// Small helpers shared by the benchmark programs: timing loops, percentiles, smoke mode,
// publishers that know when their subscribers are there.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>
#include <zmq.hpp>

namespace bench {

using Clock = std::chrono::steady_clock;

// True when the program was started with --smoke (CI): fewer iterations, same figures.
inline bool smoke_mode(int argc, char** argv) {
    for (int i = 1; i < argc; ++i)
        if (std::strcmp(argv[i], "--smoke") == 0) return true;
    return false;
}

// The value after `name` on the command line ("--only events": "events"), "" when absent.
inline std::string option_value(int argc, char** argv, const char* name) {
    for (int i = 1; i + 1 < argc; ++i)
        if (std::strcmp(argv[i], name) == 0) return argv[i + 1];
    return "";
}

// The section --only names, "" for all of them; a name not in `sections` ends the program
// with status 2, so that a typo does not measure nothing and succeed.
inline std::string only_section(int argc, char** argv, const std::vector<std::string>& sections) {
    const auto only = option_value(argc, argv, "--only");
    if (only.empty() || std::find(sections.begin(), sections.end(), only) != sections.end())
        return only;
    std::string known;
    for (const auto& s : sections)
        known += (known.empty() ? "" : "|") + s;
    std::fprintf(stderr, "--only: unknown section '%s' (expected %s)\n", only.c_str(),
                 known.c_str());
    std::exit(2);
}

// Runs fn `iterations` times per round over `rounds` rounds and returns the median time per
// call in nanoseconds: the median of rounds resists a noisy neighbour.
template <class Fn> double ns_per_call(long iterations, int rounds, Fn&& fn) {
    std::vector<double> per;
    for (int r = 0; r < rounds; ++r) {
        const auto t0 = Clock::now();
        for (long i = 0; i < iterations; ++i)
            fn(i);
        const auto t1 = Clock::now();
        per.push_back(std::chrono::duration<double, std::nano>(t1 - t0).count() /
                      double(iterations));
    }
    std::sort(per.begin(), per.end());
    return per[per.size() / 2];
}

// The p-th percentile (0..100) of samples, which it sorts.
inline double percentile(std::vector<double>& samples, double p) {
    if (samples.empty()) return 0;
    std::sort(samples.begin(), samples.end());
    const auto idx = static_cast<std::size_t>(p / 100.0 * double(samples.size() - 1) + 0.5);
    return samples[std::min(idx, samples.size() - 1)];
}

// Prints one figure as `name value unit [target]`, aligned, and returns whether it is within
// the target (always true when there is none).
inline bool report(const std::string& name, double value, const char* unit,
                   const std::string& target = "", bool ok = true) {
    std::printf("%-58s %12.3f %-8s %s%s\n", name.c_str(), value, unit, target.c_str(),
                target.empty() ? "" : (ok ? "  ok" : "  MISSED"));
    return ok;
}

// An XPUB socket that hands every subscription up, so that the publisher can wait for them.
inline zmq::socket_t xpub(zmq::context_t& ctx) {
    zmq::socket_t s(ctx, zmq::socket_type::xpub);
    s.set(zmq::sockopt::xpub_verbose, 1);
    s.set(zmq::sockopt::sndhwm, 0);
    return s;
}

// Waits until n subscriptions have reached pub (made by xpub()), counting only those that
// take `topic` when one is given: the start of a run.
inline void await_subscriptions(zmq::socket_t& pub, int n, std::string_view topic = {}) {
    zmq::message_t m;
    for (int i = 0; i < n;) {
        if (!pub.recv(m) || m.size() == 0 || m.data<char>()[0] != 1) continue;
        const std::string_view prefix(m.data<char>() + 1, m.size() - 1);
        if (topic.empty() || topic.starts_with(prefix)) ++i;
    }
}

// A broker's PUB cannot tell when a subscription arrived, so benchmarks send probe events
// (id "probe", on kProbeTopic) until their subscriber has one; measured loops skip the
// probes still in flight.
inline constexpr std::string_view kProbeTopic = "event/probe/";

// True when a message's first frame is a probe's topic.
inline bool is_probe(const zmq::message_t& topic_frame) {
    return topic_frame.to_string_view().starts_with(kProbeTopic);
}

// Calls send_probe() every 2 ms until `sub` (subscribed to kProbeTopic) receives a whole
// message, within `timeout`; false when none came.
template <class Send>
bool probe_until_received(zmq::socket_t& sub, Send send_probe,
                          std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
        send_probe();
        zmq::pollitem_t item{sub.handle(), 0, ZMQ_POLLIN, 0};
        zmq::poll(&item, 1, std::chrono::milliseconds(2));
        zmq::message_t m;
        if (!sub.recv(m, zmq::recv_flags::dontwait)) continue;
        while (m.more())
            (void)sub.recv(m); // the rest of that message
        return true;
    }
    return false;
}

} // namespace bench
