// Origins: the node events a subscriber already had, by their origin (node, incarnation,
// event number; wire.hpp). Brokers number the same event differently, so after moving to
// another broker (or to a restarted one that a node resent to) the sequence numbers
// cannot tell what was had; the origin can. A node numbers the events of one incarnation
// 1, 2, 3..., and a broker publishes them in that order, so one mark per incarnation (the
// highest event number had) is enough. The last few incarnations of a node are kept.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace om::sub {

class Origins {
  public:
    // True when event `eid` of incarnation `inc` of `node` is at or below its mark.
    bool had(std::string_view node, std::uint64_t inc, std::uint64_t eid) const;
    // Raises the mark of (node, inc) to eid; a new incarnation pushes out the oldest kept.
    void record(std::string_view node, std::uint64_t inc, std::uint64_t eid);
    bool empty() const { return marks_.empty(); }

    // {"<node>": [[inc, eid], ...]}, for a persisted cursor.
    nlohmann::json to_json() const;
    // The inverse of to_json(); throws std::runtime_error on another shape.
    static Origins from_json(const nlohmann::json& j);

    // Incarnations kept per node: a node restarts rarely, and an incarnation pushed out
    // only matters for a subscriber that skips this many restarts of one node at once.
    static constexpr std::size_t kIncarnations = 4;

  private:
    using Marks = std::vector<std::pair<std::uint64_t, std::uint64_t>>; // (inc, eid)
    std::unordered_map<std::string, Marks> marks_;
};

} // namespace om::sub
