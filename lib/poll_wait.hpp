// The wait of every poll loop: zmq::poll until a deadline, a signal ending the wait early.
#pragma once

#include <chrono>
#include <cstddef>
#include <zmq.hpp>

namespace om {

// Waits for the events of `items` until `deadline` at most (a deadline passed: a check
// that does not wait). Returns false when a signal interrupted the wait (EINTR), so that
// the caller's loop looks at its flags; other errors throw zmq::error_t.
bool poll_until(zmq::pollitem_t* items, std::size_t count,
                std::chrono::steady_clock::time_point deadline);

// The milliseconds a poll may wait for `deadline`: rounded up (a wait that ends before its
// deadline would make the caller's loop spin), 0 for a deadline passed, at most INT_MAX.
int poll_timeout_ms(std::chrono::steady_clock::time_point deadline);

} // namespace om
