// Journal: the broker's own events (hb_beating, hb_stale, forget_peer, blacklist_add) kept
// in a file, so that a restarted broker publishes again those of its previous runs that are
// still within the replay age: a subscriber that was away, or that the killed run never
// reached, gets them from the new run's window. Nodes' events need no journal here: each
// om-pub sends its recent events again when it reconnects.
//
// The file holds one JSON line per event, appended with one write(2) each before the event
// is published (a crash in between loses nothing; a torn last line is ignored at load):
//   {"ts":T,"nodename":N,"id":ID,"data":{...}}
// where nodename is the broker's name on that run and data the event's data object.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <string>

namespace om::broker {

class Journal {
  public:
    struct Entry {
        double ts = 0; // when the broker made the event (wall clock, seconds)
        std::string nodename, id;
        std::string data; // the serialized data object
    };

    // Opens (creating it if missing) the journal at path and loads the entries made at most
    // max_age before now_ts, at most max_events of them (the newest); the file is rewritten
    // with just those. Throws std::runtime_error naming the path when it cannot be used, or
    // when another process holds it (<path>.lock).
    Journal(std::string path, std::chrono::milliseconds max_age, std::size_t max_events,
            double now_ts);
    ~Journal();
    Journal(const Journal&) = delete;
    Journal& operator=(const Journal&) = delete;

    // What the file holds, oldest first: before the first append, what the previous runs
    // left.
    const std::deque<Entry>& entries() const { return kept_; }
    // Lines of the file that were not entries (a torn last line, garbage), skipped at load.
    std::size_t skipped() const { return skipped_; }
    const std::string& path() const { return path_; }

    // Appends one event. Returns false on an I/O error (the caller logs it; the event is
    // still published).
    bool append(const Entry& e);

  private:
    void rewrite(); // the file holds exactly kept_, written aside and renamed over
    void trim(double now_ts);

    std::string path_;
    std::chrono::milliseconds max_age_;
    std::size_t max_events_;
    std::deque<Entry> kept_; // what the file holds, as entries
    std::size_t skipped_ = 0;
    int fd_ = -1;
    int lock_fd_ = -1; // flock'ed <path>.lock: one broker per journal
};

} // namespace om::broker
