// Tests of lib/reconnect_monitor: the first connection does not count, a second one does.
#include "reconnect_monitor.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>
#include <chrono>

using om::ReconnectMonitor;

namespace {
// Polls the monitor (20 ms at a time) until pred() holds, for at most 5 s.
template <class Pred> bool within_5s(ReconnectMonitor& m, Pred pred) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (std::chrono::steady_clock::now() < deadline) {
        zmq::pollitem_t item{m.socket().handle(), 0, ZMQ_POLLIN, 0};
        zmq::poll(&item, 1, std::chrono::milliseconds(20));
        if (pred()) return true;
    }
    return false;
}
} // namespace

TEST_CASE("reconnect monitor: the first connection is not a reconnection, the next one is") {
    unit::TempDir dir("monitor");
    const auto endpoint = "ipc://" + dir.file("peer");
    zmq::context_t ctx(1);
    zmq::socket_t dealer(ctx, zmq::socket_type::dealer);
    dealer.set(zmq::sockopt::linger, 0);
    dealer.set(zmq::sockopt::reconnect_ivl, 20);
    ReconnectMonitor monitor(ctx, dealer);
    auto peer = std::make_unique<zmq::socket_t>(ctx, zmq::socket_type::router);
    peer->set(zmq::sockopt::linger, 0);
    peer->bind(endpoint);
    dealer.connect(endpoint);
    // The first connection: an event arrives, and it is not a reconnection.
    zmq::pollitem_t item{monitor.socket().handle(), 0, ZMQ_POLLIN, 0};
    zmq::poll(&item, 1, std::chrono::milliseconds(5000));
    REQUIRE((item.revents & ZMQ_POLLIN));
    CHECK_FALSE(monitor.reconnected());
    // The peer goes away and comes back on the same endpoint (a restarted broker).
    peer.reset();
    peer = std::make_unique<zmq::socket_t>(ctx, zmq::socket_type::router);
    peer->set(zmq::sockopt::linger, 0);
    peer->bind(endpoint);
    CHECK(within_5s(monitor, [&] { return monitor.reconnected(); }));
    CHECK_FALSE(monitor.reconnected()); // drained: once per reconnection
    peer.reset();
}
