// One-line logging to stderr for the daemons: `<time> <program> <level>: <message>`.
#pragma once

#include <string>
#include <string_view>

namespace om {

enum class LogLevel { Info, Warning, Error };

// A time of the epoch (seconds) as local time, "YYYY-MM-DD HH:MM:SS" and `digits` (0 to 6)
// decimals of the second, rounded: the stamp of log lines, node logs and om-sub's lines.
std::string format_local_time(double ts, int digits);

// Sets the program name printed on every line.
void set_log_program(std::string name);
void log(LogLevel level, std::string_view message);
inline void log_info(std::string_view m) {
    log(LogLevel::Info, m);
}
inline void log_warning(std::string_view m) {
    log(LogLevel::Warning, m);
}
inline void log_error(std::string_view m) {
    log(LogLevel::Error, m);
}

} // namespace om
