// om-sub stats: the broker's counters, for a person, as JSON, or for Prometheus.
#include "common/broker_stats_text.hpp"
#include "verbs.hpp"

#include <iostream>

namespace om::sub {

CLI::App* add_stats(CLI::App& app, StatsOptions& o) {
    auto* c = app.add_subcommand(
        "stats", "Print the broker's counters: uptime, sequences, nodes and their heartbeats,\n"
                 "heartbeats merged and refused by reason, subscribers, replay window, journal,\n"
                 "memory. Exit codes: 0 printed, 2 usage, 3 broker unreachable.");
    add_common_options(*c, o.common);
    c->add_option("--format", o.format,
                  "human (default); json: the broker's answer as is; prometheus: the text "
                  "exposition format (ombus_broker_* metrics), for node_exporter's textfile "
                  "collector")
        ->check(CLI::IsMember({"human", "json", "prometheus"}));
    return c;
}

int run_stats(const StatsOptions& o) {
    ConnectionOptions copts;
    try {
        copts = connection_options(o.common);
    } catch (const std::exception& e) {
        std::cerr << "om-sub stats: " << e.what() << "\n";
        return kUsage;
    }
    zmq::context_t ctx(1);
    ApiClient api(ctx, copts.curve, std::min(copts.api_timeout, copts.connect_timeout));
    std::optional<json> stats;
    if (connect_first_answering(api, copts)) stats = api.stats();
    if (!stats) {
        std::cerr << unreachable_message(copts) << "\n";
        return kUnreachable;
    }
    if (o.format == "json")
        std::cout << stats->dump(4) << "\n";
    else if (o.format == "prometheus")
        std::cout << broker_stats_prometheus(*stats);
    else
        std::cout << broker_stats_human(*stats);
    return 0;
}

} // namespace om::sub
