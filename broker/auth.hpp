// The broker's ZAP handler (ZeroMQ's authentication protocol, RFC 27): when CURVE is on,
// libzmq asks it, over inproc, whether a client key may connect. On the ingest socket a node
// key is accepted with its nodename as the connection's User-Id, so that a heartbeat
// claiming another name is refused; on pub and api, node and subscriber keys are accepted.
#pragma once

#include "config.hpp"

#include <cstdint>
#include <zmq.hpp>

namespace om::broker {

inline constexpr const char* kIngestDomain = "ingest";
inline constexpr const char* kReadDomain = "read"; // pub and api

struct AuthStats {
    std::uint64_t accepted = 0, denied = 0;
};

class Auth {
  public:
    // Binds the ZAP endpoint in ctx; to be made before any CURVE socket binds.
    Auth(zmq::context_t& ctx, const BrokerConfig& config);

    zmq::socket_t& socket() { return socket_; }
    // Answers one waiting ZAP request, if any.
    void on_request();
    const AuthStats& stats() const { return stats_; }

  private:
    const BrokerConfig& config_;
    zmq::socket_t socket_;
    AuthStats stats_;
};

} // namespace om::broker
