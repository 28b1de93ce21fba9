// The human format of `om-sub events`, as the original prints it:
//   <time> <nodename> <kind>
//     a.b.c => value          (a patch's set)
//     a.b.c deleted           (a patch's delete)
//     <readable text>         (an event of a known id)
//     KEY=value               (each event data key)
// Paths are printed in the dotted form that --filter accepts.
#pragma once

#include "json_path.hpp"

#include <string>

namespace om::sub {

// Formats a message (its body as JSON) in the human format; ends with a newline.
std::string format_human(const json& msg);

// A line for a notice (loss, resync, failover) in the same format.
std::string format_notice(const std::string& text);

// Local time of a "ts" value: 2026-11-28 01:02:03.456789.
std::string format_time(double ts);

} // namespace om::sub
