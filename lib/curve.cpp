// CURVE keys and socket options.
#include "curve.hpp"

#include <cstdint>
#include <stdexcept>

namespace om {

CurveKeypair curve_keypair() {
    char pub[41], sec[41];
    if (zmq_curve_keypair(pub, sec) != 0)
        throw std::runtime_error("cannot make a CURVE keypair: libzmq has no CURVE support");
    return {pub, sec};
}

std::string curve_public_of(const std::string& secret_key) {
    char pub[41];
    if (!valid_curve_key(secret_key) || zmq_curve_public(pub, secret_key.c_str()) != 0)
        throw std::runtime_error("not a CURVE secret key (40 characters of Z85 expected)");
    return pub;
}

bool valid_curve_key(std::string_view text) {
    if (text.size() != 40) return false;
    const std::string s(text);
    std::uint8_t bin[32];
    return zmq_z85_decode(bin, s.c_str()) != nullptr;
}

std::string curve_z85(std::string_view binary_key) {
    if (binary_key.size() != 32) return "";
    char out[41];
    if (!zmq_z85_encode(out, reinterpret_cast<const std::uint8_t*>(binary_key.data()), 32))
        return "";
    return out;
}

bool endpoint_is_local(std::string_view ep) {
    if (ep.starts_with("ipc://") || ep.starts_with("inproc://")) return true;
    if (!ep.starts_with("tcp://")) return false; // pgm, udp...: a network
    auto host = ep.substr(6);
    // tcp://[source;]host:port: the host is what is bound, after any source address.
    if (const auto semi = host.find(';'); semi != std::string_view::npos)
        host = host.substr(semi + 1);
    if (const auto colon = host.rfind(':'); colon != std::string_view::npos)
        host = host.substr(0, colon);
    return host.starts_with("127.") || host == "localhost" || host == "[::1]" || host == "::1" ||
           host == "lo";
}

void curve_server(zmq::socket_t& s, const std::string& secret_key, const std::string& domain) {
    s.set(zmq::sockopt::curve_server, true);
    s.set(zmq::sockopt::curve_secretkey, secret_key);
    s.set(zmq::sockopt::zap_domain, domain);
}

void curve_client(zmq::socket_t& s, const std::string& secret_key,
                  const std::string& server_public_key) {
    s.set(zmq::sockopt::curve_serverkey, server_public_key);
    s.set(zmq::sockopt::curve_publickey, curve_public_of(secret_key));
    s.set(zmq::sockopt::curve_secretkey, secret_key);
}

} // namespace om
