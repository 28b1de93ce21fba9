// Cursor: which events the hook runner has handled, persisted so that a restart neither
// loses nor repeats them. `seq` is the last event sequence of `epoch` up to which every
// event is handled; `done` holds the handled ones above it (hooks finish out of order).
// The file is replaced atomically (write, then rename), so a killed runner leaves either
// the old cursor or the new one, never a torn file. Changes are written by flush(), which
// the runner calls once per pass of its loop: one write for a batch of finished hooks.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>

namespace om::hooks {

class Cursor {
  public:
    explicit Cursor(std::string path);

    // Loads the file; false when there is none (first start). Throws on a corrupt file.
    bool load();

    // True when (epoch, seq) was handled already.
    bool handled(std::uint64_t epoch, std::uint64_t seq) const;
    // An event delivered, with `jobs` executions to wait for (0: handled at once).
    void begin(std::uint64_t epoch, std::uint64_t seq, int jobs);
    // One execution of (epoch, seq) finished.
    void finish(std::uint64_t epoch, std::uint64_t seq);
    // Events up to seq are gone (older than the replay window): nothing to wait for.
    void skip_to(std::uint64_t epoch, std::uint64_t seq);
    // Writes the cursor file if anything changed since the last write. Throws when it
    // cannot be written.
    void flush();

    std::uint64_t epoch() const { return epoch_; }
    std::uint64_t seq() const { return seq_; }
    const std::string& path() const { return path_; }

  private:
    void switch_epoch(std::uint64_t epoch);
    void advance();
    void save() const;
    bool dirty_ = false;

    std::string path_;
    std::uint64_t epoch_ = 0, seq_ = 0;
    std::set<std::uint64_t> done_;         // handled, above seq_
    std::set<std::uint64_t> delivered_;    // delivered, above seq_ (handled or not)
    std::map<std::uint64_t, int> pending_; // seq -> executions still running or queued
};

} // namespace om::hooks
