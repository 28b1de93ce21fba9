// Reading socket monitor events; counting the peers of a bound socket.
#include "socket_monitor.hpp"

#include <atomic>
#include <cstring>
#include <iterator>
#include <string>
#include <vector>
#include <zmq_addon.hpp>

namespace om {

namespace {
// Starts monitoring `watched` on an inproc endpoint unique in the process and returns the
// socket connected to it.
zmq::socket_t start_monitor(zmq::context_t& ctx, zmq::socket_t& watched, int mask) {
    static std::atomic<std::uint64_t> next{0};
    const auto endpoint = "inproc://ombus-monitor-" + std::to_string(next++);
    if (zmq_socket_monitor(watched.handle(), endpoint.c_str(), mask) != 0) throw zmq::error_t();
    zmq::socket_t events(ctx, zmq::socket_type::pair);
    events.set(zmq::sockopt::linger, 0);
    events.connect(endpoint);
    return events;
}
} // namespace

MonitorSocket::MonitorSocket(zmq::context_t& ctx, zmq::socket_t& watched, int mask)
    : watched_(watched.handle()), events_(start_monitor(ctx, watched, mask)) {}

MonitorSocket::~MonitorSocket() {
    // A null endpoint stops the monitoring (libzmq closes its sending end), so that no event
    // is sent after this socket is gone; what was sent already is read and freed here.
    zmq_socket_monitor(watched_, nullptr, 0);
    while (next()) {
    }
}

std::optional<std::uint16_t> MonitorSocket::next() {
    std::vector<zmq::message_t> event;
    if (!zmq::recv_multipart(events_, std::back_inserter(event), zmq::recv_flags::dontwait))
        return std::nullopt;
    // A monitor event is two frames: [u16 event id, u32 value], then the endpoint.
    std::uint16_t id = 0;
    if (event[0].size() >= sizeof id) std::memcpy(&id, event[0].data(), sizeof id);
    return id;
}

PeerCount::PeerCount(zmq::context_t& ctx, zmq::socket_t& watched)
    : events_(ctx, watched, ZMQ_EVENT_ACCEPTED | ZMQ_EVENT_DISCONNECTED) {}

std::uint64_t PeerCount::take() {
    // Every accepted connection ends with one disconnected event, a refused handshake too.
    while (const auto id = events_.next()) {
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
