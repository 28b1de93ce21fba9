// Socket monitors: the events libzmq reports about one socket's connections
// (zmq_socket_monitor), read from the PAIR socket they arrive on. ReconnectMonitor and
// PeerCount are built on these.
#pragma once

#include <cstdint>
#include <optional>
#include <zmq.hpp>

namespace om {

// Starts monitoring `watched` for the events of `mask` (ZMQ_EVENT_*) and returns the socket
// they arrive on. Throws zmq::error_t.
zmq::socket_t monitor_socket(zmq::context_t& ctx, zmq::socket_t& watched, int mask);

// The id of the next event waiting on `monitor`; nullopt when none is. Never blocks.
std::optional<std::uint16_t> next_monitor_event(zmq::socket_t& monitor);

// PeerCount: how many peers are connected to a socket that binds (the broker's subscribers
// on its pub socket), from its monitor's accepted and disconnected events. Its socket()
// must be drained (take()) whenever it is readable, or events are dropped past libzmq's
// queue and the count drifts.
class PeerCount {
  public:
    PeerCount(zmq::context_t& ctx, zmq::socket_t& watched);
    // Reads the events waiting; returns the peers connected now.
    std::uint64_t take();
    std::uint64_t count() const { return peers_; }
    // Accepted connections since the start.
    std::uint64_t accepted() const { return accepted_; }
    zmq::socket_t& socket() { return events_; }

  private:
    zmq::socket_t events_;
    std::uint64_t peers_ = 0, accepted_ = 0;
};

} // namespace om
