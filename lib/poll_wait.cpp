// zmq::poll with a deadline and EINTR.
#include "poll_wait.hpp"

#include <algorithm>
#include <cerrno>

namespace om {

bool poll_until(zmq::pollitem_t* items, std::size_t count,
                std::chrono::steady_clock::time_point deadline) {
    // Rounded up: a wait that ends before its deadline would make the caller's loop spin.
    const auto left =
        std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    try {
        zmq::poll(items, count, std::max(left, std::chrono::milliseconds(0)));
    } catch (const zmq::error_t& e) {
        if (e.num() == EINTR) return false;
        throw;
    }
    return true;
}

} // namespace om
