// A ZAP handler (ZeroMQ's authentication protocol, RFC 27): when CURVE is on, libzmq asks
// it, over inproc in the same context, whether a client key may connect. The decision is
// the owner's (the broker's keys by node and reader, the relay's readers); this unit speaks
// the protocol and counts.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <zmq.hpp>

namespace om {

struct ZapStats {
    std::uint64_t accepted = 0, denied = 0;
};

class ZapServer {
  public:
    // Decides one CURVE client: the connection's User-Id when admitted (may be empty), nullopt
    // when refused. `domain` is the one the server socket was given (curve_server).
    using Decide =
        std::function<std::optional<std::string>(std::string_view domain, const std::string& key)>;

    // Binds the ZAP endpoint in ctx; to be made before any CURVE socket binds.
    ZapServer(zmq::context_t& ctx, Decide decide);

    zmq::socket_t& socket() { return socket_; }
    // Answers one waiting request, if any; a refusal is logged with the key and the address.
    void on_request();
    const ZapStats& stats() const { return stats_; }

  private:
    Decide decide_;
    zmq::socket_t socket_;
    ZapStats stats_;
};

} // namespace om
