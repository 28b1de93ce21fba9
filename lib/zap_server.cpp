// ZAP requests from libzmq, answered by the owner's decision.
#include "zap_server.hpp"

#include "curve.hpp"
#include "log.hpp"

#include <iterator>
#include <vector>
#include <zmq_addon.hpp>

namespace om {

ZapServer::ZapServer(zmq::context_t& ctx, Decide decide)
    : decide_(std::move(decide)), socket_(ctx, zmq::socket_type::rep) {
    socket_.set(zmq::sockopt::linger, 0);
    socket_.bind("inproc://zeromq.zap.01");
}

void ZapServer::on_request() {
    // Request: VERSION | REQUEST_ID | DOMAIN | ADDRESS | IDENTITY | MECHANISM | CREDENTIALS...
    std::vector<zmq::message_t> f;
    if (!zmq::recv_multipart(socket_, std::back_inserter(f), zmq::recv_flags::dontwait)) return;
    std::string status = "400", text = "denied", user;
    if (f.size() >= 7 && f[0].to_string_view() == "1.0" && f[5].to_string_view() == "CURVE") {
        const auto domain = f[2].to_string_view();
        const auto key = curve_z85(f[6].to_string_view());
        if (auto admitted = decide_(domain, key)) {
            status = "200", text = "OK", user = std::move(*admitted);
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

} // namespace om
