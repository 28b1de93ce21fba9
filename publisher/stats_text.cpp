// Rendering om-pub's stats for a person and for Prometheus.
#include "stats_text.hpp"

#include "json_fields.hpp"
#include "metrics_text.hpp"

#include <fmt/format.h>

namespace om::publisher {

using nlohmann::json;

namespace {
const json& object_at(const json& j, const char* key) {
    static const json none = json::object();
    return j.is_object() && j.contains(key) && j[key].is_object() ? j[key] : none;
}
const json& array_at(const json& j, const char* key) {
    static const json none = json::array();
    return j.is_object() && j.contains(key) && j[key].is_array() ? j[key] : none;
}
constexpr const char* kKinds[] = {"full", "delta", "ping", "event", "resent"};
} // namespace

std::string node_stats_human(const json& s) {
    const auto& sent = object_at(s, "sent");
    std::string out =
        fmt::format("node {} (ombus {}), incarnation {}, generation {}, up {:.1f}s\n",
                    string_or(s, "nodename", "?"), string_or(s, "version", "?"),
                    unsigned_or(s, "incarnation"), unsigned_or(s, "gen"), number_or(s, "uptime"));
    out += fmt::format("  {:<12} {} fulls, {} deltas, {} pings, {} events, {} events sent again\n",
                       "sent", unsigned_or(sent, "full"), unsigned_or(sent, "delta"),
                       unsigned_or(sent, "ping"), unsigned_or(sent, "event"),
                       unsigned_or(sent, "resent"));
    out += fmt::format("  {:<12} {} sends dropped (no broker connected, or its queue full)\n",
                       "dropped", unsigned_or(s, "dropped"));
    out +=
        fmt::format("  {:<12} {} fulls asked by brokers\n", "asked", unsigned_or(s, "fulls_asked"));
    out += fmt::format("  {:<12} {} requests, {} refused\n", "control",
                       unsigned_or(s, "control_requests"), unsigned_or(s, "control_refused"));
    out += fmt::format("  {:<12} {} kept to send again to a broker connected anew\n", "events",
                       unsigned_or(s, "events_kept"));
    for (const auto& b : array_at(s, "brokers"))
        out += fmt::format("  {:<12} {} {}\n", "broker", string_or(b, "endpoint"),
                           b.is_object() && b.value("connected", false) ? "connected"
                                                                        : "not connected");
    out += fmt::format("  {:<12} RSS {:.1f} MiB\n", "memory",
                       number_or(s, "rss_bytes") / (1024.0 * 1024.0));
    return out;
}

std::string node_stats_prometheus(const json& s) {
    MetricsText m;
    const auto node = string_or(s, "nodename");
    const MetricsText::Labels by_node{{"node", node}};
    m.family("ombus_node_info", "gauge", "The node publisher's version and incarnation");
    m.sample(1, {{"node", node},
                 {"version", string_or(s, "version")},
                 {"incarnation", std::to_string(unsigned_or(s, "incarnation"))}});
    m.family("ombus_node_uptime_seconds", "gauge", "Seconds since om-pub started");
    m.sample(number_or(s, "uptime"), by_node);
    m.family("ombus_node_generation", "gauge", "The generation of the node's dataset");
    m.sample(number_or(s, "gen"), by_node);
    m.family("ombus_node_heartbeats_sent_total", "counter",
             "Heartbeats sent, by kind (once whatever the number of brokers)");
    const auto& sent = object_at(s, "sent");
    for (const auto* kind : kKinds)
        m.sample(number_or(sent, kind), {{"node", node}, {"kind", kind}});
    m.family("ombus_node_sends_dropped_total", "counter",
             "Heartbeats a broker's connection could not take");
    m.sample(number_or(s, "dropped"), by_node);
    m.family("ombus_node_fulls_asked_total", "counter", "Fulls the brokers asked for");
    m.sample(number_or(s, "fulls_asked"), by_node);
    m.family("ombus_node_control_requests_total", "counter", "Control socket requests, by result");
    const double requests = number_or(s, "control_requests"),
                 refused = number_or(s, "control_refused");
    m.sample(requests - refused, {{"node", node}, {"result", "ok"}});
    m.sample(refused, {{"node", node}, {"result", "refused"}});
    m.family("ombus_node_events_kept", "gauge", "Recent events kept to send again");
    m.sample(number_or(s, "events_kept"), by_node);
    m.family("ombus_node_broker_connected", "gauge", "1 when connected to the broker");
    double connected = 0;
    for (const auto& b : array_at(s, "brokers")) {
        const bool up = b.is_object() && b.value("connected", false);
        connected += up ? 1 : 0;
        m.sample(up ? 1 : 0, {{"node", node}, {"broker", string_or(b, "endpoint")}});
    }
    m.family("ombus_node_brokers_connected", "gauge", "Brokers connected");
    m.sample(connected, by_node);
    m.family("ombus_node_resident_memory_bytes", "gauge", "om-pub's resident memory");
    m.sample(number_or(s, "rss_bytes"), by_node);
    return m.text();
}

} // namespace om::publisher
