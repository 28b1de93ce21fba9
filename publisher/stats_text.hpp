// om-pub's `stats` answer (Publisher::stats) as `om-pub stats` prints it: for a person, or
// in the Prometheus text format (ombus_node_* metrics, labelled by node).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace om::publisher {

// A few aligned lines, ending with a newline.
std::string node_stats_human(const nlohmann::json& stats);

// The Prometheus text exposition format.
std::string node_stats_prometheus(const nlohmann::json& stats);

} // namespace om::publisher
