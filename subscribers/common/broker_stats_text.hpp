// The broker's `stats` answer (docs/protocol.md) as `om-sub stats` prints it: for a person,
// or in the Prometheus text format (ombus_broker_* metrics, labelled by node where they
// are a node's). Keys missing from the answer (an older broker) are left out or zero.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace om::sub {

// A few aligned lines, ending with a newline.
std::string broker_stats_human(const nlohmann::json& stats);

// The Prometheus text exposition format, one family per counter or gauge.
std::string broker_stats_prometheus(const nlohmann::json& stats);

} // namespace om::sub
