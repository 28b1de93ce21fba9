// ipc endpoints and their socket files. libzmq binds an ipc endpoint by replacing whatever
// file is at its path, a live listener's included: a second broker or om-pub started on
// the same ipc endpoint would silently take it from the first. bind_exclusive refuses
// that, and still replaces the file a killed process left behind.
#pragma once

#include <optional>
#include <string>
#include <zmq.hpp>

namespace om {

// The socket file of an "ipc://PATH" endpoint; nullopt for any other endpoint and for
// Linux's abstract ipc names ("ipc://@NAME"), which have no file.
std::optional<std::string> ipc_file(const std::string& endpoint);

// True when a process accepts connections on the unix socket file at `path`.
bool ipc_listening(const std::string& path);

// Binds `socket` to `endpoint`, refusing an ipc endpoint where a process still listens.
// Throws std::runtime_error "cannot bind <what> endpoint <endpoint>: <why>" (why: "in use
// by another process", or libzmq's reason). Returns the socket file to remove at exit,
// for an ipc endpoint.
std::optional<std::string> bind_exclusive(zmq::socket_t& socket, const std::string& endpoint,
                                          const std::string& what);

} // namespace om
