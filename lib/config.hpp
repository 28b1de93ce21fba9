// Configuration files (TOML): conf/broker.toml for om-broker, conf/node.toml for om-pub and
// om-sub, conf/relay.toml for om-relay, loaded into plain structs whose member initialisers
// are the documented defaults.
#pragma once

#include "duration.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace om {

// A config error; what() is one line, `file:line: message`.
struct ConfigError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

inline constexpr const char* kDefaultIngest = "tcp://127.0.0.1:1215";
inline constexpr const char* kDefaultPub = "tcp://127.0.0.1:1216";
inline constexpr const char* kDefaultApi = "tcp://127.0.0.1:1217";

struct BrokerConfig {
    std::string name = "broker";     // nodename of the broker's own messages
    std::string cluster = "default"; // cluster.name in the status document
    std::string ingest = kDefaultIngest;
    std::string pub = kDefaultPub;
    std::string api = kDefaultApi;
    // The cluster's member nodes: listed in cluster.nodes from the start and awaited, so one
    // that never beats in this run is reported stale (broker/cluster.hpp).
    std::vector<std::string> nodes;
    Millis hb_timeout{15000}; // no heartbeat for this long: hb_stale
    Millis hb_grace{60000};   // stale for this long more: forget_peer
    std::size_t replay_max_events = 10000;
    Millis replay_max_age{600000};
    std::string replay_journal; // file of the broker's own events, published again at a
                                // restart (broker/journal.hpp); empty: none
    std::size_t max_message_bytes = 1 << 20;
    std::size_t max_nodes = 4096;
    std::size_t max_ops_per_delta = 10000;
    int pub_sndhwm = 100000;
    Millis tick{1000}; // interval of the bookmark message on the pub socket
    // [security]: CURVE on ingest, pub and api when curve_secret_key is set (Z85 text).
    std::string curve_secret_key;
    std::map<std::string, std::string> curve_nodes; // node public key -> its nodename
    std::vector<std::string> curve_subscribers;     // public keys that may read pub and api

    bool operator==(const BrokerConfig&) const = default;
};

inline constexpr const char* kDefaultRelayPub = "tcp://127.0.0.1:1226";
inline constexpr const char* kDefaultRelayApi = "tcp://127.0.0.1:1227";

// conf/relay.toml, for om-relay (relay/relay.hpp says what a relay does).
struct RelayConfig {
    std::string name = "relay"; // in its stats and its api's errors
    std::string pub = kDefaultRelayPub;
    std::string api = kDefaultRelayApi;
    std::string upstream_pub = kDefaultPub; // the broker (or relay) followed
    std::string upstream_api = kDefaultApi;
    Millis silence{3500}; // no upstream message for this long: ping it
    // Each request to the upstream's api waits this long at most; the relay's own api
    // waits meanwhile (one thread), so it is short.
    Millis api_timeout{1000};
    std::size_t replay_max_events = 10000;
    Millis replay_max_age{600000};
    int pub_sndhwm = 100000;
    // [security]: with curve_secret_key, pub and api are CURVE servers that admit the keys
    // of `curve_subscribers`; with upstream_public_key too, the upstream is reached with
    // CURVE, the relay's key being one of the upstream's subscriber keys.
    std::string curve_secret_key;
    std::string upstream_public_key;
    std::vector<std::string> curve_subscribers;

    bool operator==(const RelayConfig&) const = default;
};

// The CURVE keys of a client of the broker (om-pub, om-sub); both empty: plain connections.
struct ClientCurve {
    std::string secret_key;        // this node's secret key
    std::string broker_public_key; // the broker's public key
    bool enabled() const { return !secret_key.empty(); }
};

struct NodeConfig {
    std::string nodename; // empty: the host name
    std::vector<std::string> brokers{kDefaultIngest};
    std::string control;   // empty: default_control_endpoint()
    Millis interval{5000}; // ping and /proc facts refresh period
    std::string source;    // optional JSON file merged into the dataset
    // Recent events kept and sent again to a broker connected anew (a restarted broker
    // lost what it had not yet published); 0 events: none kept.
    std::size_t resend_events = 100;
    Millis resend_age{600000};
    // Subscribers (om-sub): pub[i] and api[i] are the two endpoints of broker i.
    std::vector<std::string> sub_pub{kDefaultPub};
    std::vector<std::string> sub_api{kDefaultApi};
    Millis connect_timeout{5000};
    ClientCurve curve; // [security]
};

// Loads a broker config file. Unknown keys are appended to `warnings` as `file:line: ...`.
// Throws ConfigError for unreadable files, bad TOML, wrong types and bad values.
BrokerConfig load_broker_config(const std::string& path, std::vector<std::string>& warnings);
NodeConfig load_node_config(const std::string& path, std::vector<std::string>& warnings);
RelayConfig load_relay_config(const std::string& path, std::vector<std::string>& warnings);

// Picks the config file: `flag` if given, else $OM_CONFIG, else ./conf/<file>, else
// /etc/om/<file>. Returns nullopt when none exists (defaults apply); throws ConfigError when
// a file named by the flag or the variable does not exist.
std::optional<std::string> find_config(const std::string& flag, const std::string& file);

// The log line of a CURVE server's reload (the broker's, a relay's): `keys` says the keys
// applied to new connections, empty when none were (its own key changed, or CURVE is off);
// `others_changed` that the rest of the file waits for the next start.
std::string reload_note(const std::string& owner, const std::string& keys, bool others_changed);

// The control socket of om-pub when none is configured: ipc://$XDG_RUNTIME_DIR/om-pub.sock,
// else ipc:///tmp/om-pub-<uid>.sock.
std::string default_control_endpoint();

} // namespace om
