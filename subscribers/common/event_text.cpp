// Event id templates.
#include "event_text.hpp"

#include "json_fields.hpp"

#include <map>

namespace om::sub {

namespace {

const std::map<std::pair<std::string, std::string>, std::string>& templates() {
    static const std::map<std::pair<std::string, std::string>, std::string> t{
        {{"hb_beating", ""}, "node {nodename} hb status stale => beating"},
        {{"hb_stale", ""}, "node {nodename} hb status beating => stale"},
        {{"hb_stale", "not_heard_since_start"},
         "node {nodename} hb status stale: not heard from since the broker started"},
        {{"forget_peer", ""}, "node {nodename} stale past the grace period: its data is flushed"},
        {{"blacklist_add", ""}, "sender {sender} blacklisted"},
        {{"monitor_started", ""}, "monitor started"},
        {{"node_config_change", ""}, "node config change"},
        {{"node_freeze", ""}, "freeze node"},
        {{"node_thaw", ""}, "thaw node"},
        {{"instance_freeze", "target"},
         "freeze instance to satisfy the {instance.monitor.global_expect} target"},
        {{"instance_freeze", ""}, "freeze instance"},
        {{"instance_thaw", "target"},
         "thaw instance to satisfy the {instance.monitor.global_expect} target"},
        {{"instance_thaw", ""}, "thaw instance"},
        {{"instance_start", "target"},
         "start {instance.topology} {instance.avail} instance to satisfy the "
         "{instance.monitor.global_expect} target"},
        {{"instance_start", ""}, "start instance"},
        {{"instance_stop", "target"},
         "stop {instance.topology} {instance.avail} instance to satisfy the "
         "{instance.monitor.global_expect} target"},
        {{"instance_stop", ""}, "stop instance"},
        {{"arbitrator_up", ""}, "arbitrator {arbitrator} is now reachable"},
        {{"arbitrator_down", ""}, "arbitrator {arbitrator} is no longer reachable"},
        {{"scale_up", ""}, "misses {delta} instance to reach scale target {instance.scale}"},
        {{"scale_down", ""}, "exceeds {delta} instance to reach scale target {instance.scale}"},
    };
    return t;
}

std::string fill(const std::string& tpl, const json& data) {
    std::string out;
    std::size_t i = 0;
    while (i < tpl.size()) {
        const auto open = tpl.find('{', i);
        if (open == std::string::npos) break;
        const auto close = tpl.find('}', open);
        if (close == std::string::npos) break;
        out.append(tpl, i, open - i);
        const json* v = nullptr;
        try {
            v = find(data, parse_dotted(tpl.substr(open + 1, close - open - 1)));
        } catch (const PathError&) {
        }
        out += !v ? "?" : scalar_text(*v);
        i = close + 1;
    }
    out.append(tpl, i);
    return out;
}

} // namespace

std::string event_text(const json& data) {
    if (!data.is_object() || !data.contains("id") || !data["id"].is_string()) return "";
    const auto id = data["id"].get<std::string>();
    const auto reason = data.contains("reason") && data["reason"].is_string()
                            ? data["reason"].get<std::string>()
                            : "";
    const auto& t = templates();
    auto it = t.find({id, reason});
    if (it == t.end()) it = t.find({id, ""});
    if (it == t.end()) return "";
    return fill(it->second, data);
}

} // namespace om::sub
