// ReplayWindow: the recent events of one broker run, kept as the very messages published
// (their copies share the bytes), bounded by count and age, and the api's `replay` answer
// over them (docs/protocol.md, "The api socket"). The broker keeps the events it numbers;
// a relay keeps those it forwards.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <vector>
#include <zmq.hpp>

namespace om {

class ReplayWindow {
  public:
    using Clock = std::chrono::steady_clock;

    ReplayWindow(std::size_t max_events, std::chrono::milliseconds max_age)
        : max_events_(max_events), max_age_(max_age) {}

    // Keeps `message`, event sequence `eseq` (the previous one kept plus 1, or the first),
    // then trims.
    void push(std::uint64_t eseq, Clock::time_point at, zmq::message_t message);
    // Drops the events past the bounds.
    void trim(Clock::time_point now);
    void clear() { kept_.clear(); }
    void set_bounds(std::size_t max_events, std::chrono::milliseconds max_age) {
        max_events_ = max_events;
        max_age_ = max_age;
    }

    std::size_t size() const { return kept_.size(); }
    // The sequence of the newest event kept, 0 when empty.
    std::uint64_t newest() const { return kept_.empty() ? 0 : kept_.back().eseq; }
    // Seconds since the oldest event kept arrived (0 when empty).
    double age(Clock::time_point now) const;

    // The answer to {"op":"replay","epoch":epoch,"after":after} from the run `current` whose
    // last event sequence is `eseq`: the JSON header, then each event after `after` as one
    // frame; or one error frame ("epoch": another run, "too_old": events left the window).
    std::vector<zmq::message_t> replay(std::uint64_t epoch, std::uint64_t after,
                                       std::uint64_t current, std::uint64_t eseq);

  private:
    struct Kept {
        std::uint64_t eseq;
        Clock::time_point at;
        zmq::message_t message;
    };
    std::deque<Kept> kept_;
    std::size_t max_events_;
    std::chrono::milliseconds max_age_;
};

} // namespace om
