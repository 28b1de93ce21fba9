// Events from the past: where `om-sub events --since SEQ|DURATION` or `--last N` starts
// in the broker's replay window. The verb then follows from there as a hook runner resumes
// from its cursor (ConnectionOptions::resume): the window's events after that point, then
// the live stream, seam-exact (Connection). Patches are not kept, so never replayed.
#pragma once

#include "api_client.hpp"
#include "connection.hpp"

#include <functional>

namespace om::sub {

struct PastRequest {
    enum class Kind { none, seq, age, last };
    Kind kind = Kind::none;
    std::uint64_t seq = 0;  // seq: the events after this event sequence
    Millis age{0};          // age: the events of this last while
    std::uint64_t last = 0; // last: the last N events the verb prints
};

// Reads --since: an event sequence (digits only) or a duration. Throws DurationError.
PastRequest parse_since(const std::string& text);

struct PastStart {
    std::optional<Resume> resume;      // where to start; nullopt with `error`
    std::vector<std::string> warnings; // what the window could only partly give
    std::string error;                 // what it could not give at all
    bool too_old = false;              // the error is events that left the window
};

// Finds where `request` starts in the replay window of the broker `api` is connected to.
// `wanted` says whether the verb prints an event (its topic and body): --last counts
// those. A broker that does not answer is an error.
PastStart
find_past_start(ApiClient& api, const PastRequest& request,
                const std::function<bool(const std::string&, const std::string&)>& wanted);

} // namespace om::sub
