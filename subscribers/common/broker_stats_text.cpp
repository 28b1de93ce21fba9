// Rendering the broker's stats for a person and for Prometheus.
#include "broker_stats_text.hpp"

#include "human_format.hpp"
#include "json_fields.hpp"
#include "metrics_text.hpp"

#include <cmath>
#include <fmt/format.h>

namespace om::sub {

using nlohmann::json;

namespace {
std::string mib(double bytes) {
    return fmt::format("{:.1f} MiB", bytes / (1024.0 * 1024.0));
}
std::uint64_t u(const json& s, const char* key) {
    return unsigned_or(s, key);
}
} // namespace

std::string broker_stats_human(const json& s) {
    std::string out = fmt::format("broker {} (ombus {}), epoch {}, up {}\n",
                                  string_or(s, "name", "?"), string_or(s, "version", "?"),
                                  u(s, "epoch"), format_age(number_or(s, "uptime")));
    const auto row = [&out](const char* what, const std::string& text) {
        out += fmt::format("  {:<12} {}\n", what, text);
    };
    row("sequences",
        fmt::format("seq {}, patch {}, event {}", u(s, "seq"), u(s, "pseq"), u(s, "eseq")));
    row("nodes", std::to_string(u(s, "nodes")));
    if (const auto it = s.find("heartbeats"); it != s.end() && it->is_object())
        for (auto n = it->begin(); n != it->end(); ++n) {
            const auto& b = n.value();
            const bool beating = b.is_object() && b.value("beating", false);
            const auto age = b.is_object() && b.contains("age") && b["age"].is_number()
                                 ? "last heartbeat " + format_age(b["age"].get<double>()) + " ago"
                                 : std::string("not heard from in this run");
            out +=
                fmt::format("    {:<16} {:<8} {}\n", n.key(), beating ? "beating" : "stale", age);
        }
    row("heartbeats", fmt::format("{} merged, {} fulls, {} fulls requested", u(s, "accepted"),
                                  u(s, "fulls"), u(s, "full_requests")));
    row("refused",
        fmt::format("{} refused, {} bad ops, {} malformed, {} oversized, {} unknown "
                    "incarnation, {} gaps, {} duplicates, {} events repeated",
                    u(s, "refused"), u(s, "bad_ops"), u(s, "malformed"), u(s, "oversized"),
                    u(s, "unknown"), u(s, "gaps"), u(s, "duplicates"), u(s, "event_repeats")));
    row("published",
        fmt::format("{} patches, {} events, {} ticks, {} send failures", u(s, "patches"),
                    u(s, "events"), u(s, "ticks"), u(s, "send_failures")));
    row("subscribers", fmt::format("{} connected ({} since the start)", u(s, "subscribers"),
                                   u(s, "subscribers_accepted")));
    row("api", fmt::format("{} snapshots, {} replays", u(s, "snapshots"), u(s, "replays")));
    row("replay",
        fmt::format("{} events kept, the oldest {} old (at most {} events, {})",
                    u(s, "replay_kept"), format_age(number_or(s, "replay_age")),
                    u(s, "replay_max_events"), format_age(number_or(s, "replay_max_age"))));
    const auto& j = s.contains("journal") ? s["journal"] : json(nullptr);
    row("journal", j.is_object() ? fmt::format("{}: {} kept, {} published again, {} failures",
                                               string_or(j, "path"), u(j, "kept"), u(j, "resent"),
                                               u(j, "failures"))
                                 : std::string("off"));
    if (s.contains("auth_accepted") && (u(s, "auth_accepted") || u(s, "auth_denied")))
        row("curve", fmt::format("{} handshakes admitted, {} denied", u(s, "auth_accepted"),
                                 u(s, "auth_denied")));
    row("memory", "RSS " + mib(number_or(s, "rss_bytes")));
    return out;
}

std::string broker_stats_prometheus(const json& s) {
    MetricsText m;
    const auto n = [&s](const char* key) { return number_or(s, key); };
    m.family("ombus_broker_info", "gauge", "The broker's name, version and run (epoch)");
    m.sample(1, {{"name", string_or(s, "name")},
                 {"version", string_or(s, "version")},
                 {"epoch", std::to_string(u(s, "epoch"))}});
    m.single("ombus_broker_uptime_seconds", "gauge", "Seconds since the broker started",
             n("uptime"));
    m.family("ombus_broker_sequence", "gauge",
             "The last sequence number given in this run, per stream (all messages, patches, "
             "events)");
    m.sample(n("seq"), {{"stream", "all"}});
    m.sample(n("pseq"), {{"stream", "patch"}});
    m.sample(n("eseq"), {{"stream", "event"}});
    m.single("ombus_broker_nodes", "gauge", "Nodes known to this run", n("nodes"));
    if (const auto it = s.find("heartbeats"); it != s.end() && it->is_object()) {
        m.family("ombus_broker_node_beating", "gauge", "1 when the node's heartbeats arrive");
        for (auto b = it->begin(); b != it->end(); ++b)
            m.sample(b->is_object() && b->value("beating", false) ? 1 : 0, {{"node", b.key()}});
        m.family("ombus_broker_node_heartbeat_age_seconds", "gauge",
                 "Seconds since the node's last heartbeat (nodes heard from in this run)");
        for (auto b = it->begin(); b != it->end(); ++b)
            if (b->is_object() && b->contains("age") && (*b)["age"].is_number())
                m.sample((*b)["age"].get<double>(), {{"node", b.key()}});
    }
    m.single("ombus_broker_heartbeats_merged_total", "counter",
             "Heartbeats merged into the status document", n("accepted"));
    m.family("ombus_broker_heartbeats_refused_total", "counter",
             "Heartbeats not merged, by reason");
    for (const auto& [key, reason] : {std::pair{"refused", "refused"},
                                      {"bad_ops", "bad_ops"},
                                      {"malformed", "malformed"},
                                      {"oversized", "oversized"},
                                      {"unknown", "unknown_incarnation"},
                                      {"gaps", "gap"},
                                      {"duplicates", "duplicate"},
                                      {"event_repeats", "event_repeat"}})
        m.sample(n(key), {{"reason", reason}});
    m.single("ombus_broker_fulls_total", "counter", "Full datasets installed", n("fulls"));
    m.single("ombus_broker_full_requests_total", "counter", "Fulls asked of nodes",
             n("full_requests"));
    m.family("ombus_broker_published_total", "counter", "Messages published, by kind");
    m.sample(n("patches"), {{"kind", "patch"}});
    m.sample(n("events"), {{"kind", "event"}});
    m.sample(n("ticks"), {{"kind", "tick"}});
    m.single("ombus_broker_send_failures_total", "counter",
             "Messages the pub socket could not take", n("send_failures"));
    m.single("ombus_broker_subscribers", "gauge", "Connections to the pub socket",
             n("subscribers"));
    m.family("ombus_broker_api_requests_total", "counter", "Api requests answered, by op");
    m.sample(n("snapshots"), {{"op", "snapshot"}});
    m.sample(n("replays"), {{"op", "replay"}});
    m.single("ombus_broker_replay_events", "gauge", "Events kept in the replay window",
             n("replay_kept"));
    m.single("ombus_broker_replay_age_seconds", "gauge",
             "Age of the oldest event of the replay window", n("replay_age"));
    const bool journal = s.contains("journal") && s["journal"].is_object();
    m.single("ombus_broker_journal_enabled", "gauge", "1 when the broker journals its own events",
             journal ? 1 : 0);
    m.single("ombus_broker_journal_failures_total", "counter", "Journal appends that failed",
             n("journal_failures"));
    m.single("ombus_broker_journal_resent_total", "counter",
             "Own events of earlier runs published again at start", n("journal_resent"));
    m.family("ombus_broker_curve_handshakes_total", "counter", "CURVE handshakes, by result");
    m.sample(n("auth_accepted"), {{"result", "admitted"}});
    m.sample(n("auth_denied"), {{"result", "denied"}});
    m.single("ombus_broker_resident_memory_bytes", "gauge", "The broker's resident memory",
             n("rss_bytes"));
    return m.text();
}

} // namespace om::sub
