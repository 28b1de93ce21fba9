// Tests of lib/poll_wait: the wait ends at the deadline or on an event, and a deadline in
// the past is a check that does not wait.
#include "poll_wait.hpp"

#include <catch2/catch.hpp>

using namespace om;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

TEST_CASE("poll wait: until the deadline, or until an event") {
    zmq::context_t ctx;
    zmq::socket_t in(ctx, zmq::socket_type::pull), out(ctx, zmq::socket_type::push);
    in.bind("inproc://poll_wait");
    out.connect("inproc://poll_wait");
    zmq::pollitem_t item{in.handle(), 0, ZMQ_POLLIN, 0};

    auto start = Clock::now();
    CHECK(poll_until(&item, 1, start + 50ms));
    CHECK(Clock::now() - start >= 50ms);
    CHECK(item.revents == 0);

    start = Clock::now();
    CHECK(poll_until(&item, 1, start - 1s)); // passed: no wait
    CHECK(Clock::now() - start < 1s);

    out.send(zmq::str_buffer("x"));
    start = Clock::now();
    CHECK(poll_until(&item, 1, start + 10s));
    CHECK((item.revents & ZMQ_POLLIN));
    CHECK(Clock::now() - start < 10s);
}
