// Cursor: which events the hook runner has handled, persisted so that a restart neither
// loses nor repeats them. `seq` is the last event sequence of `epoch` up to which every
// event is handled; `done` holds the handled ranges above it (hooks finish out of order).
// An event that can no longer arrive (older than the broker's replay window) counts as
// handled, so that the cursor never waits for it.
//
// It also keeps what a broker run's numbers cannot say on another run (after a failover,
// or a restart against the next broker): the origins of the node events handled
// (Origins), those of an earlier run that finish after the move included, and the time of
// the last of them, `ts`, for the broker's own events.
//
// Two files keep it: `path`, a JSON snapshot {"epoch", "seq", "done": [[from, to]...],
// "origins": {...}, "ts"}, replaced atomically (write, then rename), and `path.journal`,
// where each flush appends one line "EPOCH FROM TO" per range handled since, and one line
// "o INC EID TS NODE" per event handled (EID 0 for the broker's own). A killed runner
// leaves a whole snapshot and whole journal lines (a torn last line is ignored). Appending costs a
// write(2); a rename costs a data flush on ext4, so the journal is folded into the
// snapshot only every few thousand lines, at a new epoch, when the runner is idle, and at
// exit: the snapshot alone is exact whenever the runner is idle.
#pragma once

#include "origins.hpp"

#include <cstdint>
#include <map>
#include <string>

namespace om::hooks {

// What names an event beyond one broker run: its node and origin (wire.hpp; inc and eid
// 0 for the broker's own event) and its time.
struct EventOrigin {
    std::string node;
    std::uint64_t inc = 0, eid = 0;
    double ts = 0;
};

class Cursor {
  public:
    explicit Cursor(std::string path);
    ~Cursor();
    Cursor(const Cursor&) = delete;
    Cursor& operator=(const Cursor&) = delete;

    // Loads the snapshot and replays the journal; false when there is neither (first
    // start). Throws on a corrupt snapshot.
    bool load();

    // True when (epoch, seq) was handled already.
    bool handled(std::uint64_t epoch, std::uint64_t seq) const;
    // An event delivered, with `jobs` executions to wait for (0: handled at once). Events
    // arrive in sequence order, so the ones skipped before `seq` are gone for good. An
    // origin without a node (an event had already) is not recorded again.
    void begin(std::uint64_t epoch, std::uint64_t seq, int jobs, EventOrigin origin = {});
    // One execution of (epoch, seq) finished; (epoch, seq) may be of an earlier epoch.
    void finish(std::uint64_t epoch, std::uint64_t seq);

    // Appends what changed to the journal (or folds it in, see above). Throws when the
    // cursor cannot be written.
    void flush();
    // Writes the snapshot and empties the journal, if the journal holds anything.
    void compact();

    std::uint64_t epoch() const { return epoch_; }
    std::uint64_t seq() const { return seq_; }
    // The node events handled (of any epoch), and the time of the last event.
    const om::Origins& had() const { return had_; }
    double ts() const { return ts_; }
    // When the cursor began (its first start without --catch-up), else 0: events emitted
    // before are not for it, even when a broker sends them again.
    double since() const { return since_; }
    void set_since(double ts) { since_ = ts; }
    const std::string& path() const { return path_; }
    // Ranges handled above seq (out of order, or lost); for the tests.
    std::size_t ranges() const { return done_.size(); }

  private:
    void switch_epoch(std::uint64_t epoch);
    void mark_done(std::uint64_t from, std::uint64_t to); // in memory only
    // Event (epoch, seq) handled: its range (when of the current epoch) and its origin,
    // noted at once, not when seq_ passes it, so that a long hook below it does not make it
    // run again after a restart against another broker run.
    void handle(std::uint64_t epoch, std::uint64_t seq, const EventOrigin& origin);
    void note(std::uint64_t inc, std::uint64_t eid, double ts, std::string_view node);
    void record(std::uint64_t from, std::uint64_t to); // and in the next journal write
    void save_snapshot() const;
    void open_journal();

    std::string path_, journal_path_;
    std::uint64_t epoch_ = 0, seq_ = 0;
    std::map<std::uint64_t, std::uint64_t> done_; // from -> to, handled, above seq_, disjoint
    // Events begun and not yet handled, of any epoch (a failover leaves some running):
    // (epoch, seq) -> executions still running or queued, and the event's origin.
    struct Pending {
        int jobs = 0;
        EventOrigin origin;
    };
    std::map<std::pair<std::uint64_t, std::uint64_t>, Pending> pending_;
    om::Origins had_;
    double ts_ = 0;
    double since_ = 0;
    std::uint64_t last_delivered_ = 0; // highest sequence begun in this epoch (seq_ after load)
    std::string unwritten_;            // journal lines not yet appended
    bool snapshot_stale_ = false;      // a new epoch: the journal cannot describe it
    int journal_fd_ = -1;
    std::size_t journal_lines_ = 0;
};

} // namespace om::hooks
