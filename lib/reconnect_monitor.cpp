// ZMQ_EVENT_CONNECTED events of one socket, counted, its disconnections and refused
// handshakes.
#include "reconnect_monitor.hpp"

#include "socket_monitor.hpp"

namespace om {

ReconnectMonitor::ReconnectMonitor(zmq::context_t& ctx, zmq::socket_t& watched)
    : events_(ctx, watched,
              ZMQ_EVENT_CONNECTED | ZMQ_EVENT_DISCONNECTED | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) {}

ReconnectMonitor::Seen ReconnectMonitor::take() {
    Seen seen;
    while (const auto id = events_.next()) {
        if (*id == ZMQ_EVENT_CONNECTED) {
            connected_ = true;
            if (++connects_ > 1) seen.reconnected = true;
        }
        if (*id == ZMQ_EVENT_DISCONNECTED) connected_ = false;
        if (*id == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) seen.refused = true;
    }
    return seen;
}

} // namespace om
