// The om-pub daemon's reload of its config file: what changed is applied while running,
// or named as waiting for a restart, and told to the cluster as one node_config_change.
#include "file_text.hpp"
#include "log.hpp"
#include "publisher.hpp"

#include <algorithm>
#include <optional>

namespace om::publisher {

void Publisher::remember_config() {
    if (config_file_.empty()) return;
    std::error_code ec;
    config_mtime_ = std::filesystem::last_write_time(config_file_, ec);
    config_text_ = read_file_text(config_file_).value_or("");
}

void Publisher::reload_config(bool asked) {
    if (config_file_.empty() || !loader_) {
        if (asked) log_info("reload asked, but no config file is in use");
        return;
    }
    std::error_code ec;
    const auto mtime = std::filesystem::last_write_time(config_file_, ec);
    if (!asked && (ec || mtime == config_mtime_)) return;
    config_mtime_ = mtime;
    const auto text = read_file_text(config_file_);
    if (!text) {
        log_warning("config " + config_file_ + ": cannot read it, the running configuration kept");
        return;
    }
    if (*text == config_text_) {
        if (asked) log_info("config " + config_file_ + " unchanged");
        return;
    }
    config_text_ = *text; // a bad file is reported once, not at every check
    NodeConfig next;
    try {
        next = loader_();
    } catch (const std::exception& e) {
        log_error(std::string(e.what()) + " (the running configuration is kept)");
        return;
    }
    apply_config(next);
    // One event per change of the file, where the original emitted one per daemon thread.
    emit(json{{"id", "node_config_change"}, {"file", config_file_}});
}

void Publisher::apply_config(const NodeConfig& next) {
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
        source_mtime_ = {};
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
    log_info("config " + config_file_ + " reloaded" +
             (summary.empty() ? " (nothing om-pub uses changed)" : ": " + summary));
    for (const auto& k : later)
        log_warning("config " + config_file_ + ": '" + k +
                    "' changed; it takes effect when om-pub restarts");
}

} // namespace om::publisher
