// The readable text of known event ids (the original's log templates, reference
// opensvc-v2.md 1.2), with {key} and {a.b} filled from the event's data.
#pragma once

#include "json_path.hpp"

#include <string>

namespace om::sub {

// Returns the text for data.id (and data.reason), or "" for an unknown id.
std::string event_text(const json& data);

} // namespace om::sub
