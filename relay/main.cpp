// om-relay: re-publishes a broker's (or another relay's) stream on its own endpoints, so
// that subscribers spread over relays instead of all on the broker. See relay.hpp.
#include "duration.hpp"
#include "log.hpp"
#include "relay.hpp"

#include <CLI/CLI.hpp>
#include <csignal>

namespace {
std::atomic<bool> g_stop{false};
void on_signal(int) {
    g_stop = true;
}
} // namespace

int main(int argc, char** argv) {
    om::set_log_program("om-relay");
    CLI::App app{"om-relay: follows a broker (or another relay) and publishes the very same\n"
                 "messages on its own pub endpoint, answering ping, snapshot and replay on its\n"
                 "own api endpoint: subscribers connect to it as to a broker. See om-relay(8)."};
    om::relay::RelayOptions o;
    std::string silence = "3500ms", max_age = "10m", api_timeout = "1s";
    app.add_option("--upstream-pub", o.upstream_pub,
                   "The pub endpoint of the broker or relay followed")
        ->required();
    app.add_option("--upstream-api", o.upstream_api,
                   "The api endpoint of the broker or relay followed")
        ->required();
    o.pub = "tcp://127.0.0.1:1226";
    o.api = "tcp://127.0.0.1:1227";
    app.add_option("--pub", o.pub, "Endpoint publishing the relayed messages")
        ->capture_default_str();
    app.add_option("--api", o.api, "Endpoint answering ping, snapshot, replay and stats")
        ->capture_default_str();
    app.add_option("--name", o.name, "Name in its stats and messages")->capture_default_str();
    app.add_option("--replay-max-events", o.replay_max_events,
                   "Events kept for replay (as the broker's [replay] max_events)")
        ->capture_default_str();
    app.add_option("--replay-max-age", max_age, "Age of the oldest event kept for replay")
        ->capture_default_str();
    app.add_option("--sndhwm", o.pub_sndhwm,
                   "Messages queued per subscriber before it loses some (as [pub] sndhwm)")
        ->capture_default_str();
    app.add_option("--silence", silence,
                   "No upstream message for this long: ping it; no answer: stop answering "
                   "subscribers until it is back")
        ->capture_default_str();
    app.add_option("--api-timeout", api_timeout,
                   "Wait at most this long for an answer of the upstream's api (the relay's own "
                   "api waits meanwhile)")
        ->capture_default_str();
    app.set_version_flag("--version", std::string("om-relay ") + OMBUS_VERSION);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        // --help and --version exit 0; a usage error is 2, the message printed by exit().
        return app.exit(e) == 0 ? 0 : 2;
    }
    try {
        o.silence = om::parse_duration(silence);
        o.replay_max_age = om::parse_duration(max_age);
        o.api_timeout = om::parse_duration(api_timeout);
        std::signal(SIGINT, on_signal);
        std::signal(SIGTERM, on_signal);
        om::relay::Relay relay(o);
        relay.run(g_stop);
        return 0;
    } catch (const std::exception& e) {
        om::log_error(e.what());
        return 1;
    }
}
