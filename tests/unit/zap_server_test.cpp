// Tests of lib/zap_server: a CURVE handshake in one context is admitted or refused by the
// owner's decision, which sees the server's domain and the client's key; counted both ways.
#include "curve.hpp"
#include "temp_dir.hpp"
#include "zap_server.hpp"

#include <catch2/catch.hpp>
#include <chrono>

using namespace om;

namespace {
// Sends "hello" from a client with key `client` to a REP server; true when the server got it
// within the deadline, the ZAP requests answered meanwhile.
bool handshake(zmq::context_t& ctx, ZapServer& zap, const CurveKeypair& server,
               const CurveKeypair& client, const std::string& endpoint) {
    zmq::socket_t rep(ctx, zmq::socket_type::rep), req(ctx, zmq::socket_type::req);
    rep.set(zmq::sockopt::linger, 0);
    req.set(zmq::sockopt::linger, 0);
    curve_server(rep, server.secret_key, kReadDomain);
    rep.bind(endpoint);
    curve_client(req, client.secret_key, server.public_key);
    req.connect(endpoint);
    req.send(zmq::str_buffer("hello"), zmq::send_flags::dontwait);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
    zmq::pollitem_t items[] = {{zap.socket().handle(), 0, ZMQ_POLLIN, 0},
                               {rep.handle(), 0, ZMQ_POLLIN, 0}};
    while (std::chrono::steady_clock::now() < deadline) {
        zmq::poll(items, 2, std::chrono::milliseconds(20));
        if (items[0].revents & ZMQ_POLLIN) zap.on_request();
        if (items[1].revents & ZMQ_POLLIN) return true;
        // A refused client never reaches the server: the deadline, once ZAP said no.
        if (zap.stats().denied > 0) return false;
    }
    return false;
}
} // namespace

TEST_CASE("ZAP: the owner's decision admits or refuses a CURVE client, with its key and domain") {
    // ipc, not inproc: libzmq runs no security mechanism on inproc.
    unit::TempDir dir("zap");
    zmq::context_t ctx;
    const auto server = curve_keypair(), friend_key = curve_keypair(), stranger = curve_keypair();
    std::string seen_domain, seen_key;
    ZapServer zap(ctx, [&](std::string_view domain, const std::string& key) {
        seen_domain = domain;
        seen_key = key;
        return key == friend_key.public_key ? std::optional<std::string>("n1") : std::nullopt;
    });
    CHECK(handshake(ctx, zap, server, friend_key, "ipc://" + dir.file("1")));
    CHECK(seen_domain == kReadDomain);
    CHECK(seen_key == friend_key.public_key);
    CHECK(zap.stats().accepted == 1);
    CHECK(zap.stats().denied == 0);
    CHECK_FALSE(handshake(ctx, zap, server, stranger, "ipc://" + dir.file("2")));
    CHECK(seen_key == stranger.public_key);
    CHECK(zap.stats().denied == 1);
}
