// The origin marks of the events a subscriber had (origins.hpp).
#include "origins.hpp"

#include <algorithm>
#include <stdexcept>

namespace om::sub {

bool Origins::had(std::string_view node, std::uint64_t inc, std::uint64_t eid) const {
    const auto it = marks_.find(std::string(node));
    if (it == marks_.end()) return false;
    for (const auto& [i, e] : it->second)
        if (i == inc) return eid <= e;
    return false;
}

void Origins::record(std::string_view node, std::uint64_t inc, std::uint64_t eid) {
    auto& marks = marks_[std::string(node)];
    for (auto& [i, e] : marks)
        if (i == inc) {
            e = std::max(e, eid);
            return;
        }
    marks.emplace_back(inc, eid);
    if (marks.size() > kIncarnations) {
        // Incarnations are start times: the smallest is the oldest run of the node.
        marks.erase(std::min_element(marks.begin(), marks.end()));
    }
}

nlohmann::json Origins::to_json() const {
    auto j = nlohmann::json::object();
    for (const auto& [node, marks] : marks_) {
        auto& list = j[node] = nlohmann::json::array();
        for (const auto& [inc, eid] : marks)
            list.push_back({inc, eid});
    }
    return j;
}

Origins Origins::from_json(const nlohmann::json& j) {
    if (!j.is_object()) throw std::runtime_error("origins: expected an object of nodes");
    Origins o;
    for (const auto& [node, marks] : j.items()) {
        if (!marks.is_array()) throw std::runtime_error("origins of " + node + ": expected a list");
        for (const auto& m : marks) {
            if (!m.is_array() || m.size() != 2 || !m[0].is_number_unsigned() ||
                !m[1].is_number_unsigned())
                throw std::runtime_error("origins of " + node + ": bad entry " + m.dump());
            o.record(node, m[0].get<std::uint64_t>(), m[1].get<std::uint64_t>());
        }
    }
    return o;
}

} // namespace om::sub
