// Service aggregation (rules in service_status.hpp).
#include "service_status.hpp"

#include "json_fields.hpp"

namespace om {

InstanceSummary summarize_instance(const json& inst) {
    InstanceSummary s;
    if (!inst.is_object()) return s;
    if (auto a = string_at(inst, "avail")) s.avail = *a;
    if (auto o = string_at(inst, "overall")) s.overall_warn = *o == "warn";
    if (auto it = inst.find("frozen"); it != inst.end()) {
        if (it->is_boolean())
            s.frozen = it->get<bool>();
        else if (it->is_number())
            s.frozen = it->get<double>() > 0;
        else if (it->is_string())
            s.frozen = it->get_ref<const std::string&>() == "frozen";
    }
    if (auto it = inst.find("provisioned"); it != inst.end() && it->is_boolean())
        s.provisioned = it->get<bool>() ? 1 : 0;
    if (auto t = string_at(inst, "topology")) s.flex = *t == "flex";
    if (auto it = inst.find("flex_min_nodes"); it != inst.end() && it->is_number_integer())
        s.flex_min = it->get<long>();
    if (auto m = inst.find("monitor"); m != inst.end() && m->is_object())
        if (auto p = string_at(*m, "placement")) s.non_leader = *p == "non-leader";
    return s;
}

void ServiceCounts::add(const InstanceSummary& s, int sign) {
    instances += sign;
    if (s.avail == "up")
        up += sign;
    else if (s.avail == "down")
        down += sign;
    else if (s.avail == "warn")
        warn += sign;
    else if (s.avail == "n/a")
        na += sign;
    else
        other += sign;
    overall_warn += s.overall_warn ? sign : 0;
    frozen += s.frozen ? sign : 0;
    if (s.provisioned == 1) prov_true += sign;
    if (s.provisioned == 0) prov_false += sign;
    if (s.avail == "up" && s.non_leader) up_non_leader += sign;
    if (s.flex) {
        flex += sign;
        auto& n = flex_min[s.flex_min];
        n += sign;
        if (n == 0) flex_min.erase(s.flex_min);
    }
}

ServiceAggregate aggregate(const ServiceCounts& c) {
    std::string avail;
    if (c.instances == 0 || c.na == c.instances) {
        avail = "n/a";
    } else if (c.flex > 0) {
        const long min = c.flex_min.empty() ? 1 : c.flex_min.rbegin()->first;
        if (c.up >= std::max(min, 1L))
            avail = "up";
        else if (c.up > 0 || c.warn > 0)
            avail = "warn";
        else
            avail = "down";
    } else {
        if (c.up == 1 && c.warn == 0)
            avail = "up";
        else if (c.up > 1 || c.warn > 0)
            avail = "warn";
        else
            avail = "down";
    }
    const std::string overall = (avail == "warn" || c.overall_warn > 0) ? "warn" : avail;
    std::string frozen = c.instances == 0          ? "n/a"
                         : c.frozen == c.instances ? "frozen"
                         : c.frozen == 0           ? "thawed"
                                                   : "mixed";
    std::string placement = (avail == "n/a" || avail == "down") ? "n/a"
                            : c.up_non_leader > 0               ? "non-optimal"
                                                                : "optimal";
    std::string provisioned;
    const long known = c.prov_true + c.prov_false; // instances that say either way
    if (known == 0)
        provisioned = "n/a";
    else if (c.prov_true == known)
        provisioned = "true";
    else if (c.prov_false == known)
        provisioned = "false";
    else
        provisioned = "mixed";
    return ServiceAggregate{avail, overall, frozen, placement, provisioned};
}

json ServiceAggregate::to_json() const {
    json p = provisioned == "true"    ? json(true)
             : provisioned == "false" ? json(false)
                                      : json(provisioned);
    return json{{"avail", avail},
                {"frozen", frozen},
                {"overall", overall},
                {"placement", placement},
                {"provisioned", p}};
}

std::string ServiceAggregate::to_text() const {
    // Keys in the order nlohmann's sorted objects print them, so both forms are identical.
    std::string t = "{\"avail\":\"" + avail + "\",\"frozen\":\"" + frozen + "\",\"overall\":\"" +
                    overall + "\",\"placement\":\"" + placement + "\",\"provisioned\":";
    t +=
        (provisioned == "true" || provisioned == "false") ? provisioned : "\"" + provisioned + "\"";
    t += '}';
    return t;
}

bool ServiceAggregator::update(const std::string& node, const std::string& svc,
                               const json* instance, json& out) {
    std::string text;
    return update(node, svc, instance, out, text);
}

bool ServiceAggregator::update(const std::string& node, const std::string& svc,
                               const json* instance, json& out, std::string& text) {
    auto it = services_.find(svc);
    if (it == services_.end()) {
        if (!instance) return false;
        it = services_.emplace(svc, Service{}).first;
    }
    auto& service = it->second;
    auto prev = service.instances.find(node);
    if (prev != service.instances.end()) {
        service.counts.add(prev->second, -1);
        if (instance)
            prev->second = summarize_instance(*instance);
        else
            service.instances.erase(prev);
    } else if (instance) {
        prev = service.instances.emplace(node, summarize_instance(*instance)).first;
    }
    if (instance) service.counts.add(service.instances.at(node), +1);

    if (service.instances.empty()) {
        const bool had = service.has_agg;
        services_.erase(it);
        out = nullptr;
        text.clear();
        return had;
    }
    auto agg = aggregate(service.counts);
    if (service.has_agg && agg == service.agg) return false; // the common case: no JSON built
    service.agg = std::move(agg);
    service.has_agg = true;
    out = service.agg.to_json();
    text = service.agg.to_text();
    return true;
}

json ServiceAggregator::current(const std::string& svc) const {
    auto it = services_.find(svc);
    return it == services_.end() ? json(nullptr) : it->second.agg.to_json();
}

json ServiceAggregator::rebuild(const json& doc) {
    services_.clear();
    json all = json::object();
    const json* nodes = find(doc, Path{std::string("monitor"), std::string("nodes")});
    if (!nodes || !nodes->is_object()) return all;
    for (auto n = nodes->begin(); n != nodes->end(); ++n) {
        const json* status = find(n.value(), Path{std::string("services"), std::string("status")});
        if (!status || !status->is_object()) continue;
        for (auto s = status->begin(); s != status->end(); ++s) {
            json agg;
            update(n.key(), s.key(), &s.value(), agg);
        }
    }
    for (const auto& [name, service] : services_)
        all[name] = service.agg.to_json();
    return all;
}

json aggregate_services(const json& doc) {
    ServiceAggregator agg;
    return agg.rebuild(doc);
}

} // namespace om
