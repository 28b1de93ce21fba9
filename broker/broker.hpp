// Broker: the om-broker process. Binds the ingest (ROUTER), pub (XPUB) and api (REP)
// endpoints and runs one poll loop that merges heartbeats (Cluster), publishes (Stream),
// answers snapshot and replay requests, and checks liveness on a timer.
#pragma once

#include "auth.hpp"
#include "cluster.hpp"
#include "journal.hpp"
#include "socket_monitor.hpp"
#include "stream.hpp"
#include "zap_server.hpp"

#include <atomic>
#include <functional>
#include <memory>
#include <optional>

namespace om::broker {

class Broker : public Sink {
  public:
    explicit Broker(const BrokerConfig& config);
    ~Broker() override;

    // Loads the config file again (with the command line on top); nullopt when it does not
    // load, the reason already logged.
    using ConfigLoader = std::function<std::optional<BrokerConfig>()>;

    // Runs until stop_flag becomes true. When reload_flag is set (SIGHUP), clears it and
    // applies what `load` gives (see reload()).
    void run(const std::atomic<bool>& stop_flag, std::atomic<bool>& reload_flag,
             const ConfigLoader& load);

    // Applies a config loaded again while running: the [security] node and subscriber keys
    // take effect at once, for the connections made from now on (the ZAP handler reads
    // them); any other change is logged as taking effect at the next start.
    void reload(const BrokerConfig& fresh);

    // Sink
    void patch(const std::string& nodename, const PatchWriter& ops) override;
    void event(const std::string& nodename, const std::string& id, json data) override;
    void event_text(const std::string& nodename, std::string_view id, const std::string& data,
                    const wire::Origin& origin) override;
    void request_full(const std::string& route, const std::string& nodename,
                      const char* reason) override;

  private:
    // Publishes again the own events the journal kept from previous runs.
    void resend_journal();
    // Reads one ingest message and merges it, `now` being its turn's time; false when none
    // was queued.
    bool on_ingest(Clock::time_point now);
    void on_api();
    // Drains the subscription messages of the pub socket; true when one was a subscribe.
    bool on_subscriptions();
    // The api `stats` answer (broker_stats.cpp).
    json stats();
    // Warns, for each endpoint reachable from other hosts, when CURVE is off.
    void warn_if_exposed() const;
    // Removes the files of the ipc endpoints it bound.
    void remove_ipc_files();

    BrokerConfig config_;
    std::uint64_t epoch_;
    zmq::context_t ctx_;
    std::optional<ZapServer> auth_; // the ZAP handler, when CURVE is on
    zmq::socket_t ingest_, pub_, api_;
    PeerCount subscribers_; // connections to pub_
    Clock::time_point started_ = Clock::now();
    Stream stream_;
    Cluster cluster_;
    JsonParser parser_;
    std::optional<Journal> journal_; // the broker's own events, when [replay] journal is set
    std::uint64_t malformed_ = 0, oversized_ = 0, snapshots_ = 0, replays_ = 0;
    std::uint64_t protocol_refused_ = 0; // snapshot or replay asked in another protocol
    std::uint64_t journal_resent_ = 0, journal_failures_ = 0;
    std::vector<std::string> ipc_files_;
    zmq::message_t route_, body_, extra_; // the frames on_ingest reads, reused
    bool sent_on_ingest_ = false;         // since the loop last looked (request_full)
};

} // namespace om::broker
