// Shared om-sub options.
#include "options.hpp"

namespace om::sub {

void add_common_options(CLI::App& app, CommonOptions& o) {
    app.add_option("--config", o.config,
                   "Config file (else $OM_CONFIG, ./conf/node.toml, /etc/om/node.toml)");
    app.add_option("--pub", o.pub,
                   "A broker's pub endpoint, repeatable (default tcp://127.0.0.1:1216)");
    app.add_option("--api", o.api,
                   "The same broker's api endpoint, repeatable (default tcp://127.0.0.1:1217)");
    app.add_option("--connect-timeout", o.connect_timeout,
                   "Give up (exit 3) when no broker answers for this long (default 5s)");
}

ConnectionOptions connection_options(const CommonOptions& o, NodeConfig* config_out) {
    NodeConfig config;
    std::vector<std::string> warnings;
    if (auto file = find_config(o.config, "node.toml")) config = load_node_config(*file, warnings);
    if (!o.pub.empty()) config.sub_pub = o.pub;
    if (!o.api.empty()) config.sub_api = o.api;
    if (config.sub_pub.size() != config.sub_api.size())
        throw ConfigError("--pub and --api must be given as many times (one pair per broker)");
    if (!o.connect_timeout.empty()) config.connect_timeout = parse_duration(o.connect_timeout);
    ConnectionOptions c;
    for (std::size_t i = 0; i < config.sub_pub.size(); ++i)
        c.brokers.push_back({config.sub_pub[i], config.sub_api[i]});
    c.connect_timeout = config.connect_timeout;
    c.curve = config.curve;
    if (config_out) *config_out = config;
    return c;
}

bool connect_first_answering(ApiClient& api, const ConnectionOptions& o) {
    const auto deadline = std::chrono::steady_clock::now() + o.connect_timeout;
    for (std::size_t i = 0; !o.brokers.empty(); ++i) {
        api.connect(o.brokers[i % o.brokers.size()].api);
        if (api.ping()) return true;
        if (std::chrono::steady_clock::now() >= deadline) return false;
    }
    return false;
}

std::string unreachable_message(const ConnectionOptions& o) {
    std::string eps;
    for (const auto& b : o.brokers)
        eps += (eps.empty() ? "" : ", ") + b.api;
    return "om-sub: no broker answered at " + eps + " within " + format_duration(o.connect_timeout);
}

} // namespace om::sub
