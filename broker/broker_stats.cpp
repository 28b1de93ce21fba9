// The broker's api `stats` answer: its counters, its nodes' liveness, its subscribers, its
// replay window and journal, its memory (docs/protocol.md, "stats").
#include "broker.hpp"

#include "process_rss.hpp"

namespace om::broker {

json Broker::stats() {
    const auto now = Clock::now();
    const auto& m = cluster_.stats();
    const auto& s = stream_.stats();
    const auto pos = stream_.position();
    json beats = json::object();
    for (const auto& b : cluster_.beats(now))
        beats[b.nodename] = {{"age", b.age ? json(*b.age) : json(nullptr)}, {"beating", b.beating}};
    json journal = nullptr;
    if (journal_)
        journal = {{"path", journal_->path()},
                   {"kept", journal_->entries().size()},
                   {"resent", journal_resent_},
                   {"failures", journal_failures_}};
    return json{{"status", "ok"},
                {"protocol", wire::kProtocol},
                {"name", config_.name},
                {"version", OMBUS_VERSION},
                {"epoch", epoch_},
                {"uptime", std::chrono::duration<double>(now - started_).count()},
                {"seq", pos.seq},
                {"pseq", pos.pseq},
                {"eseq", pos.eseq},
                {"nodes", cluster_.node_count()},
                {"heartbeats", std::move(beats)},
                // Heartbeats merged, and those refused, one key per reason.
                {"accepted", m.accepted},
                {"duplicates", m.duplicates},
                {"event_repeats", m.event_repeats},
                {"gaps", m.gaps},
                {"unknown", m.unknown},
                {"fulls", m.fulls},
                {"refused", m.refused},
                {"bad_ops", m.bad_ops},
                {"full_requests", m.full_requests},
                {"malformed", malformed_},
                {"oversized", oversized_},
                {"patches", s.patches},
                {"events", s.events},
                {"ticks", s.ticks},
                {"send_failures", s.send_failures},
                {"subscribers", subscribers_.take()},
                {"subscribers_accepted", subscribers_.accepted()},
                {"replay_kept", stream_.replay_size()},
                {"replay_age", stream_.replay_age(now)},
                {"replay_max_events", config_.replay_max_events},
                {"replay_max_age", std::chrono::duration<double>(config_.replay_max_age).count()},
                {"snapshots", snapshots_},
                {"replays", replays_},
                {"protocol_refused", protocol_refused_},
                {"journal", std::move(journal)},
                {"journal_resent", journal_resent_},
                {"journal_failures", journal_failures_},
                {"auth_accepted", auth_ ? auth_->stats().accepted : 0},
                {"auth_denied", auth_ ? auth_->stats().denied : 0},
                {"rss_bytes", resident_bytes()}};
}

} // namespace om::broker
