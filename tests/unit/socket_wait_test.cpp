// Tests of lib/socket_wait: the wait ends at the deadline, when a socket has a message or
// when a plain descriptor is readable; a socket left with messages, or used by the caller,
// is asked again before the next wait.
#include "socket_wait.hpp"

#include <catch2/catch.hpp>
#include <climits>
#include <unistd.h>

using namespace om;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

struct Pair {
    zmq::context_t ctx;
    zmq::socket_t in{ctx, zmq::socket_type::pull}, out{ctx, zmq::socket_type::push};
    Pair() {
        in.bind("inproc://socket_wait");
        out.connect("inproc://socket_wait");
    }
};

// Asks s for its events until it has a message (taking its descriptor's signal), 10 s at most.
bool eventually_readable(zmq::socket_t& s) {
    const auto end = Clock::now() + 10s;
    while (Clock::now() < end)
        if (s.get(zmq::sockopt::events) & ZMQ_POLLIN) return true;
    return false;
}

// Whether a wait on w (10 s at most) ends with socket 0 readable well before its deadline.
bool readable_before_deadline(SocketWait& w) {
    const auto start = Clock::now();
    return w.until(start + 10s) && w.readable(0) && Clock::now() - start < 5s;
}

// Waits for the message sent to p.in, reads it and the EAGAIN after it, and says so to w.
void read_to_eagain(Pair& p, SocketWait& w) {
    REQUIRE(w.until(Clock::now() + 10s));
    REQUIRE(w.readable(0));
    zmq::message_t m;
    REQUIRE(p.in.recv(m, zmq::recv_flags::dontwait));
    REQUIRE_FALSE(p.in.recv(m, zmq::recv_flags::dontwait)); // EAGAIN
    w.drained(0);
}

} // namespace

TEST_CASE("socket wait: until the deadline, or until a message") {
    Pair p;
    SocketWait w({p.in});
    auto start = Clock::now();
    CHECK(w.until(start + 50ms));
    CHECK(Clock::now() - start >= 50ms);
    CHECK_FALSE(w.readable(0));

    start = Clock::now();
    CHECK(w.until(start - 1s)); // passed: no wait
    CHECK(Clock::now() - start < 1s);

    p.out.send(zmq::str_buffer("x"));
    CHECK(readable_before_deadline(w));
}

TEST_CASE("socket wait: a socket read in part is readable again without a new signal") {
    Pair p;
    SocketWait w({p.in});
    p.out.send(zmq::str_buffer("a"));
    p.out.send(zmq::str_buffer("b"));
    REQUIRE(w.until(Clock::now() + 10s));
    REQUIRE(w.readable(0));
    zmq::message_t m;
    REQUIRE(p.in.recv(m)); // one of two: the second arrived without a signal of its own
    CHECK(readable_before_deadline(w));
}

TEST_CASE("socket wait: a socket the caller used is asked before the wait") {
    Pair p;
    SocketWait w({p.in});
    CHECK(w.until(Clock::now() + 10ms)); // asked once: its descriptor is trusted from now on
    p.out.send(zmq::str_buffer("x"));
    // Another call on the socket takes the signal of the message (here ZMQ_EVENTS, in the
    // daemons a send): the descriptor is quiet with a message waiting.
    REQUIRE(eventually_readable(p.in));
    CHECK(w.until(Clock::now() + 100ms));
    CHECK_FALSE(w.readable(0)); // what used() is for
    w.used(0);
    CHECK(readable_before_deadline(w));
}

TEST_CASE("socket wait: a plain descriptor ends the wait, after the sockets' indexes") {
    Pair p;
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    SocketWait w({p.in}, {fds[0]});
    CHECK(w.until(Clock::now() + 10ms));
    CHECK_FALSE(w.readable(1));
    REQUIRE(::write(fds[1], "x", 1) == 1);
    const auto start = Clock::now();
    CHECK(w.until(start + 10s));
    CHECK(Clock::now() - start < 5s);
    CHECK(w.readable(1));
    CHECK_FALSE(w.readable(0));
    ::close(fds[0]);
    ::close(fds[1]);
}

TEST_CASE("socket wait: a deadline in poll's milliseconds, rounded up, never negative") {
    const auto now = Clock::now();
    CHECK(poll_timeout_ms(now - 1s) == 0);
    const int ms = poll_timeout_ms(now + 1500us); // 1.5 ms ahead, less what passed since
    CHECK(ms >= 1);
    CHECK(ms <= 2);
    CHECK(poll_timeout_ms(now + std::chrono::hours(24 * 365 * 100)) == INT_MAX);
}

TEST_CASE("socket wait: a socket drained to EAGAIN is not asked before the wait") {
    Pair p;
    SocketWait w({p.in});
    p.out.send(zmq::str_buffer("a"));
    read_to_eagain(p, w);
    p.out.send(zmq::str_buffer("b"));
    REQUIRE(eventually_readable(p.in)); // another call on the socket takes b's signal
    CHECK(w.until(Clock::now() + 100ms));
    CHECK_FALSE(w.readable(0)); // not asked: the question drained() saves
}

TEST_CASE("socket wait: a socket drained to EAGAIN still wakes the wait for its next message") {
    Pair p;
    SocketWait w({p.in});
    p.out.send(zmq::str_buffer("a"));
    read_to_eagain(p, w);
    p.out.send(zmq::str_buffer("b")); // its signal is the only way the wait learns of it
    CHECK(readable_before_deadline(w));
}
