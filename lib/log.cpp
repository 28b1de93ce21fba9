// Timestamped one-line logs, on stderr or in a log file.
#include "log.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <stdexcept>

namespace om {

namespace {
std::string g_program = "om";
std::FILE* g_file = nullptr; // the log file, or nullptr for stderr
} // namespace

void set_log_program(std::string name) {
    g_program = std::move(name);
}

void set_log_file(const std::string& path) {
    std::FILE* next = nullptr;
    if (!path.empty()) {
        const auto dir = std::filesystem::path(path).parent_path();
        std::error_code ec;
        if (!dir.empty()) std::filesystem::create_directories(dir, ec);
        next = std::fopen(path.c_str(), "a");
        if (!next) throw std::runtime_error(path + ": cannot open the log file");
    }
    if (g_file) std::fclose(g_file);
    g_file = next;
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
    auto line = fmt::format("{} {} {}: {}", format_local_time(now, 3), g_program, lv, message);
    std::replace(line.begin(), line.end(), '\n', ' ');
    line.push_back('\n');
    auto* out = g_file ? g_file : stderr;
    std::fwrite(line.data(), 1, line.size(), out);
    std::fflush(out);
}

} // namespace om
