// Origins: which node events were had, by their origin (node, incarnation, event number;
// wire.hpp). Brokers number the same event differently, so after a move to another
// broker, or to a restarted one that the nodes resent their recent events to, sequence
// numbers cannot tell what was had; the origin can. The broker uses it to publish a resent
// event once per run, subscribers to skip what they had from another run.
//
// Events of one incarnation mostly arrive in order, so the numbers had are kept as ranges
// (one range for an orderly stream); a resend after a broker restart may fill a hole
// below. Bounded: the last few incarnations of a node, a few ranges each (the lowest range
// is forgotten first: an event then counts as not had, a repeat rather than a loss).
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace om {

class Origins {
  public:
    // True when event `eid` of incarnation `inc` of `node` was recorded.
    bool had(std::string_view node, std::uint64_t inc, std::uint64_t eid) const;
    // Records it; a new incarnation pushes out the oldest kept. Returns false when it was
    // recorded already: one lookup answers "had?" and records, on the hot paths.
    bool record(std::string_view node, std::uint64_t inc, std::uint64_t eid);
    bool empty() const { return nodes_.empty(); }

    // {"<node>": [[inc, [[from, to], ...]], ...]}, for a persisted cursor.
    nlohmann::json to_json() const;
    // The inverse of to_json(); throws std::runtime_error on another shape.
    static Origins from_json(const nlohmann::json& j);

    // A node restarts rarely: an incarnation pushed out only matters to a subscriber that
    // misses this many restarts of one node at once.
    static constexpr std::size_t kIncarnations = 4;
    // Holes are rare (a resend after a broker restart fills one and merges).
    static constexpr std::size_t kRanges = 16;

  private:
    struct Incarnation {
        std::uint64_t inc = 0;
        std::map<std::uint64_t, std::uint64_t> ranges; // from -> to, disjoint, not touching
    };
    static bool contains(const Incarnation& i, std::uint64_t eid);
    void add(Incarnation& i, std::uint64_t from, std::uint64_t to);
    std::unordered_map<std::string, std::vector<Incarnation>> nodes_;
};

} // namespace om
