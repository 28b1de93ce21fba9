// Timestamped one-line logs on stderr.
#include "log.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>

namespace om {

namespace {
std::string g_program = "om";
}

void set_log_program(std::string name) {
    g_program = std::move(name);
}

std::string format_local_time(double ts, int digits) {
    digits = std::clamp(digits, 0, 6);
    long long scale = 1;
    for (int i = 0; i < digits; ++i)
        scale *= 10;
    // Rounded in units of the last digit, carrying into the seconds (x.9999996 is x+1.000000).
    const auto units = std::llround(ts * static_cast<double>(scale));
    const auto secs = static_cast<std::time_t>(units / scale);
    std::tm tm{};
    localtime_r(&secs, &tm);
    char buf[48];
    auto n = std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
    if (digits > 0)
        n += static_cast<std::size_t>(
            std::snprintf(buf + n, sizeof buf - n, ".%0*lld", digits, units % scale));
    return std::string(buf, n);
}

void log(LogLevel level, std::string_view message) {
    const auto now =
        std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    const char* lv = level == LogLevel::Info      ? "info"
                     : level == LogLevel::Warning ? "warning"
                                                  : "error";
    // One write per line, so lines of concurrent processes do not interleave.
    std::string line = format_local_time(now, 3) + " " + g_program + " " + lv + ": ";
    line.append(message);
    for (auto& c : line)
        if (c == '\n') c = ' ';
    line.push_back('\n');
    std::fwrite(line.data(), 1, line.size(), stderr);
}

} // namespace om
