// Durations as users type them: `500ms`, `1s`, `1m`, `1h10m`, `1d`, `1w`, or bare seconds
// (`30`, `0.5`).
#pragma once

#include <chrono>
#include <stdexcept>
#include <string>
#include <string_view>

namespace om {

using Millis = std::chrono::milliseconds;

// Thrown by parse_duration; what() quotes the text and says what was expected where.
struct DurationError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Parses a duration; a sequence of NUMBER UNIT pairs (units ms, s, m, h, d, w) or one bare
// number of seconds. Negative, empty or unknown input throws DurationError.
Millis parse_duration(std::string_view text);

// Formats a duration in the shortest form parse_duration reads back (`1h10m`, `500ms`).
std::string format_duration(Millis d);

} // namespace om
