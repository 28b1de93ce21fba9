// zmq::poll with a deadline and EINTR.
#include "poll_wait.hpp"

#include <algorithm>
#include <cerrno>
#include <climits>

namespace om {

bool poll_until(zmq::pollitem_t* items, std::size_t count,
                std::chrono::steady_clock::time_point deadline) {
    try {
        zmq::poll(items, count, std::chrono::milliseconds(poll_timeout_ms(deadline)));
    } catch (const zmq::error_t& e) {
        if (e.num() == EINTR) return false;
        throw;
    }
    return true;
}

int poll_timeout_ms(std::chrono::steady_clock::time_point deadline) {
    const auto left =
        std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    return static_cast<int>(std::clamp<std::chrono::milliseconds::rep>(left.count(), 0, INT_MAX));
}

} // namespace om
