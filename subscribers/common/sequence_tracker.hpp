// SequenceTracker: the loss rules of docs/protocol.md, without sockets. Given the META of
// each patch and event and each tick of one broker run, it says what to do: deliver, skip
// (had already), report patches lost for good, fetch events from the replay window, or
// resync with the broker. It keeps the last sequence seen per kind and per whole-topic
// subscription; the connection acts on its answers.
#pragma once

#include "wire.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace om::sub {

// Messages that passed unseen: sequences from..to of a kind, or `count` of one topic.
struct Loss {
    std::uint64_t from = 0, to = 0; // a range of kseq when to >= from > 0
    std::uint64_t count = 0;        // else this many of one whole topic (tseq)
    bool any() const { return count > 0 || (from > 0 && to >= from); }
};

class SequenceTracker {
  public:
    // `topics`: the subscriptions, as ConnectionOptions::topics; `state`: a replica follows
    // the patches (their loss is the replica's seam rule, not this tracker's).
    SequenceTracker(std::vector<std::string> topics, bool state);

    // The subscription `topic` falls under, or nullptr when none.
    const std::string* subscription(const std::string& topic) const;

    // The broker run followed; 0 before the first.
    std::uint64_t epoch() const { return epoch_; }
    // True when a META or tick of `epoch` belongs to the run followed.
    bool same_run(std::uint64_t epoch) const { return epoch == epoch_; }
    // Follows run `epoch` from its sequences (eseq, pseq): a start that takes what comes
    // next (nothing before is lost), or a resume where a cursor says.
    void follow(std::uint64_t epoch, std::uint64_t eseq, std::uint64_t pseq);
    // Follows another run from its start: its numbers are not the previous run's.
    void restart(std::uint64_t epoch) { follow(epoch, 0, 0); }

    // --- patches, without a replica ---
    struct PatchVerdict {
        bool deliver = false;
        Loss lost; // reported: a patch stream without replica cannot recover it
    };
    PatchVerdict on_patch(const std::string& topic, const wire::Meta& meta);

    // --- events ---
    enum class EventVerdict {
        ignore,  // not subscribed to, or delivered already (by a replay)
        replay,  // events before it were missed: replay after last_event(), then deliver it
                 // unless had() says it came with the replay
        deliver, // in sequence
    };
    EventVerdict on_event(const std::string& topic, const wire::Meta& meta) const;
    // True when events up to `kseq` were handled (delivered, skipped or passed).
    bool had(std::uint64_t kseq) const { return kseq <= last_eseq_; }
    std::uint64_t last_event() const { return last_eseq_; }
    // Records an event delivered (or skipped as had): its kind's and its topic's sequence.
    void event_handled(const std::string& topic, const wire::Meta& meta);
    // Records an event of the replay that this subscription does not take.
    void event_passed(std::uint64_t kseq);
    // A replay refused as too old: events after last_event() before `oldest` are gone. The
    // range lost, and the tracker moves past it; nothing when `oldest` would not get
    // further (a broker breaking the protocol: asking again would loop).
    std::optional<Loss> too_old(std::uint64_t oldest);

    // --- ticks ---
    struct TickVerdict {
        bool other_run = false; // the broker restarted: resync with its new run
        Loss replica_behind;    // state mode: patches after the replica's, missed: resync
        Loss patches_lost;      // without a replica, patches passed unseen (reported)
        bool replay = false;    // events missed: replay after last_event()
    };
    // `replica_pseq`: the replica's patch id when one is synced.
    TickVerdict on_tick(const wire::Tick& tick, std::optional<std::uint64_t> replica_pseq);

  private:
    bool takes_all(std::string_view kind) const; // subscribed to "" or to `kind`
    Loss pass_patches_before(std::uint64_t next);

    std::vector<std::string> topics_;
    bool state_;
    std::uint64_t epoch_ = 0;
    std::uint64_t last_eseq_ = 0; // event sequence of the last event handled
    std::uint64_t last_pseq_ = 0; // patch sequence seen, without a replica
    std::map<std::string, std::uint64_t> last_topic_seq_; // per whole-topic subscription
};

} // namespace om::sub
