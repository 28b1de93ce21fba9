// Merging heartbeats into the cluster status document (see cluster.hpp).
#include "cluster.hpp"

#include "log.hpp"
#include "patch.hpp"
#include "wire.hpp"

#include <algorithm>
#include <set>
#include <stdexcept>

namespace om::broker {

// Keys as string_views: simdjson's const char* lookups measure the key with strlen each time.
using namespace std::string_view_literals;

namespace {

const std::string kMonitor = "monitor", kNodes = "nodes", kServices = "services",
                  kStatus = "status", kHeartbeats = "heartbeats", kCluster = "cluster";

Path node_path(const std::string& n) {
    return Path{kMonitor, kNodes, n};
}
Path hb_path(const std::string& n) {
    return Path{kHeartbeats, n};
}

// Writes obj into out as dump() writes it (members in key order, no spaces), each member's
// value written by write_value(key, value).
template <class WriteValue>
void write_object(HugeText& out, const json& obj, WriteValue write_value) {
    out += '{';
    bool first = true;
    for (auto it = obj.begin(); it != obj.end(); ++it) {
        if (!first) out += ',';
        first = false;
        out += json(it.key()).dump(); // the key, escaped as dump() escapes it
        out += ':';
        write_value(it.key(), it.value());
    }
    out += '}';
}

// The service names under a node dataset's services.status.
std::set<std::string> service_names(const json* dataset) {
    std::set<std::string> out;
    if (!dataset) return out;
    const json* st = find(*dataset, Path{kServices, kStatus});
    if (st && st->is_object())
        for (auto it = st->begin(); it != st->end(); ++it)
            out.insert(it.key());
    return out;
}

} // namespace

Cluster::Cluster(const BrokerConfig& config, Sink& sink) : config_(config), sink_(sink) {
    doc_ = json{{kCluster, {{"name", config_.cluster}, {"nodes", json::array()}}},
                {kMonitor, {{kNodes, json::object()}, {kServices, json::object()}}},
                {kHeartbeats, json::object()}};
    nodes_json_ = &doc_[kMonitor][kNodes];
    services_json_ = &doc_[kMonitor][kServices];
    heartbeats_json_ = &doc_[kHeartbeats];
    // Members are presumed beating until the timeout: they may be starting with the broker.
    const auto now = Clock::now();
    for (const auto& name : config_.nodes) {
        if (!members_.insert(name).second) continue; // listed twice
        auto& n = nodes_[name];
        n.beating = n.awaited = true;
        n.last = now;
        n.order = beating_order_.insert(beating_order_.end(), name);
        doc_[kCluster]["nodes"].push_back(name);
    }
}

Cluster::NodeState& Cluster::admit(const std::string& route, const std::string& nodename,
                                   Clock::time_point now) {
    if (!wire::valid_nodename(nodename))
        throw std::runtime_error("invalid nodename '" + nodename + "'");
    // A connection speaks for one node only: the first name it used.
    auto [owner, fresh] = route_owner_.try_emplace(route, nodename);
    if (!fresh && owner->second != nodename) {
        ++stats_.refused;
        sink_.event(config_.name, "blacklist_add",
                    json{{"id", "blacklist_add"},
                         {"sender", owner->second},
                         {"claimed", nodename},
                         {"reason", "nodename_mismatch"}});
        throw std::runtime_error("connection of node '" + owner->second + "' claims to be '" +
                                 nodename + "', refused");
    }
    auto it = nodes_.find(nodename);
    if (it == nodes_.end()) {
        if (nodes_.size() >= config_.max_nodes) {
            ++stats_.refused;
            throw std::runtime_error(fmt::format("node '{}' refused: max_nodes ({}) reached",
                                                 nodename, config_.max_nodes));
        }
        it = nodes_.emplace(nodename, NodeState{}).first;
        // Stale until set_beating below: every node is in the list its `beating` names.
        it->second.stale_since = now;
        it->second.order = stale_order_.insert(stale_order_.end(), nodename);
    }
    auto& n = it->second;
    n.route = route;
    n.last = now;
    const bool first_word = n.awaited; // a member beating by presumption: now for real
    n.awaited = false;
    if (!n.beating || first_word)
        set_beating(nodename, n, true, now);
    else
        restart_clock(n, true);
    return n;
}

void Cluster::restart_clock(NodeState& n, bool was_beating) {
    // A splice moves the element itself: n.order stays valid.
    auto& to = order_of(n.beating);
    to.splice(to.end(), order_of(was_beating), n.order);
}

void Cluster::set_beating(const std::string& nodename, NodeState& n, bool beating,
                          Clock::time_point now) {
    const bool was_beating = n.beating;
    n.beating = beating;
    PatchWriter w;
    // "last" 0: a member never heard from in this run.
    const json value =
        json{{"beating", beating}, {"last", n.awaited ? 0.0 : wire::now_ts()}, {"gen", n.gen}};
    if (!heartbeats_json_->contains(nodename)) {
        (*heartbeats_json_)[nodename] = value;
        w.set(hb_path(nodename), value);
    } else {
        Path p = hb_path(nodename);
        p.emplace_back(std::string("beating"));
        (*heartbeats_json_)[nodename]["beating"] = beating;
        w.set(p, json(beating));
    }
    if (!beating) n.stale_since = now;
    restart_clock(n, was_beating);
    sink_.patch(config_.name, w);
    json data{{"id", beating ? "hb_beating" : "hb_stale"}, {"nodename", nodename}};
    if (!beating) {
        data["hb"] = {{"timeout", std::chrono::duration<double>(config_.hb_timeout).count()},
                      {"last", (*heartbeats_json_)[nodename].value("last", 0.0)}};
        if (n.awaited) data["reason"] = "not_heard_since_start"; // a member, silent all along
    }
    if (auto m = find(*nodes_json_, Path{nodename, kMonitor})) data["monitor"] = *m;
    sink_.event(config_.name, beating ? "hb_beating" : "hb_stale", std::move(data));
}

void Cluster::ask_full(NodeState& n, const std::string& nodename, const char* reason,
                       Clock::time_point now) {
    n.synced = false;
    // One request per 100 ms at most: a full is already on its way meanwhile.
    if (now - n.last_full_request < std::chrono::milliseconds(100)) return;
    n.last_full_request = now;
    ++stats_.full_requests;
    sink_.request_full(n.route, nodename, reason);
}

void Cluster::add_to_cluster_nodes(const std::string& nodename, PatchWriter& w) {
    if (members_.count(nodename)) return; // listed from the start
    auto& list = doc_[kCluster]["nodes"];
    w.set(Path{kCluster, std::string("nodes"), list.size()}, json(nodename));
    list.push_back(nodename);
}

void Cluster::remove_from_cluster_nodes(const std::string& nodename, PatchWriter& w) {
    if (members_.count(nodename)) return; // listed for good
    auto& list = doc_[kCluster]["nodes"];
    for (std::size_t i = 0; i < list.size(); ++i) {
        if (list[i] == nodename) {
            w.del(Path{kCluster, std::string("nodes"), i});
            list.erase(i);
            return;
        }
    }
}

void Cluster::on_heartbeat(const std::string& route, simdjson::dom::element msg,
                           Clock::time_point now, std::string_view key_owner,
                           std::string_view text) {
    auto hb = read_heartbeat(msg, config_.max_ops_per_delta);
    hb.text = text;
    if (!key_owner.empty() && hb.nodename != key_owner) {
        ++stats_.refused;
        sink_.event(config_.name, "blacklist_add",
                    json{{"id", "blacklist_add"},
                         {"sender", std::string(key_owner)},
                         {"claimed", hb.nodename},
                         {"reason", "key_mismatch"}});
        throw std::runtime_error("the CURVE key of node '" + std::string(key_owner) +
                                 "' claims to be '" + hb.nodename + "', refused");
    }
    if (!hb.error.empty()) throw std::runtime_error(hb.error); // before anything changes
    auto& n = admit(route, hb.nodename, now);
    switch (hb.kind) {
    case Heartbeat::Kind::Full:
        return handle_full(n, hb);
    case Heartbeat::Kind::Delta:
        return handle_delta(n, hb, now);
    case Heartbeat::Kind::Ping:
        return handle_ping(n, hb, now);
    case Heartbeat::Kind::Event:
        return handle_event(n, hb);
    }
}

void Cluster::handle_full(NodeState& n, const Heartbeat& hb) {
    if (hb.inc == n.inc && n.synced && hb.gen <= n.gen) {
        ++stats_.duplicates;
        return;
    }
    ++stats_.fulls;
    n.inc = hb.inc;
    n.gen = hb.gen;
    n.synced = true;
    PatchWriter w;
    install_full(n, hb.nodename, to_json(hb.data), w);
    w.set(Path{kHeartbeats, hb.nodename, std::string("gen")}, json(hb.gen));
    (*heartbeats_json_)[hb.nodename]["gen"] = hb.gen;
    ++stats_.accepted;
    sink_.patch(hb.nodename, w);
}

void Cluster::handle_delta(NodeState& n, const Heartbeat& hb, Clock::time_point now) {
    PatchWriter w;
    if (hb.inc != n.inc || !n.synced) {
        ++stats_.unknown;
        ask_full(n, hb.nodename, n.inc == hb.inc ? "gap" : "unknown", now);
    } else if (hb.gen <= n.gen) {
        ++stats_.duplicates;
    } else if (hb.gen != n.gen + 1) {
        ++stats_.gaps;
        log_warning("node {}: generation {} after {}, asking for a full", hb.nodename, hb.gen,
                    n.gen);
        ask_full(n, hb.nodename, "gap", now);
    } else {
        apply_delta(n, hb.nodename, hb.ops, w, now);
    }
    ++stats_.accepted;
    if (!w.empty()) sink_.patch(hb.nodename, w);
}

void Cluster::handle_ping(NodeState& n, const Heartbeat& hb, Clock::time_point now) {
    if (hb.inc != n.inc || !n.synced || hb.gen != n.gen) {
        ++stats_.unknown;
        ask_full(n, hb.nodename, hb.inc != n.inc ? "unknown" : "gap", now);
    }
    // Whole microseconds: the document's double is the nearest to the patch's text
    // (append_ts), so a replica that parses the text holds the very same value, and the
    // text costs no JSON dump. The writer and the text keep their buffers across pings.
    const double ts = double(wire::now_us()) / 1e6;
    (*heartbeats_json_)[hb.nodename]["last"] = ts;
    ping_text_.clear();
    append_ts(ping_text_, ts);
    ping_ops_.clear();
    ping_ops_.set_text({kHeartbeats, hb.nodename, "last"}, ping_text_);
    ++stats_.accepted;
    sink_.patch(hb.nodename, ping_ops_);
}

void Cluster::handle_event(NodeState& n, const Heartbeat& hb) {
    wire::Origin origin;
    if (hb.eid != 0) {
        if (!published_.record(hb.nodename, hb.inc, hb.eid)) {
            ++stats_.event_repeats; // resent after a reconnection: published already
            return;
        }
        origin.inc = hb.inc;
        origin.eid = hb.eid;
        if (hb.resent) {
            origin.resent = true;
            origin.ts = hb.ts;
        }
    }
    publish_event(hb.nodename, n, hb.data, origin,
                  hb.text.empty() ? std::nullopt : raw_member(hb.text, "data", hb.data_last));
}

void Cluster::install_full(NodeState& n, const std::string& nodename, json data, PatchWriter& w) {
    auto it = nodes_json_->find(nodename);
    const json* old = it == nodes_json_->end() ? nullptr : &*it;
    auto svcs = service_names(old);
    for (auto& s : service_names(&data))
        svcs.insert(s);
    n.data_text.clear();
    if (!old) {
        // Its text goes in the patch and is kept for snapshots: written once for both.
        n.data_text = data.dump();
        n.data_text.shrink_to_fit(); // kept: dump() leaves up to twice the room
        w.set_text(node_path(nodename), n.data_text);
    } else {
        Path prefix = node_path(nodename);
        Ops ops;
        diff_into(*old, data, prefix, ops);
        for (const auto& op : ops)
            op.value ? w.set(op.path, *op.value) : w.del(op.path);
    }
    (*nodes_json_)[nodename] = std::move(data);
    n.monitor_text.clear();
    if (!n.present) {
        n.present = true;
        add_to_cluster_nodes(nodename, w);
    }
    for (const auto& s : svcs)
        reaggregate(nodename, s, w);
}

void Cluster::apply_delta(NodeState& n, const std::string& nodename, simdjson::dom::array ops,
                          PatchWriter& w, Clock::time_point now) {
    json& dataset = (*nodes_json_)[nodename];
    n.data_text.clear(); // any op may change it, the first bad one ending the delta
    std::set<std::string> touched;
    std::size_t applied = 0;
    for (auto e : ops) {
        simdjson::dom::array op;
        Path rel;
        if (e.get_array().get(op) || op.size() < 1 || op.size() > 2 ||
            !append_path(op.at(0).value_unsafe(), rel) || rel.empty()) {
            ++stats_.bad_ops;
            log_warning("node {}: malformed op #{} in delta gen {}, asking for a full", nodename,
                        applied, n.gen + 1);
            ask_full(n, nodename, "error", now);
            break;
        }
        // Which services' aggregates this op may change: one instance, or all of them when
        // the op replaces services or services.status whole (old and new names both count).
        const auto* k0 = std::get_if<std::string>(&rel[0]);
        if (k0 && *k0 == kMonitor) n.monitor_text.clear();
        const bool services_op = k0 && *k0 == kServices;
        const auto* k1 =
            services_op && rel.size() > 1 ? std::get_if<std::string>(&rel[1]) : nullptr;
        const bool whole =
            services_op && (rel.size() == 1 || (k1 && *k1 == kStatus && rel.size() == 2));
        if (whole) {
            for (auto& s : service_names(&dataset))
                touched.insert(s);
        } else if (k1 && *k1 == kStatus) {
            if (const auto* svc = std::get_if<std::string>(&rel[2])) touched.insert(*svc);
        }
        Op applied_op;
        applied_op.path = std::move(rel);
        std::string& value_text = op_text_; // the value as sent, for the patch as is
        value_text.clear();
        if (op.size() == 2) {
            const auto v = op.at(1).value_unsafe();
            applied_op.value = to_json(v);
            append_json(value_text, v);
        }
        try {
            apply_patch(dataset, std::move(applied_op));
        } catch (const PatchError& err) {
            ++stats_.bad_ops;
            log_warning("node " + nodename + ": " + err.what() + ", asking for a full");
            ask_full(n, nodename, "error", now);
            break;
        }
        // monitor.nodes.<node> then the op's own path, written without a Path of the two.
        if (op.size() == 2)
            w.set_text({kMonitor, kNodes, nodename}, applied_op.path, value_text);
        else
            w.del({kMonitor, kNodes, nodename}, applied_op.path);
        if (whole)
            for (auto& s : service_names(&dataset))
                touched.insert(s);
        ++applied;
    }
    if (n.synced) n.gen += 1;
    for (const auto& s : touched)
        reaggregate(nodename, s, w);
}

void Cluster::reaggregate(const std::string& nodename, const std::string& svc, PatchWriter& w) {
    const json* inst = find(*nodes_json_, Path{nodename, kServices, kStatus, svc});
    json agg;
    std::string text;
    if (!services_.update(nodename, svc, inst, agg, text)) return;
    const Path p{kMonitor, kServices, svc};
    if (agg.is_null()) {
        services_json_->erase(svc);
        w.del(p);
    } else {
        w.set_text(p, text);
        (*services_json_)[svc] = std::move(agg);
    }
}

void Cluster::publish_event(const std::string& nodename, NodeState& n, simdjson::dom::element data,
                            const wire::Origin& origin, std::optional<std::string_view> data_text) {
    // Snapshots as the specification shows them: the node monitor always; the service
    // aggregate and the instance when the event concerns a service. The body is spliced
    // from the sender's data text and the cached monitor text: no JSON tree is built.
    // The node's dataset, looked up only by the snapshots that need it: most events find
    // the monitor's text cached and name no service.
    const auto dataset = [&]() -> const json* {
        const auto ds = nodes_json_->find(nodename);
        return ds == nodes_json_->end() ? nullptr : &*ds;
    };
    // One pass (members()): the last three keys are absent from all but a rare event, and a
    // lookup of an absent key scans the whole object.
    const auto keys =
        members(data.get_object().value_unsafe(),
                std::array{"id"sv, "svcname"sv, "monitor"sv, "service"sv, "instance"sv});
    std::string_view id, svc;
    if (!keys[0] || keys[0]->get_string().get(id)) return; // checked on arrival
    const bool has_svc = keys[1] && !keys[1]->get_string().get(svc);
    if (keys[2] || keys[3] || keys[4]) {
        // The broker owns these keys: the sender's are replaced (rare, so the slow way).
        json d = to_json(data);
        d.erase("monitor");
        d.erase("service");
        d.erase("instance");
        const std::string text = d.dump();
        JsonParser p;
        publish_event(nodename, n, p.parse(text), origin);
        return;
    }
    if (n.monitor_text.empty()) {
        const json* d = dataset();
        const json* m = d ? find(*d, Path{kMonitor}) : nullptr;
        n.monitor_text = m ? m->dump() : "{}";
    }
    std::string& text = event_text_; // its capacity kept from one event to the next
    text.clear();
    // The node's own text of its data when it can be spliced as is (no byte a frame cannot
    // carry), else the same JSON written again from the parsed value.
    if (data_text && data_text->size() >= 2 && data_text->back() == '}')
        text.append(*data_text);
    else
        append_json(text, data);
    text.pop_back(); // the closing brace
    if (text.size() > 1) text.push_back(',');
    text += "\"monitor\":";
    text += n.monitor_text;
    if (has_svc) {
        const std::string name(svc);
        const auto a = services_json_->find(name);
        const json* agg = a == services_json_->end() ? nullptr : &*a;
        const json* d = dataset();
        const json* inst = d ? find(*d, Path{kServices, kStatus, name}) : nullptr;
        text += ",\"service\":";
        text += agg ? agg->dump() : "{}";
        text += ",\"instance\":";
        text += inst ? inst->dump() : "{}";
    }
    text.push_back('}');
    sink_.event_text(nodename, id, text, origin);
}

void Cluster::check_liveness(Clock::time_point now) {
    // Both lists run oldest first: the first node whose time has not run out ends the look.
    std::vector<std::string> forgotten;
    for (const auto& name : stale_order_) {
        if (now - nodes_.at(name).stale_since <= config_.hb_grace) break;
        forgotten.push_back(name);
    }
    while (!beating_order_.empty()) {
        const std::string name = beating_order_.front(); // set_beating moves it away
        auto& n = nodes_.at(name);
        if (now - n.last <= config_.hb_timeout) break;
        log_warning("node " + name +
                    (n.awaited ? " not heard from since the broker started: hb status stale"
                               : " hb status beating => stale"));
        set_beating(name, n, false, now);
    }
    for (const auto& name : forgotten)
        forget(name);
}

Clock::time_point Cluster::next_liveness_check() const {
    // check_liveness acts once the time is strictly past; a millisecond more keeps a loop
    // that polls in milliseconds from waking just before it and looking for nothing.
    constexpr auto past = std::chrono::milliseconds(1);
    auto next = Clock::time_point::max();
    if (!stale_order_.empty())
        next = nodes_.at(stale_order_.front()).stale_since + config_.hb_grace + past;
    if (!beating_order_.empty())
        next = std::min(next, nodes_.at(beating_order_.front()).last + config_.hb_timeout + past);
    return next;
}

HugeText Cluster::document_text() {
    HugeText out(document_bytes_ + document_bytes_ / 8);
    write_json(out, doc_);
    document_bytes_ = out.size();
    return out;
}

void Cluster::write_json(HugeText& out, const json& v) {
    if (&v == nodes_json_) {
        write_object(out, v, [&](const std::string& name, const json& dataset) {
            const auto it = nodes_.find(name);
            if (it == nodes_.end()) return write_json(out, dataset); // every dataset has its node
            auto& text = it->second.data_text;
            if (text.empty()) {
                text = dataset.dump();
                text.shrink_to_fit();
            }
            out += text;
        });
    } else if (&v == &doc_ || &v == &doc_.at(kMonitor)) { // the objects above the datasets
        write_object(out, v, [&](const std::string&, const json& m) { write_json(out, m); });
    } else {
        out += v.dump();
    }
}

void Cluster::forget(const std::string& nodename) {
    log_warning("node " + nodename + " stale for longer than the grace, forgetting its data");
    PatchWriter w;
    const json* old = find(*nodes_json_, Path{nodename});
    const auto svcs = service_names(old);
    // Kept for the event: the dataset is erased below.
    const json monitor = old && old->contains(kMonitor) ? (*old)[kMonitor] : json::object();
    if (old) {
        nodes_json_->erase(nodename);
        w.del(node_path(nodename));
    }
    remove_from_cluster_nodes(nodename, w);
    heartbeats_json_->erase(nodename);
    w.del(hb_path(nodename));
    for (const auto& s : svcs)
        reaggregate(nodename, s, w);
    if (auto it = nodes_.find(nodename); it != nodes_.end()) {
        order_of(it->second.beating).erase(it->second.order);
        nodes_.erase(it);
    }
    for (auto it = route_owner_.begin(); it != route_owner_.end();)
        it = it->second == nodename ? route_owner_.erase(it) : std::next(it);
    sink_.patch(config_.name, w);
    sink_.event(config_.name, "forget_peer",
                json{{"id", "forget_peer"},
                     {"reason", "no_rx"},
                     {"nodename", nodename},
                     {"monitor", monitor}});
}

std::vector<NodeBeat> Cluster::beats(Clock::time_point now) const {
    std::vector<NodeBeat> out;
    out.reserve(nodes_.size());
    for (const auto& [name, n] : nodes_) {
        NodeBeat b{name, std::nullopt, n.beating};
        if (!n.awaited) b.age = std::chrono::duration<double>(now - n.last).count();
        out.push_back(std::move(b));
    }
    std::sort(out.begin(), out.end(),
              [](const NodeBeat& a, const NodeBeat& b) { return a.nodename < b.nodename; });
    return out;
}

} // namespace om::broker
