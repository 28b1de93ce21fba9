// The requests of the broker's api socket (docs/protocol.md, "The api socket"): one JSON
// frame each, {"op":"snapshot"|"ping"|"stats"} or {"op":"replay","epoch":E,"after":V},
// with "protocol":N, the protocol version the client speaks.
#pragma once

#include <cstdint>
#include <string_view>

namespace om::broker {

struct ApiRequest {
    enum class Op { Snapshot, Ping, Stats, Replay, Bad };
    Op op = Op::Bad;
    std::uint64_t epoch = 0, after = 0; // a replay's run and last event had
    std::uint64_t protocol = 0;         // the protocol the client follows (0: not said)
};

// Reads one request frame; anything that is not one of the requests above, including text
// that is not JSON, is Op::Bad. Never throws.
ApiRequest parse_api_request(std::string_view frame);

} // namespace om::broker
