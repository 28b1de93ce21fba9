// The broker's CURVE admission: on the ingest socket a node key is accepted with its
// nodename as the connection's User-Id, so that a heartbeat claiming another name is
// refused; on pub and api, node and subscriber keys are accepted. The ZAP protocol itself
// is lib/zap_server's.
#pragma once

#include "config.hpp"
#include "curve.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace om::broker {

// The User-Id of a client key connecting in `domain` under these [security] keys (a node's
// name on ingest, empty elsewhere), or nullopt when it is refused.
std::optional<std::string> admit(const BrokerConfig& config, std::string_view domain,
                                 const std::string& key);

} // namespace om::broker
