// Connection: what every om-sub verb shares to follow a broker.
//
// It subscribes first, then (in state mode) takes a snapshot and applies the live patches
// under the seam rule (Replica). It checks every message's sequence numbers: a lost patch
// or a new broker epoch makes it resync by itself; lost events are fetched from the
// broker's replay window, or reported as too old. The broker's ticks reveal a loss even
// when the stream is idle, and their absence a dead broker: it then moves to the next
// broker of the list (or retries the same one). On another broker run (a restart, or the
// next broker) it replays that run's window and skips the events it had already: a node's
// by their origin (Origins), the broker's own by time. Everything it notices is reported
// through on_notice, so that no loss is ever hidden.
#pragma once

#include "config.hpp"
#include "duration.hpp"
#include "origins.hpp"
#include "reconnect_monitor.hpp"
#include "replica.hpp"

#include <functional>
#include <map>
#include <optional>
#include <zmq.hpp>

namespace om::sub {

struct BrokerEndpoints {
    std::string pub, api;
};

// Where a subscriber that persists what it handled (the hook runner) starts again.
struct Resume {
    std::uint64_t epoch = 0; // the broker run of `eseq`; 0 means the broker's current run
    std::uint64_t eseq = 0;  // the events of that run up to this one were handled
    Origins had;             // the node events handled, recognized on any broker
    double ts = 0;    // on another broker run, its own events up to this time count as handled
    double since = 0; // events emitted before this time are not for this subscriber (0: all)
};

struct ConnectionOptions {
    std::vector<BrokerEndpoints> brokers;
    // Topic prefixes: "" (all), "patch/", "event/", or whole topics ("event/hb_stale/").
    std::vector<std::string> topics{""};
    bool state = false;           // keep a replica (subscribes to "patch/" too)
    Millis connect_timeout{5000}; // give up when no broker answered for this long at start
    Millis silence{3500}; // no message nor tick for this long: ping the api; no answer: gone
    Millis api_timeout{2000};
    int rcvhwm = 0; // messages queued by the SUB socket before it drops (0: no limit)
    // Replay the events not handled yet at start, if set (hooks' cursor).
    std::optional<Resume> resume;
    ClientCurve curve; // CURVE keys for the pub and api sockets, when enabled
};

// A message delivered to the verb. For a patch, the replica already includes it.
struct Message {
    std::string topic;
    wire::Meta meta;
    std::string body;
    simdjson::dom::element parsed; // valid during the callback only
    bool is_patch = false;
    bool replayed = false; // delivered from the replay window, not live
};

class Connection {
  public:
    explicit Connection(ConnectionOptions options);

    std::function<void(const Message&)> on_message;
    // An event not delivered because it was had already (from another broker run) or
    // predates this subscriber: for a consumer that must know its sequence was passed.
    std::function<void(const wire::Meta&)> on_skip;
    std::function<void(const std::string&)> on_notice;
    std::function<void()> on_synced; // a snapshot was installed (state mode)

    // Connects to the first broker that answers, within connect_timeout overall. Returns
    // false when none did.
    bool start();

    // Waits up to `timeout` for messages and handles those ready; returns after the first
    // batch handled, or when one of `wake_fds` becomes readable.
    void poll(Millis timeout, const std::vector<int>& wake_fds = {});

    const Replica& replica() const { return replica_; }
    bool synced() const { return !options_.state || replica_.synced(); }
    std::uint64_t epoch() const { return epoch_; }
    // The broker followed now (one of options.brokers).
    const BrokerEndpoints& broker() const { return options_.brokers[current_]; }
    std::uint64_t last_event_seq() const { return last_eseq_; }
    // Counters for the verbs and the tests.
    std::uint64_t resyncs() const { return resyncs_; }
    std::uint64_t lost_events() const { return lost_events_; }
    // Events skipped because they were had from another broker run.
    std::uint64_t skipped_events() const { return skipped_; }
    std::uint64_t ticks() const { return ticks_; }

  private:
    bool connect(std::size_t index);
    // Waits until the new subscription is in effect at the broker (its first tick), at most
    // 250 ms; drops what arrives before.
    void await_subscription();
    std::optional<std::vector<std::string>> api_call(const json& request);
    bool snapshot();
    void handle(std::vector<zmq::message_t>& frames);
    void skip(const wire::Meta& meta); // counted, and told to on_skip
    void handle_tick(const wire::Tick& t);
    // Without a replica: the patches before `next` have passed; those not had since
    // last_pseq_ are reported lost.
    void pass_patches_before(std::uint64_t next);
    void new_epoch(std::uint64_t epoch);
    void recover_events();
    void deliver_event(const std::string& topic, const wire::Meta& meta, std::string body,
                       bool replayed);
    const std::string* matching_prefix(const std::string& topic) const;
    // Reconnects, to the next broker of the list unless same_broker.
    // The api's answer to a ping ({"status":"ok","epoch",...}); nullopt on no or bad answer.
    std::optional<json> ping();
    // A fresh REQ socket to the current broker's api.
    void open_api();
    void failover(const std::string& why, bool same_broker = false);
    // After a silence: true when the broker still answers a ping in the same run (kept, or
    // resubscribed after a second silence); when it answers from a new run, resyncs with it.
    bool still_answers();
    // Pings the current broker: gone (no answer), the same run (last heard now), or a new
    // run, with which it resyncs at once (failover to the same broker).
    enum class Run { gone, same, new_run };
    Run ask_broker();
    void notice(const std::string& text);

    ConnectionOptions options_;
    zmq::context_t ctx_{1};
    std::optional<zmq::socket_t> sub_, api_;
    // Tells when sub_ connected again: its broker may have restarted, and asking now
    // beats waiting for the new run's first tick.
    std::optional<ReconnectMonitor> sub_monitor_;
    std::size_t current_ = 0;
    Replica replica_;
    JsonParser parser_;
    std::uint64_t epoch_ = 0;
    bool first_ = true;           // no broker answered yet
    std::uint64_t last_eseq_ = 0; // event sequence of the last event delivered
    std::uint64_t last_pseq_ = 0; // patch sequence seen, without a replica
    std::map<std::string, std::uint64_t> last_topic_seq_; // per whole-topic subscription
    std::chrono::steady_clock::time_point last_heard_;
    double last_heard_ts_ = 0; // the same, wall-clock (ts) for the broker's own events
    Origins had_;              // node events delivered (or handled before a restart)
    // Replaying the window of another broker run: its own events up to own_before_ were
    // seen from the previous run (each broker reports liveness, a node event comes once
    // from each broker it sends to).
    bool switched_ = false;
    double own_before_ = 0;
    // Events emitted before this time predate the subscriber: a node's event sent again
    // to a restarted broker, or the window of another run, may hold such (0: none).
    double floor_ts_ = 0;
    int silent_but_answering_ = 0; // silences in a row while the broker answered its api
    std::uint64_t resyncs_ = 0, lost_events_ = 0, ticks_ = 0, skipped_ = 0;
};

} // namespace om::sub
