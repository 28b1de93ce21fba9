// Socket monitors: the events libzmq reports about one socket's connections
// (zmq_socket_monitor), read from the PAIR socket they arrive on. ReconnectMonitor and
// PeerCount are built on these.
#pragma once

#include <cstdint>
#include <optional>
#include <zmq.hpp>

namespace om {

// MonitorSocket: the socket a monitor's events arrive on, tied to the socket it watches.
// Its destructor stops the monitoring before it closes: libzmq's I/O thread may still send
// an event (a disconnection) to a monitor whose reading end is closed, and such an event is
// never freed (LeakSanitizer saw it) or, in older libzmq, blocks that thread. `watched`
// must outlive it: declare the monitor after the socket it watches.
class MonitorSocket {
  public:
    // Starts monitoring `watched` for the events of `mask` (ZMQ_EVENT_*). Throws
    // zmq::error_t.
    MonitorSocket(zmq::context_t& ctx, zmq::socket_t& watched, int mask);
    ~MonitorSocket();
    MonitorSocket(const MonitorSocket&) = delete;
    MonitorSocket& operator=(const MonitorSocket&) = delete;

    // The id of the next event waiting; nullopt when none is. Never blocks.
    std::optional<std::uint16_t> next();
    zmq::socket_t& socket() { return events_; }

  private:
    void* watched_;
    zmq::socket_t events_;
};

// PeerCount: how many peers are connected to a socket that binds (the broker's subscribers
// on its pub socket), from its monitor's accepted and disconnected events. Its socket()
// must be drained (take()) whenever it is readable, or events are dropped past libzmq's
// queue and the count drifts. `watched` must outlive it.
class PeerCount {
  public:
    PeerCount(zmq::context_t& ctx, zmq::socket_t& watched);
    // Reads the events waiting; returns the peers connected now.
    std::uint64_t take();
    std::uint64_t count() const { return peers_; }
    // Accepted connections since the start.
    std::uint64_t accepted() const { return accepted_; }
    zmq::socket_t& socket() { return events_.socket(); }

  private:
    MonitorSocket events_;
    std::uint64_t peers_ = 0, accepted_ = 0;
};

} // namespace om
