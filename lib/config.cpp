// Loading broker.toml, node.toml and relay.toml into their structs (the reading itself:
// toml_reader).
#include "config.hpp"

#include "curve.hpp"
#include "toml_reader.hpp"
#include "wire.hpp"

#include <cstdlib>
#include <filesystem>
#include <unistd.h>

namespace om {

namespace {
// [security] subscribers: the public keys of readers (a broker's, a relay's).
void subscriber_keys(TomlTable& security, std::vector<std::string>& keys) {
    security.strings("subscribers", keys);
    for (const auto& k : keys)
        if (!valid_curve_key(k))
            throw ConfigError(security.where(*security.get("subscribers")) +
                              "'security.subscribers' must hold CURVE public keys");
}
} // namespace

BrokerConfig load_broker_config(const std::string& path, std::vector<std::string>& warnings) {
    BrokerConfig c;
    const auto root = read_toml(path);
    toml_guarded(path, [&] {
        TomlTable broker(root, "broker", path);
        broker.str("name", c.name);
        broker.str("cluster", c.cluster);
        broker.str("ingest", c.ingest);
        broker.str("pub", c.pub);
        broker.str("api", c.api);
        broker.strings("nodes", c.nodes, true);
        for (const auto& n : c.nodes)
            if (!wire::valid_nodename(n))
                throw ConfigError(broker.where(*broker.get("nodes")) + "'broker.nodes': '" + n +
                                  "' is not a valid nodename (1 to 255 characters, no '/', "
                                  "space or control character)");
        TomlTable hb(root, "heartbeat", path);
        hb.duration("timeout", c.hb_timeout);
        hb.duration("grace", c.hb_grace);
        TomlTable replay(root, "replay", path);
        replay.count("max_events", c.replay_max_events, 1);
        replay.duration("max_age", c.replay_max_age);
        replay.str("journal", c.replay_journal);
        TomlTable limits(root, "limits", path);
        limits.count("max_message_bytes", c.max_message_bytes, 256);
        limits.count("max_nodes", c.max_nodes, 1);
        limits.count("max_ops_per_delta", c.max_ops_per_delta, 1);
        TomlTable pub(root, "pub", path);
        pub.count("sndhwm", c.pub_sndhwm, 0);
        pub.duration("tick", c.tick);
        TomlTable security(root, "security", path);
        security.key("curve_secret_key", c.curve_secret_key);
        security.key_table("nodes", c.curve_nodes);
        subscriber_keys(security, c.curve_subscribers);
        if (c.curve_secret_key.empty() && !c.curve_nodes.empty())
            throw ConfigError(security.where(*security.get("nodes")) +
                              "'security.nodes' needs 'security.curve_secret_key'");
        if (c.name.empty()) throw ConfigError(path + ":0: 'broker.name' must not be empty");
        for (const auto* s : {&broker, &hb, &replay, &limits, &pub, &security})
            s->warn_unknown(warnings);
        warn_unknown_tables(root, {"broker", "heartbeat", "replay", "limits", "pub", "security"},
                            path, warnings);
    });
    return c;
}

NodeConfig load_node_config(const std::string& path, std::vector<std::string>& warnings) {
    NodeConfig c;
    const auto root = read_toml(path);
    toml_guarded(path, [&] {
        TomlTable node(root, "node", path);
        node.str("nodename", c.nodename);
        node.strings("brokers", c.brokers);
        node.str("control", c.control);
        node.duration("interval", c.interval);
        node.str("source", c.source);
        node.count("resend_events", c.resend_events);
        node.duration("resend_age", c.resend_age);
        TomlTable sub(root, "subscriber", path);
        sub.strings("pub", c.sub_pub);
        sub.strings("api", c.sub_api);
        sub.duration("connect_timeout", c.connect_timeout);
        if (c.sub_pub.size() != c.sub_api.size())
            throw ConfigError(
                path + ":0: 'subscriber.pub' and 'subscriber.api' must list as many endpoints");
        if (c.interval.count() == 0)
            throw ConfigError(path + ":0: 'node.interval' must be more than 0");
        TomlTable security(root, "security", path);
        security.key("curve_secret_key", c.curve.secret_key);
        security.key("broker_public_key", c.curve.broker_public_key);
        if (c.curve.secret_key.empty() != c.curve.broker_public_key.empty())
            throw ConfigError(path + ":0: 'security.curve_secret_key' and "
                                     "'security.broker_public_key' go together");
        node.warn_unknown(warnings);
        sub.warn_unknown(warnings);
        security.warn_unknown(warnings);
        // [hook.N] tables belong to the hook runner, which validates them itself.
        warn_unknown_tables(root, {"node", "subscriber", "hook", "hooks", "security"}, path,
                            warnings);
    });
    return c;
}

RelayConfig load_relay_config(const std::string& path, std::vector<std::string>& warnings) {
    RelayConfig c;
    const auto root = read_toml(path);
    toml_guarded(path, [&] {
        TomlTable relay(root, "relay", path);
        relay.str("name", c.name);
        relay.str("pub", c.pub);
        relay.str("api", c.api);
        TomlTable up(root, "upstream", path);
        up.str("pub", c.upstream_pub);
        up.str("api", c.upstream_api);
        up.duration("silence", c.silence);
        up.duration("api_timeout", c.api_timeout);
        TomlTable replay(root, "replay", path);
        replay.count("max_events", c.replay_max_events, 1);
        replay.duration("max_age", c.replay_max_age);
        TomlTable pub(root, "pub", path);
        pub.count("sndhwm", c.pub_sndhwm, 0);
        TomlTable security(root, "security", path);
        security.key("curve_secret_key", c.curve_secret_key);
        security.key("upstream_public_key", c.upstream_public_key);
        subscriber_keys(security, c.curve_subscribers);
        if (c.curve_secret_key.empty() && !c.upstream_public_key.empty())
            throw ConfigError(security.where(*security.get("upstream_public_key")) +
                              "'security.upstream_public_key' needs 'security.curve_secret_key' "
                              "(the relay's own key, admitted by its upstream)");
        if (c.curve_secret_key.empty() && !c.curve_subscribers.empty())
            throw ConfigError(security.where(*security.get("subscribers")) +
                              "'security.subscribers' needs 'security.curve_secret_key'");
        if (c.name.empty()) throw ConfigError(path + ":0: 'relay.name' must not be empty");
        if (c.silence.count() == 0)
            throw ConfigError(path + ":0: 'upstream.silence' must be more than 0");
        if (c.api_timeout.count() == 0)
            throw ConfigError(path + ":0: 'upstream.api_timeout' must be more than 0");
        for (const auto* s : {&relay, &up, &replay, &pub, &security})
            s->warn_unknown(warnings);
        warn_unknown_tables(root, {"relay", "upstream", "replay", "pub", "security"}, path,
                            warnings);
    });
    return c;
}

std::optional<std::string> find_config(const std::string& flag, const std::string& file) {
    namespace fs = std::filesystem;
    if (!flag.empty()) {
        if (!fs::exists(flag)) throw ConfigError(flag + ":0: no such config file (--config)");
        return flag;
    }
    if (const char* env = std::getenv("OM_CONFIG"); env && *env) {
        if (!fs::exists(env))
            throw ConfigError(std::string(env) + ":0: no such config file ($OM_CONFIG)");
        return std::string(env);
    }
    for (const auto& candidate : {"conf/" + file, "/etc/om/" + file})
        if (fs::exists(candidate)) return candidate;
    return std::nullopt;
}

std::string reload_note(const std::string& owner, const std::string& keys, bool others_changed) {
    std::string msg = "config reloaded";
    if (!keys.empty()) msg += ": " + keys + " for new connections";
    if (others_changed)
        msg += !keys.empty() ? "; its other changes take effect at the next start"
                             : "; its changes take effect at the next start (CURVE keys are "
                               "reloaded only while the " +
                                   owner + "'s own key stays the same)";
    return msg;
}

std::string default_control_endpoint() {
    if (const char* dir = std::getenv("XDG_RUNTIME_DIR"); dir && *dir)
        return std::string("ipc://") + dir + "/om-pub.sock";
    return "ipc:///tmp/om-pub-" + std::to_string(getuid()) + ".sock";
}

} // namespace om
