// TOML loading with file:line errors and warnings for unknown keys.
#include "config.hpp"

#include "curve.hpp"
#include "wire.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <toml.hpp>
#include <unistd.h>

namespace om {

namespace {

std::string first_line(const std::string& s) {
    auto line = s.substr(0, s.find('\n'));
    const std::string tag = "[error] ";
    if (line.starts_with(tag)) line = line.substr(tag.size());
    return line;
}

// Reads one table, remembers which keys were consumed, and reports the rest as unknown.
class Section {
  public:
    Section(const toml::value& root, std::string name, std::string file)
        : name_(std::move(name)), file_(std::move(file)) {
        if (!root.contains(name_)) return;
        const auto& v = root.at(name_);
        if (!v.is_table()) throw ConfigError(where(v) + "[" + name_ + "] must be a table");
        table_ = &v;
    }

    std::string where(const toml::value& v) const {
        return file_ + ":" + std::to_string(v.location().line()) + ": ";
    }

    const toml::value* get(const std::string& key) {
        known_.insert(key);
        if (!table_ || !table_->contains(key)) return nullptr;
        return &table_->at(key);
    }

    void str(const std::string& key, std::string& out) {
        if (auto v = get(key)) {
            if (!v->is_string()) throw ConfigError(where(*v) + key_name(key) + " must be a string");
            out = v->as_string().str;
        }
    }

    void duration(const std::string& key, Millis& out) {
        if (auto v = get(key)) {
            try {
                if (v->is_string())
                    out = parse_duration(v->as_string().str);
                else if (v->is_integer() && v->as_integer() >= 0)
                    out = Millis(v->as_integer() * 1000);
                else
                    throw ConfigError(where(*v) + key_name(key) +
                                      " must be a duration such as \"5s\"");
            } catch (const DurationError& e) {
                throw ConfigError(where(*v) + key_name(key) + ": " + e.what());
            }
        }
    }

    template <class Int> void count(const std::string& key, Int& out, long long min = 0) {
        if (auto v = get(key)) {
            if (!v->is_integer() || v->as_integer() < min)
                throw ConfigError(where(*v) + key_name(key) +
                                  " must be an integer >= " + std::to_string(min));
            out = static_cast<Int>(v->as_integer());
        }
    }

    // A string or a list of strings; an empty list only where allow_empty says so.
    void strings(const std::string& key, std::vector<std::string>& out, bool allow_empty = false) {
        if (auto v = get(key)) {
            if (v->is_string()) {
                out = {v->as_string().str};
                return;
            }
            if (!v->is_array())
                throw ConfigError(where(*v) + key_name(key) +
                                  " must be a string or a list of strings");
            std::vector<std::string> items;
            for (const auto& e : v->as_array()) {
                if (!e.is_string())
                    throw ConfigError(where(e) + key_name(key) + " must hold strings only");
                items.push_back(e.as_string().str);
            }
            if (items.empty() && !allow_empty)
                throw ConfigError(where(*v) + key_name(key) + " must not be empty");
            out = std::move(items);
        }
    }

    // A CURVE key in Z85 text (40 characters).
    void key(const std::string& key, std::string& out) {
        str(key, out);
        if (!out.empty() && !valid_curve_key(out))
            throw ConfigError(where(*get(key)) + key_name(key) +
                              " must be a CURVE key: 40 characters of Z85");
    }

    // A sub-table of keys by name, such as [security.nodes]: name = "KEY", or name = ["KEY",
    // ...] while a key is being replaced (the old one and the new one both admitted).
    void key_table(const std::string& key, std::map<std::string, std::string>& key_to_name) {
        if (auto v = get(key)) {
            if (!v->is_table())
                throw ConfigError(where(*v) + key_name(key) + " must be a table of name = KEY");
            for (const auto& [name, k] : v->as_table()) {
                const std::string& node = name; // clang 14 captures no structured binding
                const auto bad = [&](const toml::value& at) {
                    return ConfigError(where(at) + key_name(key + "." + node) +
                                       " must be a CURVE public key (40 characters of Z85) or "
                                       "a list of them");
                };
                std::vector<const toml::value*> keys;
                if (k.is_array()) {
                    for (const auto& e : k.as_array())
                        keys.push_back(&e);
                    if (keys.empty()) throw bad(k);
                } else {
                    keys.push_back(&k);
                }
                for (const auto* e : keys) {
                    if (!e->is_string() || !valid_curve_key(e->as_string().str)) throw bad(*e);
                    if (!key_to_name.emplace(e->as_string().str, name).second)
                        throw ConfigError(where(*e) + key_name(key + "." + name) +
                                          ": this key is already bound to another node");
                }
            }
        }
    }

