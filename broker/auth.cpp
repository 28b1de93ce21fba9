// The broker's [security] keys as a ZAP decision.
#include "auth.hpp"

#include <algorithm>

namespace om::broker {

std::optional<std::string> admit(const BrokerConfig& config, std::string_view domain,
                                 const std::string& key) {
    if (const auto node = config.curve_nodes.find(key); node != config.curve_nodes.end())
        return domain == kIngestDomain ? node->second : std::string(); // the name it may write
    const auto& subs = config.curve_subscribers;
    if (domain == kReadDomain && std::find(subs.begin(), subs.end(), key) != subs.end())
        return std::string();
    return std::nullopt;
}

} // namespace om::broker
