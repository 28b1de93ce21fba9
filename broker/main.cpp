// om-broker: merges node heartbeats into the cluster status and publishes patches and events.
#include "broker.hpp"
#include "curve.hpp"
#include "log.hpp"

#include <CLI/CLI.hpp>
#include <csignal>
#include <iostream>

namespace {
std::atomic<bool> g_stop{false}, g_reload{false};
void on_signal(int) {
    g_stop = true;
}
void on_hup(int) {
    g_reload = true;
}
} // namespace

int main(int argc, char** argv) {
    om::set_log_program("om-broker");
    CLI::App app{
        "om-broker: merges node heartbeats into the cluster status document and publishes\n"
        "every change as a patch, and events, on ZeroMQ PUB topics. See docs/protocol.md."};
    std::string config_flag, ingest, pub, api, name;
    app.add_option("--config", config_flag,
                   "Config file (else $OM_CONFIG, ./conf/broker.toml, /etc/om/broker.toml)");
    app.add_option("--ingest", ingest,
                   "Endpoint for node heartbeats (default tcp://127.0.0.1:1215)");
    app.add_option("--pub", pub,
                   "Endpoint publishing patches and events (default tcp://127.0.0.1:1216)");
    app.add_option("--api", api,
                   "Endpoint for snapshot and replay requests (default tcp://127.0.0.1:1217)");
    app.add_option("--name", name, "Nodename of the broker's own messages (default broker)");
    bool keygen = false;
    app.add_flag("--keygen", keygen,
                 "Print a new CURVE keypair (for [security] in broker.toml and node.toml) and "
                 "exit");
    app.set_version_flag("--version", std::string("om-broker ") + OMBUS_VERSION);
    CLI11_PARSE(app, argc, argv);
    if (keygen) {
        try {
            const auto k = om::curve_keypair();
            // TOML lines: the secret key stays with its owner, the public key is handed out.
            std::cout << "public_key = \"" << k.public_key << "\"\n"
                      << "curve_secret_key = \"" << k.secret_key << "\"\n";
            return 0;
        } catch (const std::exception& e) {
            om::log_error(e.what());
            return 1;
        }
    }

    // The file's values with the command line's flags on top: at start and at a reload.
    const auto load_config = [&] {
        om::BrokerConfig config;
        std::vector<std::string> warnings;
        if (auto file = om::find_config(config_flag, "broker.toml"))
            config = om::load_broker_config(*file, warnings);
        for (const auto& w : warnings)
            om::log_warning(w);
        if (!ingest.empty()) config.ingest = ingest;
        if (!pub.empty()) config.pub = pub;
        if (!api.empty()) config.api = api;
        if (!name.empty()) config.name = name;
        return config;
    };
    try {
        const auto config = load_config();
        std::signal(SIGINT, on_signal);
        std::signal(SIGTERM, on_signal);
        std::signal(SIGHUP, on_hup);
        om::broker::Broker broker(config);
        broker.run(g_stop, g_reload, [&]() -> std::optional<om::BrokerConfig> {
            try {
                return load_config();
            } catch (const std::exception& e) {
                // A config that does not load: said in one line, the running one kept.
                om::log_error(std::string(e.what()) + " (reload refused, configuration kept)");
                return std::nullopt;
            }
        });
        return 0;
    } catch (const std::exception& e) {
        om::log_error(e.what());
        return 1;
    }
}
