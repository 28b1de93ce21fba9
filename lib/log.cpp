// Timestamped one-line logs on stderr.
#include "log.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace om {

namespace {
std::string g_program = "om";
}

void set_log_program(std::string name) {
    g_program = std::move(name);
}

void log(LogLevel level, std::string_view message) {
    using namespace std::chrono;
    const auto now = system_clock::now();
    const auto t = system_clock::to_time_t(now);
    const auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
    std::tm tm{};
    localtime_r(&t, &tm);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", &tm);
    const char* lv = level == LogLevel::Info      ? "info"
                     : level == LogLevel::Warning ? "warning"
                                                  : "error";
    // One write per line, so lines of concurrent processes do not interleave.
    std::string line = std::string(stamp) + "." + (ms < 100 ? (ms < 10 ? "00" : "0") : "") +
                       std::to_string(ms) + " " + g_program + " " + lv + ": ";
    line.append(message);
    for (auto& c : line)
        if (c == '\n') c = ' ';
    line.push_back('\n');
    std::fwrite(line.data(), 1, line.size(), stderr);
}

} // namespace om
