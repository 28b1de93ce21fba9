// Tests of lib/log: the local-time stamp shared by logs, node logs and om-sub's lines.
#include "log.hpp"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <ctime>

TEST_CASE("format_local_time: local time with rounded decimals that carry into the second") {
    // UTC, so that the expected text does not depend on the machine's zone.
    const char* tz = std::getenv("TZ");
    const std::string saved = tz ? tz : "";
    ::setenv("TZ", "UTC", 1);
    ::tzset();
    CHECK(om::format_local_time(1795830573.1004, 6) == "2026-11-28 01:49:33.100400");
    CHECK(om::format_local_time(1795830573.1004, 3) == "2026-11-28 01:49:33.100");
    CHECK(om::format_local_time(1795830573.9999996, 6) == "2026-11-28 01:49:34.000000");
    CHECK(om::format_local_time(1795830573.5, 0) == "2026-11-28 01:49:34");
    CHECK(om::format_local_time(0, 3) == "1970-01-01 00:00:00.000");
    if (tz)
        ::setenv("TZ", saved.c_str(), 1);
    else
        ::unsetenv("TZ");
    ::tzset();
}
