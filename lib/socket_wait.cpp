// SocketWait: a poll(2) on the sockets' ZMQ_FDs, asking ZMQ_EVENTS only where it can change.
#include "socket_wait.hpp"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <system_error>

namespace om {

int poll_timeout_ms(std::chrono::steady_clock::time_point deadline) {
    const auto left =
        std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    return static_cast<int>(std::clamp<std::chrono::milliseconds::rep>(left.count(), 0, INT_MAX));
}

SocketWait::SocketWait(const std::vector<zmq::socket_ref>& sockets, const std::vector<int>& fds)
    : sockets_(sockets), readable_(sockets.size() + fds.size(), false), ask_(sockets.size(), true) {
    fds_.reserve(sockets_.size() + fds.size());
    for (auto& s : sockets_)
        fds_.push_back(pollfd{s.get(zmq::sockopt::fd), POLLIN, 0});
    for (int fd : fds)
        fds_.push_back(pollfd{fd, POLLIN, 0});
}

bool SocketWait::ask(std::size_t i) {
    readable_[i] = (sockets_[i].get(zmq::sockopt::events) & ZMQ_POLLIN) != 0;
    // The caller reads a readable socket, which may leave messages and take the signal.
    ask_[i] = readable_[i];
    return readable_[i];
}

bool SocketWait::until(std::chrono::steady_clock::time_point deadline) {
    std::fill(readable_.begin(), readable_.end(), false);
    bool any = false;
    try {
        // Used since last asked: messages may be waiting with the descriptor quiet.
        for (std::size_t i = 0; i < sockets_.size(); ++i)
            if (ask_[i]) any |= ask(i);
        while (!any) {
            const int rc = ::poll(fds_.data(), fds_.size(), poll_timeout_ms(deadline));
            if (rc < 0) {
                if (errno == EINTR) return false;
                throw std::system_error(errno, std::generic_category(), "poll");
            }
            if (rc == 0) return true; // the deadline
            for (std::size_t i = 0; i < fds_.size(); ++i) {
                if (fds_[i].revents == 0) continue;
                if (i < sockets_.size()) {
                    any |= ask(i);
                } else { // a plain descriptor: readable, or at its end (POLLHUP, POLLERR)
                    readable_[i] = true;
                    any = true;
                }
            }
            // A descriptor fired for commands only (a peer came or went): wait on.
        }
    } catch (const zmq::error_t& e) {
        if (e.num() != EINTR) throw;
        std::fill(ask_.begin(), ask_.end(), true); // not all were asked
        return false;
    }
    return true;
}

} // namespace om
