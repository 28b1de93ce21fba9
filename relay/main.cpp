// om-relay: re-publishes a broker's (or another relay's) stream on its own endpoints, so
// that subscribers spread over relays instead of all on the broker. See relay.hpp.
#include "duration.hpp"
#include "flag_checks.hpp"
#include "log.hpp"
#include "relay.hpp"

#include <CLI/CLI.hpp>
#include <csignal>
#include <optional>

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
    om::set_log_program("om-relay");
    CLI::App app{"om-relay: follows a broker (or another relay) and publishes the very same\n"
                 "messages on its own pub endpoint, answering ping, snapshot and replay on its\n"
                 "own api endpoint: subscribers connect to it as to a broker. See om-relay(8)."};
    // Each flag given overrides the config file's key; the defaults are the file's.
    std::string config_flag;
    std::optional<std::string> upstream_pub, upstream_api, pub, api, name, max_age, silence,
        api_timeout;
    std::optional<std::size_t> max_events;
    std::optional<int> sndhwm;
    app.add_option("--config", config_flag,
                   "Config file (else $OM_CONFIG, ./conf/relay.toml, /etc/om/relay.toml)");
    app.add_option("--upstream-pub", upstream_pub,
                   "The pub endpoint of the broker or relay followed (default "
                   "tcp://127.0.0.1:1216)");
    app.add_option("--upstream-api", upstream_api,
                   "The api endpoint of the broker or relay followed (default "
                   "tcp://127.0.0.1:1217)");
    app.add_option("--pub", pub,
                   "Endpoint publishing the relayed messages (default tcp://127.0.0.1:1226)");
    app.add_option("--api", api,
                   "Endpoint answering ping, snapshot, replay and stats (default "
                   "tcp://127.0.0.1:1227)");
    app.add_option("--name", name, "Name in its stats and messages (default relay)");
    app.add_option("--replay-max-events", max_events,
                   "Events kept for replay, as [replay] max_events (default 10000)")
        ->check(om::sub::count_check(1));
    app.add_option("--replay-max-age", max_age,
                   "Age of the oldest event kept for replay, as [replay] max_age (default 10m)")
        ->check(om::sub::duration_check());
    app.add_option("--sndhwm", sndhwm,
                   "Messages queued per subscriber before it loses some, as [pub] sndhwm "
                   "(default 100000)")
        ->check(om::sub::count_check(0));
    app.add_option("--silence", silence,
                   "No upstream message for this long: ping it; no answer: stop answering "
                   "subscribers until it is back (default 3500ms)")
        ->check(om::sub::duration_check());
    app.add_option("--api-timeout", api_timeout,
                   "Wait at most this long for an answer of the upstream's api; the relay's own "
                   "api waits meanwhile (default 1s)")
        ->check(om::sub::duration_check());
    app.set_version_flag("--version", std::string("om-relay ") + OMBUS_VERSION);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        // --help and --version exit 0; a usage error is 2, the message printed by exit().
        return app.exit(e) == 0 ? 0 : 2;
    }
    // The file's values with the command line's flags on top: at start and at a reload.
    const auto load_config = [&] {
        om::RelayConfig c;
        std::vector<std::string> warnings;
        if (auto file = om::find_config(config_flag, "relay.toml"))
            c = om::load_relay_config(*file, warnings);
        for (const auto& w : warnings)
            om::log_warning(w);
        // The flags were checked by their parse: only those given are taken.
        c.upstream_pub = upstream_pub.value_or(c.upstream_pub);
        c.upstream_api = upstream_api.value_or(c.upstream_api);
        c.pub = pub.value_or(c.pub);
        c.api = api.value_or(c.api);
        c.name = name.value_or(c.name);
        c.replay_max_events = max_events.value_or(c.replay_max_events);
        c.pub_sndhwm = sndhwm.value_or(c.pub_sndhwm);
        for (auto [flag, key] : {std::pair{&max_age, &c.replay_max_age},
                                 {&silence, &c.silence},
                                 {&api_timeout, &c.api_timeout}})
            if (*flag) *key = om::parse_duration(**flag);
        return c;
    };
    try {
        const auto config = load_config();
        std::signal(SIGINT, on_signal);
        std::signal(SIGTERM, on_signal);
        std::signal(SIGHUP, on_hup);
        om::relay::Relay relay(config);
        relay.run(g_stop, g_reload, [&]() -> std::optional<om::RelayConfig> {
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
