// Uplink: the connection of om-pub to one broker's ingest endpoint (a DEALER socket).
// Sends never block: with no broker connected, a heartbeat is dropped, and the broker asks
// for a full when it sees the gap. A socket monitor tells when the connection is made
// again (a broker restarted), so that the node sends its full at once rather than at its
// next ping. A broker that refuses the node's CURVE key is asked again later (libzmq gives
// up on such a connection for good), so a key added to the broker while the node runs is
// taken at its next handshake.
#pragma once

#include "config.hpp"
#include "reconnect_monitor.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <zmq.hpp>

namespace om::publisher {

class Uplink {
  public:
    // Connects to endpoint, with CURVE when `curve` is enabled.
    Uplink(zmq::context_t& ctx, const std::string& endpoint, const ClientCurve& curve = {});

    // Sends one heartbeat frame; false when it was dropped.
    bool send(const std::string& frame);
    // Receives a broker request if one is waiting; returns true and fills `out` then.
    bool receive(std::string& out);

    // The broker refused the key: connects again after a delay, 1 s doubling to 30 s,
    // back to 1 s once the broker talks to this node.
    void refused();
    // Connects again when a refusal's delay is over; call it every loop turn.
    void retry_if_due();

    zmq::socket_t& socket() { return socket_; }
    ReconnectMonitor& monitor() { return monitor_; }
    // Connected to the broker, as its monitor last told.
    bool connected() const { return monitor_.connected(); }
    const std::string& endpoint() const { return endpoint_; }

  private:
    std::string endpoint_;
    zmq::socket_t socket_;
    ReconnectMonitor monitor_;
    std::optional<std::chrono::steady_clock::time_point> retry_at_;
    std::chrono::seconds retry_delay_{1};
};

} // namespace om::publisher
