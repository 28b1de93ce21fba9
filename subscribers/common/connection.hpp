// Connection: what every om-sub verb shares to follow a broker.
//
// It subscribes first, then (in state mode) takes a snapshot and applies the live patches
// under the seam rule (Replica). Every message's sequence numbers go through a
// SequenceTracker: a lost patch or a new broker epoch makes it resync by itself; lost
// events are fetched from the broker's replay window (ApiClient), or reported as too old.
// The broker's ticks reveal a loss even when the stream is idle, and their absence a dead
// broker: it then moves to the next broker of the list (or retries the same one). On
// another broker run (a restart, or the next broker) it replays that run's window and
// skips the events it had already (RunDedup). Everything it notices is reported through
// on_notice, so that no loss is ever hidden.
//
// Its state is one enum; handlers only say what they need next (a Step), and take() is
// the one place where the connection changes broker, run or replica.
#pragma once

#include "api_client.hpp"
#include "config.hpp"
#include "duration.hpp"
#include "origins.hpp"
#include "reconnect_monitor.hpp"
#include "replica.hpp"
#include "run_dedup.hpp"
#include "sequence_tracker.hpp"
#include "socket_wait.hpp"

#include <functional>
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
    bool old_values = false;      // state mode: tell each patch's replaced values (Message::old)
    Millis connect_timeout{5000}; // give up when no broker answered for this long at start
    Millis silence{3500}; // no message nor tick for this long: ping the api; no answer: gone
    Millis api_timeout{2000};
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
    // A patch in state mode with options.old_values: what each of its operations replaced.
    const OldValues* old = nullptr;
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
    std::uint64_t epoch() const { return tracker_.epoch(); }
    // The broker followed now (one of options.brokers).
    const BrokerEndpoints& broker() const { return options_.brokers[current_]; }
    std::uint64_t last_event_seq() const { return tracker_.last_event(); }
    // Counters for the verbs and the tests.
    std::uint64_t resyncs() const { return resyncs_; }
    std::uint64_t lost_events() const { return lost_events_; }
    // Events skipped because they were had from another broker run.
    std::uint64_t skipped_events() const { return skipped_; }
    std::uint64_t ticks() const { return ticks_; }

  private:
    enum class State {
        starting,    // no broker answered yet: the first run says where to start
        following,   // in sequence with the broker's run (and the replica synced)
        resyncing,   // state mode: the replica is behind or broken, a snapshot is due
        unreachable, // the last connection had no answer: the next silence retries
    };
    // What a message, a tick or a silence asks of the connection, done by take().
    enum class Step {
        carry_on,
        resync,      // take a snapshot again (state mode)
        reconnect,   // connect to the same broker again (a new run, a broken subscription)
        next_broker, // connect to the next broker of the list (or the same, if alone)
    };
    struct Next {
        Step step = Step::carry_on;
        std::string why; // told to on_notice with the reconnection
    };

    // The transitions, in one place: does `next` and what it leads to.
    void take(Next next);
    // Subscribes to broker `index`, pings it, takes up its run (replay, snapshot). Sets
    // the state; returns what the replay asked for (a broker restarted meanwhile).
    Next connect(std::size_t index);
    // Waits until the new subscription is in effect at the broker (its first tick), at most
    // 250 ms; drops what arrives before.
    void await_subscription();
    // Takes up the run `at` of the broker just connected; true when its window must be
    // replayed from where the tracker stands.
    bool begin_run(const RunPosition& at, bool same_broker);
    // Installs a fresh snapshot; false when the broker gave none.
    bool snapshot();
    // Delivers the events of the replay window after the last one handled.
    Next recover_events();
    // Pings the broker: nullopt when it does not answer; else what its run asks.
    std::optional<Next> ask_broker();
    // No message nor tick for options.silence: the broker, or this subscription, is gone.
    Next on_silence();

    Next handle(std::vector<zmq::message_t>& frames);
    Next handle_tick(const wire::Tick& t);
    Next handle_replica_patch(const std::string& topic, const wire::Meta& meta,
                              std::string_view body);
    void handle_stream_patch(const std::string& topic, const wire::Meta& meta,
                             std::string_view body);
    Next handle_event(const std::string& topic, const wire::Meta& meta, std::string_view body);
    void deliver_event(const std::string& topic, const wire::Meta& meta, std::string_view body,
                       bool replayed);
    void emit(const std::string& topic, const wire::Meta& meta, std::string_view body,
              simdjson::dom::element parsed, bool is_patch, bool replayed);
    void skip(const wire::Meta& meta); // counted, and told to on_skip
    // Tells of patches lost for good: a range of ids, or a count of one `topic`.
    void report(const Loss& lost, const std::string& topic);
    void notice(const std::string& text);

    ConnectionOptions options_;
    zmq::context_t ctx_{1};
    std::optional<zmq::socket_t> sub_;
    // Tells when sub_ connected again: its broker may have restarted, and asking now
    // beats waiting for the new run's first tick.
    std::optional<ReconnectMonitor> sub_monitor_;
    // The wait on sub_, sub_monitor_ and the caller's descriptors (wait_fds_): kept across
    // polls, so that a socket is asked for its events only when that can have changed;
    // made again when the sockets or the descriptors change.
    std::optional<SocketWait> wait_;
    std::vector<int> wait_fds_;
    ApiClient api_;
    std::size_t current_ = 0;
    State state_ = State::starting;
    SequenceTracker tracker_;
    RunDedup dedup_;
    Replica replica_;
    OldValues old_values_; // of the patch being delivered, its storage reused
    JsonParser parser_;
    std::chrono::steady_clock::time_point last_heard_;
    double last_heard_ts_ = 0;     // the same, wall-clock (ts) for the broker's own events
    int silent_but_answering_ = 0; // silences in a row while the broker answered its api
    std::uint64_t resyncs_ = 0, lost_events_ = 0, ticks_ = 0, skipped_ = 0;
};

} // namespace om::sub
