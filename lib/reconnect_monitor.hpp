// ReconnectMonitor: tells when a connecting ZeroMQ socket has connected again, that is, when
// the peer it follows went away and came back (a restarted broker). Built on
// zmq_socket_monitor, watching ZMQ_EVENT_CONNECTED only.
#pragma once

#include <cstdint>
#include <zmq.hpp>

namespace om {

class ReconnectMonitor {
  public:
    // Starts monitoring `watched` (a socket of `ctx` that connects). Throws zmq::error_t.
    ReconnectMonitor(zmq::context_t& ctx, zmq::socket_t& watched);

    // True when `watched` connected again since the last call (its first connection does
    // not count). Drains the pending events; never blocks.
    bool reconnected();

    // True when the peer refused the socket's key (ZAP) since the last call, as seen by the
    // last reconnected(). libzmq never reconnects after such a refusal: the owner must.
    bool refused();

    // Readable when reconnected() may be true: for a poll set.
    zmq::socket_t& socket() { return events_; }

  private:
    zmq::socket_t events_;
    std::uint64_t connects_ = 0;
    bool refused_ = false;
};

} // namespace om
