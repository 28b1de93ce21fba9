// ZAP requests from libzmq, answered from the [security] keys of the broker config.
#include "auth.hpp"

#include "curve.hpp"
#include "log.hpp"

#include <algorithm>
#include <iterator>
#include <vector>
#include <zmq_addon.hpp>

namespace om::broker {

Auth::Auth(zmq::context_t& ctx, const BrokerConfig& config)
    : config_(config), socket_(ctx, zmq::socket_type::rep) {
    socket_.set(zmq::sockopt::linger, 0);
    socket_.bind("inproc://zeromq.zap.01");
}

void Auth::on_request() {
    // Request: VERSION | REQUEST_ID | DOMAIN | ADDRESS | IDENTITY | MECHANISM | CREDENTIALS...
    std::vector<zmq::message_t> f;
    if (!zmq::recv_multipart(socket_, std::back_inserter(f), zmq::recv_flags::dontwait)) return;
    std::string status = "400", text = "denied", user;
    if (f.size() >= 7 && f[0].to_string_view() == "1.0" && f[5].to_string_view() == "CURVE") {
        const auto domain = f[2].to_string_view();
        const auto key = curve_z85(f[6].to_string_view());
        const auto node = config_.curve_nodes.find(key);
        const auto& subs = config_.curve_subscribers;
        if (node != config_.curve_nodes.end()) {
            status = "200", text = "OK";
            if (domain == kIngestDomain) user = node->second; // the name it may write
        } else if (domain == kReadDomain &&
                   std::find(subs.begin(), subs.end(), key) != subs.end()) {
            status = "200", text = "OK";
        }
        if (status == "200") {
            ++stats_.accepted;
        } else {
            ++stats_.denied;
            log_warning("CURVE key " + key + " from " + f[3].to_string() + " refused on " +
                        std::string(domain) + ": not in [security]");
        }
    }
    // Reply: VERSION | REQUEST_ID | STATUS_CODE | STATUS_TEXT | USER_ID | METADATA
    const std::string request_id = f.size() > 1 ? f[1].to_string() : "";
    socket_.send(zmq::str_buffer("1.0"), zmq::send_flags::sndmore);
    socket_.send(zmq::buffer(request_id), zmq::send_flags::sndmore);
    socket_.send(zmq::buffer(status), zmq::send_flags::sndmore);
    socket_.send(zmq::buffer(text), zmq::send_flags::sndmore);
    socket_.send(zmq::buffer(user), zmq::send_flags::sndmore);
    socket_.send(zmq::str_buffer(""), zmq::send_flags::none);
}

} // namespace om::broker
