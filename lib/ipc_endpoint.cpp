// ipc endpoints: a live listener is never replaced (see ipc_endpoint.hpp).
#include "ipc_endpoint.hpp"

#include <cstring>
#include <stdexcept>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace om {

std::optional<std::string> ipc_file(const std::string& endpoint) {
    constexpr std::string_view prefix = "ipc://";
    if (!endpoint.starts_with(prefix) || endpoint.size() == prefix.size() ||
        endpoint[prefix.size()] == '@')
        return std::nullopt;
    return endpoint.substr(prefix.size());
}

bool ipc_listening(const std::string& path) {
    sockaddr_un addr{};
    if (path.size() >= sizeof addr.sun_path) return false; // libzmq refuses those anyway
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path.data(), path.size());
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    // A stale file refuses the connection (ECONNREFUSED); a listener accepts it, and the
    // ZeroMQ socket behind it drops a peer that closes before its greeting.
    const bool up = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    return up;
}

std::optional<std::string> bind_exclusive(zmq::socket_t& socket, const std::string& endpoint,
                                          const std::string& what) {
    const auto fail = [&](const std::string& why) {
        return std::runtime_error("cannot bind " + what + " endpoint " + endpoint + ": " + why);
    };
    auto file = ipc_file(endpoint);
    if (file && ipc_listening(*file)) throw fail("in use by another process");
    try {
        socket.bind(endpoint);
    } catch (const zmq::error_t& e) {
        throw fail(e.what());
    }
    return file;
}

} // namespace om
