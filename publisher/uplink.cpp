// DEALER connection to a broker.
#include "uplink.hpp"

#include "curve.hpp"
#include "log.hpp"

#include <algorithm>
#include <iterator>
#include <zmq_addon.hpp>

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
    std::vector<zmq::message_t> frames; // one from the broker; any more are ignored
    if (!zmq::recv_multipart(socket_, std::back_inserter(frames), zmq::recv_flags::dontwait))
        return false;
    out = frames[0].to_string();
    retry_delay_ = std::chrono::seconds(1); // it admitted this node
    return true;
}

void Uplink::refused() {
    if (retry_at_) return;
    log_warning("broker {} refused this node's CURVE key (is it in its [security.nodes] under "
                "this nodename?); trying again in {}s",
                endpoint_, retry_delay_.count());
    retry_at_ = std::chrono::steady_clock::now() + retry_delay_;
    retry_delay_ = std::min<std::chrono::seconds>(retry_delay_ * 2, std::chrono::seconds(30));
}

void Uplink::retry_if_due() {
    if (!retry_at_ || std::chrono::steady_clock::now() < *retry_at_) return;
    retry_at_.reset();
    try {
        socket_.disconnect(endpoint_); // what is left of the refused connection, if any
    } catch (const zmq::error_t&) {
    }
    socket_.connect(endpoint_);
}

} // namespace om::publisher
