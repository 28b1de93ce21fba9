// DEALER connection to a broker.
#include "uplink.hpp"

#include "curve.hpp"

namespace om::publisher {

Uplink::Uplink(zmq::context_t& ctx, const std::string& endpoint, const ClientCurve& curve)
    : endpoint_(endpoint), socket_(ctx, zmq::socket_type::dealer), monitor_(ctx, socket_) {
    if (curve.enabled()) curve_client(socket_, curve.secret_key, curve.broker_public_key);
    // Heartbeats queue while the connection is being made (the first full must not be
    // lost); past the high-water mark they are dropped and the broker asks for a full.
    socket_.set(zmq::sockopt::sndhwm, 100000);
    socket_.set(zmq::sockopt::linger, 0);
    socket_.set(zmq::sockopt::reconnect_ivl, 100);
    socket_.set(zmq::sockopt::reconnect_ivl_max, 2000);
    socket_.connect(endpoint);
}

bool Uplink::send(const std::string& frame) {
    try {
        return socket_.send(zmq::buffer(frame), zmq::send_flags::dontwait).has_value();
    } catch (const zmq::error_t&) {
        return false;
    }
}

bool Uplink::receive(std::string& out) {
    zmq::message_t msg;
    if (!socket_.recv(msg, zmq::recv_flags::dontwait)) return false;
    out = msg.to_string();
    while (msg.more())
        (void)socket_.recv(msg, zmq::recv_flags::dontwait);
    return true;
}

} // namespace om::publisher
