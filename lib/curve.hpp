// CURVE security (libzmq with libsodium): keys in libzmq's Z85 text (40 characters) and the
// socket options of a CURVE server (the broker) and of its clients (om-pub, om-sub).
#pragma once

#include <string>
#include <string_view>
#include <zmq.hpp>

namespace om {

struct CurveKeypair {
    std::string public_key, secret_key;
};

// A new random keypair; throws std::runtime_error when libzmq was built without CURVE.
CurveKeypair curve_keypair();

// The public key of a secret key; throws std::runtime_error when it is not a valid key.
std::string curve_public_of(const std::string& secret_key);

// True when text is a Z85 key: 40 characters that decode to 32 bytes.
bool valid_curve_key(std::string_view text);

// The Z85 text of a 32-byte binary key (as a ZAP request carries it).
std::string curve_z85(std::string_view binary_key);

// True when an endpoint can be reached only from this host: ipc, inproc, or tcp on a loopback
// address (127.x.y.z, ::1, localhost). A broker bound anywhere else without CURVE serves its
// stream to, and takes heartbeats from, whoever reaches that address.
bool endpoint_is_local(std::string_view endpoint);

// The ZAP domains of the servers' sockets: where heartbeats are written (a broker's ingest),
// where the stream is read (pub and api, of a broker or a relay).
inline constexpr const char* kIngestDomain = "ingest";
inline constexpr const char* kReadDomain = "read";

// Makes s a CURVE server with this secret key; its clients are checked by the ZAP handler
// under `domain`. To be called before bind.
void curve_server(zmq::socket_t& s, const std::string& secret_key, const std::string& domain);

// Makes s a CURVE client with its own secret key, talking to the server of that public key.
// To be called before connect.
void curve_client(zmq::socket_t& s, const std::string& secret_key,
                  const std::string& server_public_key);

} // namespace om
