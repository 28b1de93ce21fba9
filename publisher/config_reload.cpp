// The om-pub daemon's reload of its config file: what changed is applied while running,
// or named as waiting for a restart, and told to the cluster as one node_config_change.
#include "log.hpp"
#include "publisher.hpp"

#include <algorithm>
#include <optional>

namespace om::publisher {

void Publisher::reload_config(bool asked) {
    const auto& file = config_watch_.path();
    if (file.empty() || !loader_) {
        if (asked) log_info("reload asked, but no config file is in use");
        return;
    }
    const auto state = config_watch_.check(asked);
    if (state == FileWatch::State::unreadable) {
        // Said once when it becomes so, and at each reload asked: not every second.
        if (asked || !config_unreadable_)
            log_warning("config " + file + ": cannot read it, the running configuration kept");
        config_unreadable_ = true;
        return;
    }
    config_unreadable_ = false;
    if (state == FileWatch::State::unchanged) {
        if (asked) log_info("config " + file + " unchanged");
        return;
    }
    // The watch has taken the new content: a bad file is reported once, not at every check.
    NodeConfig next;
    try {
        next = loader_();
    } catch (const std::exception& e) {
        log_error(std::string(e.what()) + " (the running configuration is kept)");
        return;
    }
    apply_config(next);
    // One event per change of the file, where the original emitted one per daemon thread.
    emit(json{{"id", "node_config_change"}, {"file", file}});
}

void Publisher::apply_config(const NodeConfig& next) {
    const auto& file = config_watch_.path();
    std::vector<std::string> changed, later;
    if (next.nodename != config_.nodename) later.push_back("nodename");
    if (next.control != config_.control) later.push_back("control");
    if (next.curve.secret_key != config_.curve.secret_key ||
        next.curve.broker_public_key != config_.curve.broker_public_key)
        later.push_back("security");
    if (next.interval != config_.interval) {
        changed.push_back("interval " + format_duration(config_.interval) + " => " +
                          format_duration(next.interval));
        config_.interval = next.interval;
        next_beat_ = std::min(next_beat_, Clock::now() + config_.interval);
    }
    if (next.resend_events != config_.resend_events || next.resend_age != config_.resend_age) {
        changed.push_back("resend_events/resend_age");
        config_.resend_events = next.resend_events;
        config_.resend_age = next.resend_age;
        while (recent_.size() > config_.resend_events)
            recent_.pop_front();
    }
    if (next.source != config_.source) {
        changed.push_back("source '" + config_.source + "' => '" + next.source + "'");
        // The old file's keys leave the dataset; the new file's come in.
        try {
            dataset_.replace_subtree(Path{}, source_, json::object());
        } catch (const std::exception& e) {
            log_warning("source " + config_.source + ": " + e.what());
        }
        source_ = json::object();
        source_watch_ = FileWatch(next.source);
        config_.source = next.source;
        reload_source();
    }
    if (next.brokers != config_.brokers) {
        changed.push_back("brokers");
        flush(); // pending ops to the brokers that had the ones before: their gens follow
        std::vector<std::unique_ptr<Uplink>> kept;
        for (const auto& b : next.brokers) {
            auto it = std::find_if(uplinks_.begin(), uplinks_.end(),
                                   [&](const auto& u) { return u && u->endpoint() == b; });
            if (it != uplinks_.end()) {
                kept.push_back(std::move(*it));
                continue;
            }
            // A broker new to this node: its full and recent events, as after a reconnection.
            try {
                kept.push_back(std::make_unique<Uplink>(ctx_, b, config_.curve));
            } catch (const std::exception& e) { // a bad endpoint: the others still go on
                log_error("broker " + b + ": " + e.what() + "; skipped");
                continue;
            }
            send_full(*kept.back());
            resend(*kept.back());
            log_info("broker " + b + " added");
        }
        for (const auto& u : uplinks_)
            if (u) log_info("broker " + u->endpoint() + " removed");
        uplinks_ = std::move(kept);
        config_.brokers = next.brokers;
        uplinks_changed_ = true;
    }
    std::string summary;
    for (const auto& c : changed)
        summary += (summary.empty() ? "" : ", ") + c;
    log_info("config " + file + " reloaded" +
             (summary.empty() ? " (nothing om-pub uses changed)" : ": " + summary));
    for (const auto& k : later)
        log_warning("config " + file + ": '" + k +
                    "' changed; it takes effect when om-pub restarts");
}

} // namespace om::publisher
