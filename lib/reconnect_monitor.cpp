// ZMQ_EVENT_CONNECTED events of one socket, counted, and its refused handshakes.
#include "reconnect_monitor.hpp"

#include <atomic>
#include <cstring>
#include <iterator>
#include <string>
#include <zmq_addon.hpp>

namespace om {

namespace {
// An inproc endpoint unique in the process, for one monitor's events.
std::string monitor_endpoint() {
    static std::atomic<std::uint64_t> next{0};
    return "inproc://ombus-reconnect-monitor-" + std::to_string(next++);
}
} // namespace

ReconnectMonitor::ReconnectMonitor(zmq::context_t& ctx, zmq::socket_t& watched)
    : events_(ctx, zmq::socket_type::pair) {
    const auto endpoint = monitor_endpoint();
    if (zmq_socket_monitor(watched.handle(), endpoint.c_str(),
                           ZMQ_EVENT_CONNECTED | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) != 0)
        throw zmq::error_t();
    events_.set(zmq::sockopt::linger, 0);
    events_.connect(endpoint);
}

ReconnectMonitor::Seen ReconnectMonitor::take() {
    Seen seen;
    std::vector<zmq::message_t> event;
    while (zmq::recv_multipart(events_, std::back_inserter(event), zmq::recv_flags::dontwait)) {
        // A monitor event is two frames: [u16 event id, u32 value], then the endpoint.
        std::uint16_t id = 0;
        if (event[0].size() >= sizeof id) std::memcpy(&id, event[0].data(), sizeof id);
        event.clear();
        if (id == ZMQ_EVENT_CONNECTED && ++connects_ > 1) seen.reconnected = true;
        if (id == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) seen.refused = true;
    }
    return seen;
}

} // namespace om
