// One-line logging to stderr for the daemons: `<time> <program> <level>: <message>`.
#pragma once

#include <string>
#include <string_view>

namespace om {

enum class LogLevel { Info, Warning, Error };

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
