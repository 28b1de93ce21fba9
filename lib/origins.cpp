// The event numbers had per node and incarnation, as ranges (origins.hpp).
#include "origins.hpp"

#include <algorithm>
#include <stdexcept>

namespace om {

bool Origins::contains(const Incarnation& i, std::uint64_t eid) {
    auto r = i.ranges.upper_bound(eid);
    return r != i.ranges.begin() && eid <= std::prev(r)->second;
}

bool Origins::had(std::string_view node, std::uint64_t inc, std::uint64_t eid) const {
    const auto it = nodes_.find(std::string(node));
    if (it == nodes_.end()) return false;
    for (const auto& i : it->second)
        if (i.inc == inc) return contains(i, eid);
    return false;
}

void Origins::add(Incarnation& i, std::uint64_t from, std::uint64_t to) {
    // Merge with the ranges it overlaps or touches, so that they stay disjoint and few. A
    // range that reaches back to the one below grows that one in place: the next event of
    // an orderly stream costs no allocation.
    auto it = i.ranges.upper_bound(from);
    auto range = it;
    if (it != i.ranges.begin() && std::prev(it)->second + 1 >= from) {
        range = std::prev(it);
        range->second = std::max(range->second, to);
    } else {
        range = i.ranges.emplace_hint(it, from, to);
    }
    while (it != i.ranges.end() && it->first <= range->second + 1) {
        range->second = std::max(range->second, it->second);
        it = i.ranges.erase(it);
    }
    if (i.ranges.size() > kRanges) i.ranges.erase(i.ranges.begin());
}

bool Origins::record(std::string_view node, std::uint64_t inc, std::uint64_t eid) {
    auto& incs = nodes_[std::string(node)];
    for (auto& i : incs)
        if (i.inc == inc) {
            if (contains(i, eid)) return false;
            add(i, eid, eid);
            return true;
        }
    if (incs.size() >= kIncarnations) {
        // Incarnations are start times: the smallest is the oldest run of the node.
        incs.erase(std::min_element(incs.begin(), incs.end(),
                                    [](const auto& a, const auto& b) { return a.inc < b.inc; }));
    }
    incs.push_back(Incarnation{inc, {}});
    add(incs.back(), eid, eid);
    return true;
}

nlohmann::json Origins::to_json() const {
    auto j = nlohmann::json::object();
    for (const auto& [node, incs] : nodes_) {
        auto& list = j[node] = nlohmann::json::array();
        for (const auto& i : incs) {
            auto ranges = nlohmann::json::array();
            for (const auto& [from, to] : i.ranges)
                ranges.push_back({from, to});
            list.push_back({i.inc, ranges});
        }
    }
    return j;
}

Origins Origins::from_json(const nlohmann::json& j) {
    if (!j.is_object()) throw std::runtime_error("origins: expected an object of nodes");
    Origins o;
    for (const auto& [node_name, incs] : j.items()) {
        const std::string& node = node_name; // clang 14 captures no structured binding
        const auto bad = [&](const nlohmann::json& e) {
            return std::runtime_error("origins of " + node + ": bad entry " + e.dump());
        };
        if (!incs.is_array()) throw bad(incs);
        for (const auto& i : incs) {
            if (!i.is_array() || i.size() != 2 || !i[0].is_number_unsigned() || !i[1].is_array())
                throw bad(i);
            auto& incarnation =
                o.nodes_[node].emplace_back(Incarnation{i[0].get<std::uint64_t>(), {}});
            for (const auto& r : i[1]) {
                if (!r.is_array() || r.size() != 2 || !r[0].is_number_unsigned() ||
                    !r[1].is_number_unsigned() || r[0] > r[1])
                    throw bad(i);
                o.add(incarnation, r[0].get<std::uint64_t>(), r[1].get<std::uint64_t>());
            }
        }
    }
    return o;
}

} // namespace om
