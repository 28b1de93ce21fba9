// A heartbeat of the ingest socket (docs/protocol.md, "The ingest socket"), read once into a
// typed value: its kind, sender, incarnation and generation, and what its kind carries.
#pragma once

#include <cstdint>
#include <simdjson.h>
#include <string>
#include <string_view>

namespace om::broker {

struct Heartbeat {
    enum class Kind { Full, Delta, Ping, Event };
    Kind kind = Kind::Ping;
    std::string nodename;
    std::uint64_t inc = 0, gen = 0;
    simdjson::dom::element data; // full: the dataset; event: the event (an object with an id)
    simdjson::dom::array ops;    // delta
    std::uint64_t eid = 0;       // event: its number in the incarnation; 0 when not numbered
    bool resent = false;         // event: sent again, emitted at `ts`
    double ts = 0;               // when the node made it (an event's emission time)
    bool data_last = false;      // `data` is the frame's last member, and its only one
    // Why the heartbeat cannot be merged, when not empty: a kind's missing part, too many
    // ops. The sender is read before, so that a CURVE key claiming another name is refused
    // as such whatever else is wrong.
    std::string error;
    std::string_view text; // the frame's JSON text, when the caller gave it
};

// Reads msg (one parsed ingest frame). A frame that is no object, or has no string kind or
// nodename, throws std::runtime_error (one line); anything else wrong sets `error` (no inc
// or gen, an unknown kind, a kind without what it needs). Elements point into msg's parser.
Heartbeat read_heartbeat(simdjson::dom::element msg, std::size_t max_ops);

} // namespace om::broker
