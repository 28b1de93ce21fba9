// The client side of the control socket, used by the `om-pub set|unset|load|emit|get` verbs.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace om::publisher {

struct ControlReply {
    bool reached = false; // false: no answer before the timeout
    std::string text;     // "ok", "ok <json>" or "error: <message>"
};

// Sends VERB | ARG... to the control endpoint and waits for the answer.
ControlReply control_request(const std::string& endpoint, const std::vector<std::string>& frames,
                             std::chrono::milliseconds timeout);

} // namespace om::publisher
