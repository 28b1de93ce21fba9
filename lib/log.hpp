// One-line logging for the daemons: `<time> <program> <level>: <message>`, on stderr or
// appended to a log file (the hook runner's node log). Messages are built with fmt.
#pragma once

#include <fmt/format.h>
#include <string>
#include <string_view>
#include <utility>

namespace om {

enum class LogLevel { Info, Warning, Error };

// A time of the epoch (seconds) as local time, "YYYY-MM-DD HH:MM:SS" and `digits` (0 to 6)
// decimals of the second, rounded: the stamp of log lines, node logs and om-sub's lines.
std::string format_local_time(double ts, int digits);

// Sets the program name printed on every line.
void set_log_program(std::string name);
// Appends the lines to `path` from now on (its directory created), or writes them on
// stderr again when `path` is "". Throws std::runtime_error naming the file when it
// cannot be opened; the previous destination then stays.
void set_log_file(const std::string& path);

// Writes one line; a newline inside the message becomes a space.
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
// The same with a fmt format string, checked at compile time.
template <class... Args> void log_info(fmt::format_string<Args...> f, Args&&... args) {
    log(LogLevel::Info, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args> void log_warning(fmt::format_string<Args...> f, Args&&... args) {
    log(LogLevel::Warning, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args> void log_error(fmt::format_string<Args...> f, Args&&... args) {
    log(LogLevel::Error, fmt::format(f, std::forward<Args>(args)...));
}

} // namespace om
