// The requests of an api socket, a broker's or a relay's (docs/protocol.md, "The api
// socket"): one JSON
// frame each, {"op":"snapshot"|"ping"|"stats"} or {"op":"replay","epoch":E,"after":V},
// with "protocol":N, the protocol version the client speaks.
#pragma once

#include "wire.hpp"

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string_view>

namespace om {

struct ApiRequest {
    enum class Op { Snapshot, Ping, Stats, Replay, Bad };
    Op op = Op::Bad;
    std::uint64_t epoch = 0, after = 0; // a replay's run and last event had
    std::uint64_t protocol = 0;         // the protocol the client follows (0: not said)
};

// Reads one request frame; anything that is not one of the requests above, including text
// that is not JSON, is Op::Bad. Never throws.
ApiRequest parse_api_request(std::string_view frame);

// The answer to a snapshot or replay request of another protocol than this one (`asked`,
// 0 when the request said none), by `who` ("broker" or "relay"): one error header naming
// this protocol, so that a client written for another one stops with it.
// The answer to a ping (and a snapshot's header) from a run at `at`:
// {"status":"ok","protocol":2,"epoch":E,"seq":S,"pseq":P,"eseq":V}
nlohmann::json position_answer(const wire::Tick& at);

nlohmann::json protocol_refusal(std::uint64_t asked, std::string_view who);

} // namespace om
