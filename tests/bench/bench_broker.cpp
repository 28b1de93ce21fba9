// Benchmark of the broker's own work per message, in one process and one thread: an ingest
// frame parsed, merged (Cluster) and published (Stream) on a PUB socket that has no
// subscriber. What it measures is ombus's code, without the socket reads, libzmq's pipes
// and the kernel that bench_pipeline's figures hold; the broker's CPU per event there is
// this plus libzmq's floor (its no-work forwarder). Steady state: the replay window is full
// before the events are measured, as in bench_pipeline.
//   build/tests/bench/bench_broker [--smoke]
#include "bench_util.hpp"
#include "cluster.hpp"
#include "json_parse.hpp"
#include "rig.hpp"
#include "stream.hpp"

#include <cstdio>

using namespace om;
using namespace om::broker;

namespace {

// What Broker does with what the Cluster hands it, without the journal: the stream.
struct StreamSink : Sink {
    Stream& stream;
    explicit StreamSink(Stream& s) : stream(s) {}
    void patch(const std::string& nodename, const PatchWriter& ops) override {
        stream.publish_patch(nodename, ops);
    }
    void event(const std::string& nodename, const std::string& id, json data) override {
        wire::Origin made;
        stream.publish_event(nodename, id, data.dump(), made);
    }
    void event_text(const std::string& nodename, std::string_view id, const std::string& data,
                    const wire::Origin& origin) override {
        stream.publish_event(nodename, id, data, origin);
    }
    void request_full(const std::string&, const std::string&, const char*) override {}
};

struct Rig {
    zmq::context_t ctx{1};
    zmq::socket_t pub{ctx, zmq::socket_type::xpub};
    BrokerConfig config;
    Stream stream;
    StreamSink sink{stream};
    Cluster cluster;
    JsonParser parser;
    const std::string route = "route-1";
    std::uint64_t gen = 1, events = 0;

    explicit Rig(std::size_t window)
        : stream(pub, 1, window, std::chrono::hours(1)), cluster(config, sink) {
        pub.bind("inproc://bench-broker");
        feed(bench::heartbeat_text("n1", gen, events, "full",
                                   "\"data\":{\"frozen\":0,\"monitor\":{\"status\":\"idle\"}}"));
    }
    // One ingest frame, as Broker::on_ingest hands it on. The clock is read once per 256
    // frames, as the broker reads it once per turn of at most 256 under load.
    void feed(const std::string& frame) {
        if (fed++ % 256 == 0) {
            now = Clock::now();
            stream.at(now);
        }
        cluster.on_heartbeat(route, parser.parse(frame), now, "", frame);
    }
    std::uint64_t fed = 0;
    Clock::time_point now;
};

// A heartbeat whose numbers are written in place, right-aligned in fixed fields padded
// with spaces (JSON allows them before a value): the next frame costs no allocation, so
// that a profile of this program is the broker's work.
class NumberedFrame {
  public:
    // `text` holds each of `fields` once (a marker such as "@eid"); each becomes a 20-byte
    // field.
    NumberedFrame(std::string text, const std::vector<std::string>& fields) {
        for (const auto& f : fields) {
            const auto at = text.find(f);
            text.replace(at, f.size(), std::string(20, ' '));
            at_.push_back(at);
        }
        text_ = std::move(text);
    }
    // The frame with field i set to values[i].
    const std::string& with(std::initializer_list<std::uint64_t> values) {
        std::size_t i = 0;
        for (auto v : values) {
            char* end = text_.data() + at_[i++] + 20;
            char* p = end;
            do {
                *--p = static_cast<char>('0' + v % 10);
                v /= 10;
            } while (v != 0);
        }
        return text_;
    }

  private:
    std::string text_;
    std::vector<std::size_t> at_;
};

} // namespace

int main(int argc, char** argv) {
    const bool smoke = bench::smoke_mode(argc, argv);
    const auto only = bench::only_section(argc, argv, {"event", "ping", "delta"});
    const auto wanted = [&](const char* section) { return only.empty() || only == section; };
    const long window = smoke ? 20000 : 100000;
    const long n = smoke ? 20000 : 300000;
    const int rounds = smoke ? 3 : 7;
    std::printf("bench_broker (%s)\n", smoke ? "smoke" : "full");

    Rig rig(static_cast<std::size_t>(window));
    std::uint64_t none = 0; // heartbeat_text numbers events: a ping has none
    if (wanted("event")) {
        // bench_pipeline's load event (rig.hpp), numbered as om-pub numbers them.
        NumberedFrame event(R"({"kind":"event","nodename":"n1","inc":1,"gen":1,"ts":1.0,)"
                            R"("eid":@eid,"data":{"id":"bench","reason":"load","k":@k,"pad":")" +
                                std::string(150, 'p') + "\"}}",
                            {"@eid", "@k"});
        std::uint64_t eid = 0;
        for (long k = 0; k < window; ++k) { // the window's fill, not measured
            ++eid;
            rig.feed(event.with({eid, eid}));
        }
        const double ns = bench::ns_per_call(n / rounds, rounds, [&](long) {
            ++eid;
            rig.feed(event.with({eid, eid}));
        });
        bench::report("an event: parsed, snapshots spliced, framed, kept (" +
                          std::to_string(event.with({eid, eid}).size()) + "-byte frame)",
                      ns / 1000, "us");
    }
    if (wanted("ping")) {
        // The node's heartbeats.<node>.last, a patch.
        const auto ping = bench::heartbeat_text("n1", rig.gen, none, "ping", "\"x\":0");
        const double ns = bench::ns_per_call(n / rounds, rounds, [&](long) { rig.feed(ping); });
        bench::report("a ping: parsed, merged, its patch framed", ns / 1000, "us");
    }
    if (wanted("delta")) {
        // A one-leaf change, as om-pub sends it.
        NumberedFrame delta(R"({"kind":"delta","nodename":"n1","inc":1,"gen":@gen,"ts":1.0,)"
                            R"("ops":[[["monitor","status"],@v]]})",
                            {"@gen", "@v"});
        const double ns = bench::ns_per_call(n / rounds, rounds, [&](long) {
            ++rig.gen;
            rig.feed(delta.with({rig.gen, rig.gen % 7}));
        });
        bench::report("a one-leaf delta: parsed, applied, its patch framed", ns / 1000, "us");
        if (rig.cluster.stats().gaps + rig.cluster.stats().unknown != 0) {
            std::printf("the deltas did not apply in order\n");
            return 1;
        }
    }
    return 0; // figures are reported, not asserted: shared machines are noisy
}
