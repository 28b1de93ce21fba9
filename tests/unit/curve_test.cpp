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
