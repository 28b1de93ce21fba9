// Reading socket monitor events; counting the peers of a bound socket.
#include "socket_monitor.hpp"

#include <atomic>
#include <cstring>
#include <iterator>
#include <string>
#include <vector>
#include <zmq_addon.hpp>

namespace om {

zmq::socket_t monitor_socket(zmq::context_t& ctx, zmq::socket_t& watched, int mask) {
    // An inproc endpoint unique in the process, for one monitor's events.
    static std::atomic<std::uint64_t> next{0};
    const auto endpoint = "inproc://ombus-monitor-" + std::to_string(next++);
    if (zmq_socket_monitor(watched.handle(), endpoint.c_str(), mask) != 0) throw zmq::error_t();
    zmq::socket_t events(ctx, zmq::socket_type::pair);
    events.set(zmq::sockopt::linger, 0);
    events.connect(endpoint);
    return events;
}

std::optional<std::uint16_t> next_monitor_event(zmq::socket_t& monitor) {
    std::vector<zmq::message_t> event;
    if (!zmq::recv_multipart(monitor, std::back_inserter(event), zmq::recv_flags::dontwait))
        return std::nullopt;
    // A monitor event is two frames: [u16 event id, u32 value], then the endpoint.
    std::uint16_t id = 0;
    if (event[0].size() >= sizeof id) std::memcpy(&id, event[0].data(), sizeof id);
    return id;
}

PeerCount::PeerCount(zmq::context_t& ctx, zmq::socket_t& watched)
    : events_(monitor_socket(ctx, watched, ZMQ_EVENT_ACCEPTED | ZMQ_EVENT_DISCONNECTED)) {}

std::uint64_t PeerCount::take() {
    // Every accepted connection ends with one disconnected event, a refused handshake too.
    while (const auto id = next_monitor_event(events_)) {
        if (*id == ZMQ_EVENT_ACCEPTED) {
            ++peers_;
            ++accepted_;
        } else if (*id == ZMQ_EVENT_DISCONNECTED && peers_ > 0) {
            --peers_;
        }
    }
    return peers_;
}

} // namespace om
