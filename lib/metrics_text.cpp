// Writing the Prometheus text format.
#include "metrics_text.hpp"

#include <cmath>
#include <fmt/format.h>

namespace om {

namespace {
// HELP text escapes backslash and newline; label values the double quote too.
std::string escaped(const std::string& s, bool quote) {
    std::string out;
    for (char c : s) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '\n')
            out += "\\n";
        else if (c == '"' && quote)
            out += "\\\"";
        else
            out += c;
    }
    return out;
}

std::string number(double v) {
    if (std::isnan(v)) return "NaN";
    if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
    // Integers as integers (counters read better), anything else at full precision.
    if (v == std::floor(v) && std::fabs(v) < 1e15) return fmt::format("{:.0f}", v);
    return fmt::format("{}", v);
}
} // namespace

void MetricsText::family(const std::string& name, const char* type, const std::string& help) {
    name_ = name;
    text_ += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, escaped(help, false), name, type);
}

void MetricsText::sample(double value, const Labels& labels) {
    text_ += name_;
    if (!labels.empty()) {
        text_ += '{';
        for (std::size_t i = 0; i < labels.size(); ++i)
            text_ += fmt::format("{}{}=\"{}\"", i ? "," : "", labels[i].first,
                                 escaped(labels[i].second, true));
        text_ += '}';
    }
    text_ += ' ' + number(value) + '\n';
}

} // namespace om
