// The loss rules of docs/protocol.md ("Following the state"), as verdicts on sequences.
#include "sequence_tracker.hpp"

#include <algorithm>

namespace om::sub {

SequenceTracker::SequenceTracker(std::vector<std::string> topics, bool state)
    : topics_(std::move(topics)), state_(state) {}

const std::string* SequenceTracker::subscription(const std::string& topic) const {
    for (const auto& t : topics_)
        if (topic.starts_with(t)) return &t;
    return nullptr;
}

bool SequenceTracker::takes_all(std::string_view kind) const {
    return std::any_of(topics_.begin(), topics_.end(),
                       [&](const std::string& p) { return p.empty() || p == kind; });
}

void SequenceTracker::follow(std::uint64_t epoch, std::uint64_t eseq, std::uint64_t pseq) {
    epoch_ = epoch;
    last_eseq_ = eseq;
    last_pseq_ = pseq;
    last_topic_seq_.clear();
}

Loss SequenceTracker::pass_patches_before(std::uint64_t next) {
    Loss lost;
    if (next > last_pseq_ + 1) lost = {last_pseq_ + 1, next - 1, 0};
    last_pseq_ = std::max(last_pseq_, next - 1);
    return lost;
}

SequenceTracker::PatchVerdict SequenceTracker::on_patch(const std::string& topic,
                                                        const wire::Meta& meta) {
    PatchVerdict v;
    const auto* sub = subscription(topic);
    if (!sub) return v;
    if (*sub != topic) {
        // Patches of every node: their ids (kseq) follow each other.
        if (meta.kseq <= last_pseq_) return v;
        v.lost = pass_patches_before(meta.kseq);
        last_pseq_ = meta.kseq;
    } else {
        // One node's patches: their topic's sequence follows, from the first one seen.
        auto& last = last_topic_seq_[topic];
        if (last && meta.tseq > last + 1) v.lost.count = meta.tseq - last - 1;
        last = meta.tseq;
    }
    v.deliver = true;
    return v;
}

SequenceTracker::EventVerdict SequenceTracker::on_event(const std::string& topic,
                                                        const wire::Meta& meta) const {
    const auto* sub = subscription(topic);
    if (!sub || meta.kseq <= last_eseq_) return EventVerdict::ignore;
    bool gap;
    if (*sub == topic) {
        // One whole topic: its own sequence, once one of its events was had; before that,
        // any event since the last had may have been one of its.
        const auto it = last_topic_seq_.find(topic);
        gap = it == last_topic_seq_.end() ? meta.kseq > last_eseq_ + 1 : meta.tseq > it->second + 1;
    } else {
        gap = meta.kseq > last_eseq_ + 1;
    }
    return gap ? EventVerdict::replay : EventVerdict::deliver;
}

void SequenceTracker::event_handled(const std::string& topic, const wire::Meta& meta) {
    last_eseq_ = std::max(last_eseq_, meta.kseq);
    if (const auto* sub = subscription(topic); sub && *sub == topic)
        last_topic_seq_[topic] = meta.tseq;
}

void SequenceTracker::event_passed(std::uint64_t kseq) {
    last_eseq_ = std::max(last_eseq_, kseq);
}

std::optional<Loss> SequenceTracker::too_old(std::uint64_t oldest) {
    if (oldest <= last_eseq_ + 1) return std::nullopt;
    const Loss lost{last_eseq_ + 1, oldest - 1, 0};
    last_eseq_ = oldest - 1;
    return lost;
}

SequenceTracker::TickVerdict SequenceTracker::on_tick(const wire::Tick& tick,
                                                      std::optional<std::uint64_t> replica_pseq) {
    TickVerdict v;
    if (tick.epoch != epoch_) {
        v.other_run = true;
        return v;
    }
    if (state_ && replica_pseq && tick.pseq > *replica_pseq)
        v.replica_behind = {*replica_pseq + 1, tick.pseq, 0};
    // Without a replica, a loss at the end of a burst shows at the tick, not at the next
    // patch (which may never come).
    if (!state_ && takes_all(wire::kPatchPrefix))
        v.patches_lost = pass_patches_before(tick.pseq + 1);
    v.replay = takes_all(wire::kEventPrefix) && tick.eseq > last_eseq_;
    return v;
}

} // namespace om::sub
