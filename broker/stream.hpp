// Stream: numbers every outgoing message, publishes it on the PUB socket and keeps recent
// events for replay. The PUB socket never blocks: a subscriber past its high-water mark
// loses messages, and sees it by the sequence numbers (wire.hpp).
#pragma once

#include "frame_arena.hpp"
#include "patch_writer.hpp"
#include "replay_window.hpp"
#include "wire.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <unordered_map>
#include <zmq.hpp>

namespace om::broker {

struct StreamStats {
    std::uint64_t patches = 0, events = 0, ticks = 0, send_failures = 0;
};

class Stream {
  public:
    using Clock = std::chrono::steady_clock;

    Stream(zmq::socket_t& pub, std::uint64_t epoch, std::size_t replay_max_events,
           std::chrono::milliseconds replay_max_age);

    // Publishes a patch from `nodename` with the next patch id.
    void publish_patch(const std::string& nodename, const PatchWriter& ops);
    // Publishes an event: body {"nodename":N,"ts":T,"kind":"event","data":DATA}, DATA being
    // the serialized data object; `origin` when a node emitted it. T is origin.ts when set
    // (a node's event sent again, or a broker's own event with the time it was made and
    // journaled), else now.
    void publish_event(const std::string& nodename, std::string_view id, const std::string& data,
                       const wire::Origin& origin = {});
    // Publishes a tick (the current sequence numbers) and trims the replay window by age.
    void tick();
    // The time of the caller's turn, which the events published until the next call are
    // kept in the replay window under: one clock read per turn instead of one per event
    // (the window ages out by the second).
    void at(Clock::time_point now) { now_ = now; }

    // The replay answer for events after event sequence `after`, as frames to send: the
    // JSON header (wire.hpp), then each event's message as published (sharing its bytes).
    std::vector<zmq::message_t> replay(std::uint64_t epoch, std::uint64_t after);

    wire::Tick position() const { return {epoch_, seq_, pseq_, eseq_}; }
    const StreamStats& stats() const { return stats_; }
    std::size_t replay_size() const { return window_.size(); }
    // Seconds since the oldest event of the replay window was published (0 when empty).
    double replay_age(Clock::time_point now) const { return window_.age(now); }

  private:
    // Publishes frame_ (TOPIC\nMETA\nBODY, built by the caller) as one message; returns
    // the message when `keep` (for the replay window: the frame sent shares its bytes).
    std::optional<zmq::message_t> send(bool keep);
    void trim(Clock::time_point now);

    zmq::socket_t& pub_;
    std::uint64_t epoch_;
    std::uint64_t seq_ = 0, pseq_ = 0, eseq_ = 0;
    std::unordered_map<std::string, std::uint64_t> topic_seq_;
    std::string frame_, meta_;             // the message being built, their capacity reused
    Clock::time_point now_ = Clock::now(); // at()
    FrameArena arena_;                     // the bytes of the events window_ keeps
    ReplayWindow window_;
    StreamStats stats_;
};

} // namespace om::broker
