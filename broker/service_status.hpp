// Aggregation of service instances into `monitor.services.<svc>`
// (avail, overall, frozen, placement, provisioned).
//
// Each instance is reduced to a small summary; a service keeps counters over its instances'
// summaries, so that one instance change costs O(1) whatever the cluster size. The rules,
// applied by aggregate() to the counters (the same in the broker and in any replica):
//
//   avail        no instance, or all "n/a"         -> "n/a"
//                flex (any instance has topology "flex"):
//                  up >= flex_min_nodes (default 1) -> "up"; some up or warn -> "warn"; else "down"
//                failover (default):
//                  exactly one up, no warn          -> "up"; more than one up, or a warn -> "warn"
//                  none up                          -> "down"
//   overall      "warn" when avail is "warn" or an instance's overall is "warn"; else avail
//   frozen       no instance "n/a"; all frozen "frozen"; none "thawed"; else "mixed"
//                (an instance is frozen when `frozen` is true, a number > 0 or "frozen")
//   placement    "n/a" when avail is "n/a" or "down"; "non-optimal" when an up instance has
//                monitor.placement "non-leader"; else "optimal"
//   provisioned  over the instances that say (a boolean): true when all true, false when all
//                false, "mixed" otherwise; "n/a" when none says
#pragma once

#include "json_path.hpp"

#include <map>
#include <string>
#include <unordered_map>

namespace om {

// What one instance contributes to its service's aggregate.
struct InstanceSummary {
    std::string avail = "n/a";
    bool overall_warn = false;
    bool frozen = false;
    int provisioned = -1; // -1 unknown, 0 false, 1 true
    bool flex = false;
    long flex_min = 1;
    bool non_leader = false;

    bool operator==(const InstanceSummary&) const = default;
};

// Reduces an instance status (monitor.nodes.<n>.services.status.<svc>) to its summary.
InstanceSummary summarize_instance(const json& instance);

// Counters over the instance summaries of one service.
struct ServiceCounts {
    long instances = 0, up = 0, down = 0, warn = 0, na = 0, other = 0;
    long overall_warn = 0, frozen = 0, prov_true = 0, prov_false = 0, flex = 0, up_non_leader = 0;
    std::map<long, long> flex_min; // value -> how many flex instances declare it

    void add(const InstanceSummary& s, int sign);
};

// The aggregate of one service: provisioned is "true", "false", "mixed" or "n/a".
struct ServiceAggregate {
    std::string avail, overall, frozen, placement, provisioned;
    bool operator==(const ServiceAggregate&) const = default;
    json to_json() const;
    std::string to_text() const; // the same, serialized
};

// The aggregate of one service from its counters (rules above).
ServiceAggregate aggregate(const ServiceCounts& c);

// Keeps every service's counters up to date as instances change.
class ServiceAggregator {
  public:
    // Records the instance of `svc` on `node` (nullptr: the instance is gone). Returns true
    // and sets `out` to the new aggregate (null when the service has no instance left) when
    // the service's aggregate changed.
    bool update(const std::string& node, const std::string& svc, const json* instance, json& out);
    // The same, also giving the new aggregate serialized in `text` (empty when removed).
    bool update(const std::string& node, const std::string& svc, const json* instance, json& out,
                std::string& text);

    // The aggregate of a service, or null when it has no instance.
    json current(const std::string& svc) const;

    // Forgets everything and rebuilds from a whole cluster status document; returns the
    // whole `monitor.services` object.
    json rebuild(const json& doc);

  private:
    struct Service {
        ServiceCounts counts;
        ServiceAggregate agg;
        bool has_agg = false;
        std::unordered_map<std::string, InstanceSummary> instances; // by node
    };
    std::unordered_map<std::string, Service> services_;
};

// The `monitor.services` object computed from scratch from a whole status document.
json aggregate_services(const json& doc);

} // namespace om
