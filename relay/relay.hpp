// Relay: follows one upstream (a broker, or another relay) as a subscriber of everything
// and publishes the very same frames, numbers and all, on its own pub endpoint; answers
// ping, snapshot, replay and stats on its own api endpoint from a replica and a replay
// window kept in step with what it forwarded. A subscriber connects to a relay exactly as
// to a broker (docs/protocol.md). It numbers nothing and merges nothing: not a second
// broker.
//
// In step means: the replica is at the last patch forwarded (seam rule), the window holds
// every event forwarded of the upstream's run. A loss upstream (a gap, another epoch, a
// tick ahead) is repaired from the upstream's api before the message that showed it is
// forwarded, so that a subscriber that sees the same loss and asks the relay finds it
// repaired. An upstream gone silent (no message for `silence`, no answer to a ping) makes
// the relay silent too: it answers its api with an error and publishes nothing, as a
// broker that went down, so that its subscribers fail over to their next endpoint.
#pragma once

#include "api_client.hpp"
#include "config.hpp"
#include "json_parse.hpp"
#include "replay_window.hpp"
#include "replica.hpp"
#include "zap_server.hpp"

#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <zmq.hpp>

namespace om::relay {

struct RelayStats {
    std::uint64_t forwarded = 0, resyncs = 0, gaps = 0, malformed = 0, snapshots = 0, replays = 0,
                  detached = 0;
};

class Relay {
  public:
    // Binds its endpoints and connects to the upstream; throws std::runtime_error (one line)
    // when an endpoint cannot be bound.
    explicit Relay(RelayConfig config);

    // Serves until stop is set. When reload is set, `load` gives the config file again (or
    // nullopt when it does not load, the running one kept) and reload() applies it.
    void run(const std::atomic<bool>& stop, std::atomic<bool>& reload,
             const std::function<std::optional<RelayConfig>()>& load);
    // Applies what a running relay can: the subscriber keys, while its own key stays the
    // same; logs what waits for the next start.
    void reload(const RelayConfig& fresh);

  private:
    using Clock = std::chrono::steady_clock;
    // Handles one upstream message and forwards it (unless it is not of the protocol).
    void on_upstream(zmq::message_t& msg);
    // What a message says of the relay's state: true when it is in step to forward it.
    bool follow(const wire::Parts& parts, zmq::message_t& msg);
    // Takes a snapshot and the window's missing events from the upstream api; false (and
    // detached) when it does not answer.
    bool resync(const std::string& why);
    // Fetches the upstream's events after eseq_ into the window.
    void fill_events();
    void on_api();
    void on_subscriptions();
    void on_silence();
    void publish_tick();
    void detach(const std::string& why);
    void warn_if_exposed() const;
    json position() const; // the ping answer: where the relay stands
    json stats() const;

    RelayConfig o_;
    zmq::context_t ctx_{1};
    std::optional<ZapServer> auth_; // the ZAP handler, when CURVE is on
    zmq::socket_t up_, pub_, api_;
    sub::ApiClient upstream_;
    sub::Replica replica_;
    ReplayWindow window_;
    JsonParser parser_;
    std::uint64_t epoch_ = 0, seq_ = 0, pseq_ = 0, eseq_ = 0;
    bool attached_ = false; // in step with an upstream that answers
    bool large_ = false;    // the last snapshot had kHugeTreeFrom bytes or more
    Clock::time_point last_heard_, last_tick_, started_;
    std::string detached_why_ = "not yet in step with its upstream";
    RelayStats stats_;
};

} // namespace om::relay
