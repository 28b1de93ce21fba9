// REQ client of the om-pub control socket.
#include "control_client.hpp"

#include <zmq.hpp>

namespace om::publisher {

ControlReply control_request(const std::string& endpoint, const std::vector<std::string>& frames,
                             std::chrono::milliseconds timeout) {
    zmq::context_t ctx(1);
    zmq::socket_t s(ctx, zmq::socket_type::req);
    s.set(zmq::sockopt::linger, 0);
    s.set(zmq::sockopt::rcvtimeo, static_cast<int>(timeout.count()));
    s.set(zmq::sockopt::sndtimeo, static_cast<int>(timeout.count()));
    s.connect(endpoint);
    for (std::size_t i = 0; i < frames.size(); ++i)
        if (!s.send(zmq::buffer(frames[i]),
                    i + 1 < frames.size() ? zmq::send_flags::sndmore : zmq::send_flags::none))
            return {};
    zmq::message_t reply;
    if (!s.recv(reply)) return {};
    return {true, reply.to_string()};
}

} // namespace om::publisher
