// The human format of `om-sub events`, as the original prints it:
//   <time> <nodename> <kind>
//     a.b.c old => new        (a patch's set, with the value it replaced)
//     a.b.c (new) => value    (a set where there was no value)
//     a.b.c old => (deleted)  (a patch's delete)
//     a.b.c => value          (a set, the old value unknown: no replica)
//     a.b.c deleted           (a delete, the old value unknown)
//     <readable text>         (an event of a known id)
//     KEY=value               (each event data key)
// Paths are printed in the dotted form that --filter accepts.
#pragma once

#include "json_path.hpp"
#include "replica.hpp"

#include <string>

namespace om::sub {

// Formats a message (its body as JSON) in the human format; ends with a newline. `old`,
// when given for a patch, holds what each of its operations replaced (Replica::apply).
std::string format_human(const json& msg, const OldValues* old = nullptr);

// A line for a notice (loss, resync, failover) in the same format.
std::string format_notice(const std::string& text);

// Local time of a "ts" value: 2026-11-28 01:02:03.456789.
std::string format_time(double ts);

// An age in seconds as a person reads it: 0.4s, 12.0s, 3m12s, 2h1m.
std::string format_age(double seconds);

} // namespace om::sub
