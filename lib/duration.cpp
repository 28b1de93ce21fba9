// Parsing and printing of durations.
#include "duration.hpp"

#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <cmath>

namespace om {

namespace {
[[noreturn]] void fail(std::string_view text, std::size_t pos, const char* what) {
    throw DurationError(fmt::format("duration '{}': {} at position {}", text, what, pos + 1));
}
} // namespace

Millis parse_duration(std::string_view text) {
    if (text.empty()) throw DurationError("duration '': empty");
    double total_ms = 0;
    std::size_t i = 0;
    bool bare = false;
    while (i < text.size()) {
        const auto start = i;
        while (i < text.size() &&
               (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.'))
            ++i;
        if (i == start) fail(text, i, "expected a number");
        double n;
        auto [p, ec] = std::from_chars(text.data() + start, text.data() + i, n);
        if (ec != std::errc() || p != text.data() + i) fail(text, start, "bad number");
        const auto ustart = i;
        while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i])))
            ++i;
        const auto unit = text.substr(ustart, i - ustart);
        double scale;
        if (unit.empty()) {
            if (start != 0 || i != text.size())
                fail(text, ustart, "expected a unit (ms s m h d w)");
            scale = 1000;
            bare = true;
        } else if (unit == "ms")
            scale = 1;
        else if (unit == "s")
            scale = 1000;
        else if (unit == "m")
            scale = 60e3;
        else if (unit == "h")
            scale = 3600e3;
        else if (unit == "d")
            scale = 86400e3;
        else if (unit == "w")
            scale = 7 * 86400e3;
        else
            fail(text, ustart, "unknown unit (expected ms s m h d w)");
        total_ms += n * scale;
        if (bare) break;
    }
    if (!std::isfinite(total_ms) || total_ms > 1e15)
        throw DurationError("duration '" + std::string(text) + "': too large");
    return Millis(static_cast<long long>(std::llround(total_ms)));
}

std::string format_duration(Millis d) {
    long long ms = d.count();
    if (ms == 0) return "0s";
    std::string out;
    const struct {
        long long size;
        const char* unit;
    } units[] = {{7LL * 86400000, "w"}, {86400000, "d"}, {3600000, "h"},
                 {60000, "m"},          {1000, "s"},     {1, "ms"}};
    for (const auto& u : units) {
        if (ms >= u.size) {
            out += std::to_string(ms / u.size) + u.unit;
            ms %= u.size;
        }
    }
    return out;
}

} // namespace om
