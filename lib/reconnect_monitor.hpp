// ReconnectMonitor: tells when a connecting ZeroMQ socket has connected again, that is, when
// the peer it follows went away and came back (a restarted broker). Built on
// zmq_socket_monitor (connections, disconnections, refused CURVE handshakes).
#pragma once

#include "socket_monitor.hpp"

#include <cstdint>
#include <zmq.hpp>

namespace om {

class ReconnectMonitor {
  public:
    // Starts monitoring `watched` (a socket of `ctx` that connects, which must outlive the
    // monitor). Throws zmq::error_t.
    ReconnectMonitor(zmq::context_t& ctx, zmq::socket_t& watched);

    // What happened since the last call: `reconnected` when `watched` connected again (its
    // first connection does not count), `refused` when the peer refused its CURVE key (ZAP;
    // libzmq never reconnects after such a refusal: the owner must). Drains the pending
    // events; never blocks.
    struct Seen {
        bool reconnected = false, refused = false;
    };
    Seen take();
    bool reconnected() { return take().reconnected; }
    // Connected at the last take() (TCP or ipc; the handshake may still fail).
    bool connected() const { return connected_; }

    // Readable when reconnected() may be true: for a poll set.
    zmq::socket_t& socket() { return events_.socket(); }

  private:
    MonitorSocket events_;
    std::uint64_t connects_ = 0;
    bool connected_ = false;
};

} // namespace om
