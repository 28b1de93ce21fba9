// Fuzz target: heartbeats on the broker's ingest. Each line of the input is one heartbeat
// body given to one Cluster (so that sequences of fulls, deltas, pings and events are
// explored), half of them from a connection whose CURVE key owns node n1; the clock moves
// on between lines so that liveness runs too. Property: the patches the cluster publishes,
// applied in order to a subscriber's replica, give the cluster's own document.
#include "cluster.hpp"
#include "json_parse.hpp"
#include "replica.hpp"

#include <cstdint>
#include <cstdlib>
#include <string_view>

namespace {

// Applies every published patch to a replica, as a subscriber would.
class ReplicaSink : public om::broker::Sink {
  public:
    om::sub::Replica replica;
    void patch(const std::string& nodename, const om::PatchWriter& ops) override {
        const auto body = ops.body(nodename, ++id_, 0);
        if (replica.apply(id_, parser_.parse(body)) != om::sub::Replica::Result::Applied) {
            std::fprintf(stderr, "patch %llu not applied: %s\n",
                         static_cast<unsigned long long>(id_), body.c_str());
            std::abort();
        }
    }
    void event(const std::string&, const std::string&, om::json) override {}
    // An event's data, spliced from the node's text or written again, is JSON that a
    // published frame can carry (no byte below 0x20).
    void event_text(const std::string&, std::string_view, const std::string& data,
                    const om::wire::Origin&) override {
        for (unsigned char c : data)
            if (c < 0x20) {
                std::fprintf(stderr, "event data with a control byte: %s\n", data.c_str());
                std::abort();
            }
        try {
            (void)parser_.parse(data);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "event data not JSON (%s): %s\n", e.what(), data.c_str());
            std::abort();
        }
    }
    void request_full(const std::string&, const std::string&, const char*) override {}

  private:
    std::uint64_t id_ = 0;
    om::JsonParser parser_;
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    om::BrokerConfig config;
    config.nodes = {"n1", "n2"};
    config.hb_timeout = std::chrono::milliseconds(1000);
    config.hb_grace = std::chrono::milliseconds(1000);
    config.max_ops_per_delta = 50;
    ReplicaSink sink;
    om::broker::Cluster cluster(config, sink);
    sink.replica.reset(1, 0, cluster.document());
    om::JsonParser parser;
    auto now = om::broker::Clock::now();
    std::string_view input(reinterpret_cast<const char*>(data), size);
    for (int line = 0; !input.empty(); ++line) {
        const auto end = input.find('\n');
        const auto body = input.substr(0, end);
        input = end == std::string_view::npos ? std::string_view() : input.substr(end + 1);
        try {
            auto msg = parser.parse(body);
            // With the frame's text, as the broker passes it: an event's data is spliced
            // from it (raw_member), and the replica below checks what was published.
            cluster.on_heartbeat("route-" + std::to_string(line % 3), msg, now,
                                 line % 2 ? "n1" : "", body);
        } catch (const std::exception&) {
            // The broker logs and drops a heartbeat that is not JSON (simdjson_error) or
            // lacks what its kind needs (on_ingest's message boundary); anything else
            // would stop the broker, and stops this target.
        }
        now += std::chrono::milliseconds(700);
        cluster.check_liveness(now);
    }
    if (sink.replica.doc() != cluster.document()) {
        std::fprintf(stderr, "replica %s\n!= cluster %s\n", sink.replica.doc().dump().c_str(),
                     cluster.document().dump().c_str());
        std::abort();
    }
    return 0;
}
