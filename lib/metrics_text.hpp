// The Prometheus text exposition format (version 0.0.4), as node_exporter's textfile
// collector reads it: each metric family a `# HELP` and a `# TYPE` line, then its samples
// `name{label="value",...} number`. `om-sub stats` and `om-pub stats` write their
// `--format prometheus` with it.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace om {

class MetricsText {
  public:
    using Labels = std::vector<std::pair<std::string, std::string>>;

    // Starts the family `name` (ombus_...) of `type` (counter, gauge).
    void family(const std::string& name, const char* type, const std::string& help);
    // One sample of the family started last; label values are escaped.
    void sample(double value, const Labels& labels = {});
    // family() and one sample, for a family of one unlabelled value.
    void single(const std::string& name, const char* type, const std::string& help, double value) {
        family(name, type, help);
        sample(value);
    }
    const std::string& text() const { return text_; }

  private:
    std::string text_, name_;
};

} // namespace om
