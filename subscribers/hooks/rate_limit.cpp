// The per-hook start limit (rate_limit.hpp).
#include "rate_limit.hpp"

#include <algorithm>

namespace om::hooks {

RateLimit::RateLimit(std::size_t count, Clock::duration period)
    : count_(std::max<std::size_t>(count, 1)), period_(period) {}

bool RateLimit::allows(Clock::time_point now) const {
    return starts_.size() < count_ || now - starts_.front() >= period_;
}

void RateLimit::take(Clock::time_point now) {
    starts_.push_back(now);
    if (starts_.size() > count_) starts_.pop_front();
}

RateLimit::Clock::time_point RateLimit::next(Clock::time_point now) const {
    return allows(now) ? now : starts_.front() + period_;
}

} // namespace om::hooks
