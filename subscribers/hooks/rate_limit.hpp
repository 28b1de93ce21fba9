// RateLimit: at most `count` starts of a hook in any window of `period` (systemd's
// TriggerLimitBurst and TriggerLimitIntervalSec, Argo's rateLimit). It keeps the times of
// the last `count` starts: a start is allowed when the oldest of them is a period old.
// Time is passed in, so that the rule is tested without waiting.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>

namespace om::hooks {

class RateLimit {
  public:
    using Clock = std::chrono::steady_clock;
    RateLimit(std::size_t count, Clock::duration period);

    // True when a start at `now` keeps within the limit.
    bool allows(Clock::time_point now) const;
    // Records a start at `now`.
    void take(Clock::time_point now);
    // The first time from `now` on at which a start is allowed.
    Clock::time_point next(Clock::time_point now) const;
    // True when this is the limit of `count` starts per `period` (a reload may change it).
    bool is(std::size_t count, Clock::duration period) const {
        return count == count_ && period == period_;
    }

  private:
    std::size_t count_;
    Clock::duration period_;
    std::deque<Clock::time_point> starts_; // the last `count_` starts, oldest first
};

} // namespace om::hooks
