// The wait of every poll loop (broker, relay, om-pub, om-sub): zmq_poll's answer with
// half its system calls.
//
// zmq_poll asks every socket for its events (ZMQ_EVENTS: a getpid and a poll of the
// socket's mailbox each, on Linux) before and after each wait, and waits twice, once
// without blocking. A socket's ZMQ_FD only signals that its mailbox has commands; once a
// send, a receive or ZMQ_EVENTS has taken them, the descriptor is quiet however many
// messages wait. So the sockets that need asking before a wait are those used since they
// were last asked, and after a wait those whose descriptor fired: SocketWait asks those
// only. A loop that handles a few messages per wake (the broker under a steady trickle of
// heartbeats) pays about half the system calls of zmq_poll.
#pragma once

#include <chrono>
#include <cstddef>
#include <vector>

#include <poll.h>
#include <zmq.hpp>

namespace om {

// The milliseconds a poll may wait for `deadline`: rounded up (a wait that ends before its
// deadline would make the caller's loop spin), 0 for a deadline passed, at most INT_MAX.
int poll_timeout_ms(std::chrono::steady_clock::time_point deadline);

class SocketWait {
  public:
    // Waits on `sockets`, in this order (readable(i) and used(i) take the same index), and
    // on the plain descriptors `fds` (a pipe, a signalfd), readable(sockets.size() + j)
    // telling of fds[j]. The sockets must outlive the wait.
    explicit SocketWait(const std::vector<zmq::socket_ref>& sockets,
                        const std::vector<int>& fds = {});

    // Waits until one socket has a message to read or `deadline` passes (a deadline passed:
    // no wait). Returns false when a signal interrupted the wait, so that the caller's loop
    // looks at its flags; other errors throw zmq::error_t or std::system_error. A socket
    // found readable is asked again before the next wait, the caller being about to read it
    // (unless the caller says it drained it).
    bool until(std::chrono::steady_clock::time_point deadline);

    // Whether socket i had a message to read (descriptor i: was readable, or closed) when
    // until() returned.
    bool readable(std::size_t i) const { return readable_[i]; }

    // Says that the caller sent on socket i (or received from it without being told it was
    // readable): that may have taken the signal of a message arriving, so it is asked for
    // its events before the next wait.
    void used(std::size_t i) { ask_[i] = true; }

    // Says that the caller received from socket i until libzmq answered EAGAIN, and did
    // nothing else on it since: that answer came after libzmq took every command waiting
    // for the socket, so the next message will signal its descriptor, and the socket is
    // not asked again before the next wait. A later used(i) undoes it.
    void drained(std::size_t i) { ask_[i] = false; }

  private:
    // Asks socket i for its events; returns whether it is readable.
    bool ask(std::size_t i);

    std::vector<zmq::socket_ref> sockets_;
    std::vector<pollfd> fds_; // the sockets' ZMQ_FDs, then the plain descriptors
    std::vector<bool> readable_, ask_;
};

} // namespace om
