// Tests of subscribers/hooks/rate_limit: a burst of count, then the window slides; the
// limit holds in every window of one period, whenever the jobs arrive.
#include "hooks/rate_limit.hpp"

#include <catch2/catch.hpp>
#include <vector>

using om::hooks::RateLimit;
using namespace std::chrono_literals;

TEST_CASE("rate limit: a burst of count, then a start as each one leaves the window") {
    RateLimit r(5, 1s);
    const RateLimit::Clock::time_point t0{100s};
    for (int i = 0; i < 5; ++i) {
        CHECK(r.allows(t0));
        r.take(t0);
    }
    CHECK_FALSE(r.allows(t0));
    CHECK(r.next(t0) == t0 + 1s);
    CHECK_FALSE(r.allows(t0 + 999ms));
    CHECK(r.allows(t0 + 1s));
    r.take(t0 + 1s);
    CHECK(r.next(t0 + 1s) == t0 + 1s); // the four other starts of t0 left the window too
    // Idle for a period: the whole burst is allowed again, not more.
    const auto later = t0 + 10s;
    for (int i = 0; i < 5; ++i) {
        REQUIRE(r.allows(later));
        r.take(later);
    }
    CHECK_FALSE(r.allows(later));
}

TEST_CASE("rate limit: starts at the times it allows never exceed count in a period") {
    RateLimit r(3, 1s);
    std::vector<RateLimit::Clock::time_point> starts;
    RateLimit::Clock::time_point now{0s};
    for (int i = 0; i < 50; ++i) { // 50 jobs all waiting: each starts as soon as allowed
        now = r.next(now);
        r.take(now);
        starts.push_back(now);
        now += std::chrono::milliseconds(i % 7 * 37); // and some arrive late
    }
    for (std::size_t i = 0; i + 3 < starts.size(); ++i)
        CHECK(starts[i + 3] - starts[i] >= 1s);
}
