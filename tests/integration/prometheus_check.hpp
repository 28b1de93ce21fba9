// A checker of the Prometheus text exposition format (0.0.4), for the tests of the
// `stats --format prometheus` outputs: Debian 12 ships no promtool outside the prometheus
// server package, so the rules are checked here.
#pragma once

#include <map>
#include <string>

namespace it {

// What a valid exposition holds: its samples by "name{labels}", their values.
struct Exposition {
    std::string error; // empty when the text is valid: "line N: why"
    std::map<std::string, double> samples;
    std::map<std::string, std::string> types; // family -> counter, gauge...
};

// Checks every line: `# HELP name text` and `# TYPE name type` once per family, before its
// samples; samples `name{label="value",...} number` of a declared family, grouped; label
// names and metric names of the allowed characters; values that parse; a final newline.
Exposition check_prometheus(const std::string& text);

} // namespace it