    void warn_unknown(std::vector<std::string>& warnings) const {
        if (!table_) return;
        for (const auto& [k, v] : table_->as_table()) {
            if (!known_.count(k))
                warnings.push_back(where(v) + "unknown key '" + name_ + "." + k + "', ignored");
        }
    }

  private:
    std::string key_name(const std::string& key) const { return "'" + name_ + "." + key + "'"; }

    std::string name_;
    std::string file_;
    const toml::value* table_ = nullptr;
    std::set<std::string> known_;
};

toml::value parse_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw ConfigError(path + ":0: cannot open the file");
    try {
        return toml::parse(in, path);
    } catch (const toml::syntax_error& e) {
        throw ConfigError(path + ":" + std::to_string(e.location().line()) + ": " +
                          first_line(e.what()));
    } catch (const std::exception& e) {
        throw ConfigError(path + ":0: " + first_line(e.what()));
    }
}

void warn_unknown_tables(const toml::value& root, const std::set<std::string>& tables,
                         const std::string& file, std::vector<std::string>& warnings) {
    for (const auto& [k, v] : root.as_table()) {
        if (!tables.count(k))
            warnings.push_back(file + ":" + std::to_string(v.location().line()) +
                               ": unknown table or key '" + k + "', ignored");
    }
}

// Runs fn and turns a toml11 type error that escapes it into a one-line ConfigError.
template <class Fn> void guarded(const std::string& file, Fn&& fn) {
    try {
        fn();
    } catch (const toml::exception& e) {
        throw ConfigError(file + ":" + std::to_string(e.location().line()) + ": " +
                          first_line(e.what()));
    }
}

} // namespace

BrokerConfig load_broker_config(const std::string& path, std::vector<std::string>& warnings) {
    BrokerConfig c;
    const auto root = parse_file(path);
    guarded(path, [&] {
        Section broker(root, "broker", path);
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
        Section hb(root, "heartbeat", path);
        hb.duration("timeout", c.hb_timeout);
        hb.duration("grace", c.hb_grace);
        Section replay(root, "replay", path);
        replay.count("max_events", c.replay_max_events, 1);
        replay.duration("max_age", c.replay_max_age);
        replay.str("journal", c.replay_journal);
        Section limits(root, "limits", path);
        limits.count("max_message_bytes", c.max_message_bytes, 256);
        limits.count("max_nodes", c.max_nodes, 1);
        limits.count("max_ops_per_delta", c.max_ops_per_delta, 1);
        Section pub(root, "pub", path);
        pub.count("sndhwm", c.pub_sndhwm, 0);
        pub.duration("tick", c.tick);
        Section security(root, "security", path);
        security.key("curve_secret_key", c.curve_secret_key);
        security.key_table("nodes", c.curve_nodes);
        security.strings("subscribers", c.curve_subscribers);
        for (const auto& k : c.curve_subscribers)
            if (!valid_curve_key(k))
                throw ConfigError(security.where(*security.get("subscribers")) +
                                  "'security.subscribers' must hold CURVE public keys");
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
    const auto root = parse_file(path);
    guarded(path, [&] {
        Section node(root, "node", path);
        node.str("nodename", c.nodename);
        node.strings("brokers", c.brokers);
        node.str("control", c.control);
        node.duration("interval", c.interval);
        node.str("source", c.source);
        node.count("resend_events", c.resend_events);
        node.duration("resend_age", c.resend_age);
        Section sub(root, "subscriber", path);
        sub.strings("pub", c.sub_pub);
        sub.strings("api", c.sub_api);
        sub.duration("connect_timeout", c.connect_timeout);
        if (c.sub_pub.size() != c.sub_api.size())
            throw ConfigError(
                path + ":0: 'subscriber.pub' and 'subscriber.api' must list as many endpoints");
        if (c.interval.count() == 0)
            throw ConfigError(path + ":0: 'node.interval' must be more than 0");
        Section security(root, "security", path);
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

std::string default_control_endpoint() {
    if (const char* dir = std::getenv("XDG_RUNTIME_DIR"); dir && *dir)
        return std::string("ipc://") + dir + "/om-pub.sock";
    return "ipc:///tmp/om-pub-" + std::to_string(getuid()) + ".sock";
}

} // namespace om
