// Tests of lib/curve: keys and their Z85 text.
#include "curve.hpp"

#include <catch2/catch.hpp>

using namespace om;

TEST_CASE("CURVE keypairs: Z85 text, the public key derived from the secret one") {
    const auto k = curve_keypair();
    CHECK(k.public_key.size() == 40);
    CHECK(valid_curve_key(k.public_key));
    CHECK(valid_curve_key(k.secret_key));
    CHECK(curve_public_of(k.secret_key) == k.public_key);
    CHECK(curve_keypair().public_key != k.public_key);
    CHECK_FALSE(valid_curve_key("short"));
    CHECK_FALSE(valid_curve_key(std::string(40, '"'))); // not in the Z85 alphabet
    CHECK_THROWS(curve_public_of("short"));
}

TEST_CASE("a 32-byte binary key reads as its Z85 text") {
    const auto k = curve_keypair();
    std::uint8_t bin[32];
    REQUIRE(zmq_z85_decode(bin, k.public_key.c_str()));
    CHECK(curve_z85(std::string_view(reinterpret_cast<const char*>(bin), 32)) == k.public_key);
    CHECK(curve_z85("too short").empty());
}

TEST_CASE("an endpoint is local when only this host reaches it") {
    for (const auto* ep :
         {"ipc:///run/om/x.sock", "inproc://zap", "tcp://127.0.0.1:1215", "tcp://127.1.2.3:1",
          "tcp://localhost:1216", "tcp://[::1]:1217", "tcp://lo:1215"}) {
        INFO(ep);
        CHECK(endpoint_is_local(ep));
    }
    for (const auto* ep : {"tcp://*:1215", "tcp://0.0.0.0:1215", "tcp://192.0.2.11:1215",
                           "tcp://[::]:1215", "tcp://eth0:1215", "tcp://broker1.example:1216",
                           "tcp://127.0.0.1;192.0.2.11:1215", "pgm://eth0;239.1.1.1:5555"}) {
        INFO(ep);
        CHECK_FALSE(endpoint_is_local(ep));
    }
}
