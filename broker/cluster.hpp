// The cluster status document and the merge of node heartbeats into it.
//
// Cluster owns the document ({cluster, monitor{nodes, services}, heartbeats}) and one
// NodeState per node. Each accepted heartbeat changes the document in place and hands one
// patch (all its ops) to the Sink; events go to the Sink enriched with snapshots; when a
// node's data cannot be merged (gap, unknown incarnation, bad op) the Sink is asked to
// request a full from it. Nothing here touches a socket, so the merge rules are testable
// and the cost of a heartbeat is the cost of its ops.
#pragma once

#include "config.hpp"
#include "heartbeat.hpp"
#include "huge_text.hpp"
#include "json_parse.hpp"
#include "origins.hpp"
#include "patch_writer.hpp"
#include "service_status.hpp"
#include "wire.hpp"

#include <chrono>
#include <list>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace om::broker {

using Clock = std::chrono::steady_clock;

// Where the cluster's output goes: the stream (patches, events) and the ingest socket.
class Sink {
  public:
    virtual ~Sink() = default;
    virtual void patch(const std::string& nodename, const PatchWriter& ops) = 0;
    virtual void event(const std::string& nodename, const std::string& id, json data) = 0;
    // A node's event, with the data object already serialized, and its origin (wire.hpp).
    virtual void event_text(const std::string& nodename, std::string_view id,
                            const std::string& data, const wire::Origin& origin) = 0;
    virtual void request_full(const std::string& route, const std::string& nodename,
                              const char* reason) = 0;
};

// Counters of what the merge did, served by the api's stats request.
// One node's liveness, for stats: seconds since its last heartbeat (nullopt: none heard in
// this run, a member awaited), and whether it is beating.
struct NodeBeat {
    std::string nodename;
    std::optional<double> age;
    bool beating = false;
};

struct MergeStats {
    std::uint64_t accepted = 0, duplicates = 0, gaps = 0, unknown = 0, fulls = 0, refused = 0,
                  bad_ops = 0, full_requests = 0, event_repeats = 0;
};

class Cluster {
  public:
    Cluster(const BrokerConfig& config, Sink& sink);

    // Merges one heartbeat (already parsed) that arrived on connection `route`; `key_owner`,
    // when not empty, is the only nodename the connection's CURVE key may write. Throws
    // std::runtime_error with a one-line message for a malformed heartbeat, before any change.
    // `text`, when the caller has it, is msg's JSON text: an event's data is then copied
    // from it instead of written again from msg.
    void on_heartbeat(const std::string& route, simdjson::dom::element msg, Clock::time_point now,
                      std::string_view key_owner = {}, std::string_view text = {});

    // Marks nodes stale after the timeout and forgets them after the grace. A member node
    // (config `nodes`) is awaited from the start: if it sends nothing within the timeout it
    // is reported stale like a node that stopped (hb_stale, heartbeats.<node>.last 0), so a
    // node that died while the broker was down is not silently missing.
    void check_liveness(Clock::time_point now);
    // When check_liveness next has something to do: just past the first moment a beating
    // node's timeout or a stale node's grace runs out (time_point::max() with no node). A
    // heartbeat only pushes it later, so the caller asks again after each turn of its loop.
    Clock::time_point next_liveness_check() const;

    const json& document() const { return doc_; }
    // The document as JSON text, byte for byte what document().dump() writes. Each node's
    // dataset is copied from a kept text (written by its first full, or by the last call),
    // unless it changed since: a snapshot of a large cluster then costs a copy and the few
    // datasets that changed, not a walk of every tree (the broker's loop waits on it). The
    // kept texts take as much memory as the datasets' JSON.
    HugeText document_text();
    const MergeStats& stats() const { return stats_; }
    std::size_t node_count() const { return nodes_.size(); }
    // Every node known to this run, by name.
    std::vector<NodeBeat> beats(Clock::time_point now) const;

  private:
    struct NodeState {
        std::string route;
        std::uint64_t inc = 0;
        std::uint64_t gen = 0;
        bool synced = false; // false: waiting for a full
        bool beating = false;
        bool awaited = false; // a member not heard from yet in this run
        bool present = false; // has data under monitor.nodes
        Clock::time_point last{};
        Clock::time_point stale_since{};
        Clock::time_point last_full_request{};
        std::string monitor_text; // the dataset's monitor as JSON, for events; "" when stale
        std::string data_text;    // the dataset as JSON, for snapshots; "" when it changed
        // Its place in beating_order_ when beating, else in stale_order_.
        std::list<std::string>::iterator order;
    };

    NodeState& admit(const std::string& route, const std::string& nodename, Clock::time_point now);
    // One handler per heartbeat kind (docs/protocol.md, "The ingest socket"): a full is
    // installed when its incarnation is new or its generation newer; a delta when it is the
    // next generation; a ping records the beat and checks the generation; an event is
    // published once per origin. Gaps and unknown incarnations ask the node for a full.
    void handle_full(NodeState& n, const Heartbeat& hb);
    void handle_delta(NodeState& n, const Heartbeat& hb, Clock::time_point now);
    void handle_ping(NodeState& n, const Heartbeat& hb, Clock::time_point now);
    void handle_event(NodeState& n, const Heartbeat& hb);
    void ask_full(NodeState& n, const std::string& nodename, const char* reason,
                  Clock::time_point now);
    void install_full(NodeState& n, const std::string& nodename, json data, PatchWriter& w);
    void apply_delta(NodeState& n, const std::string& nodename, simdjson::dom::array ops,
                     PatchWriter& w, Clock::time_point now);
    // data_text: data's JSON text as the node sent it, when known (else written from data).
    void publish_event(const std::string& nodename, NodeState& n, simdjson::dom::element data,
                       const wire::Origin& origin, std::optional<std::string_view> data_text = {});
    void reaggregate(const std::string& nodename, const std::string& svc, PatchWriter& w);
    void set_beating(const std::string& nodename, NodeState& n, bool beating,
                     Clock::time_point now);
    // The list of the beating nodes, or of the stale ones.
    std::list<std::string>& order_of(bool beating) {
        return beating ? beating_order_ : stale_order_;
    }
    // Moves n, whose clock has just started again, to the back of the list its `beating`
    // names, from the one `was_beating` names.
    void restart_clock(NodeState& n, bool was_beating);
    void forget(const std::string& nodename);
    // Writes v, a part of the document, as dump() writes it: monitor.nodes from the kept
    // dataset texts (document_text()), the objects above it member by member.
    void write_json(HugeText& out, const json& v);
    // cluster.nodes lists the nodes with data and the members (config `nodes`), once each.
    void add_to_cluster_nodes(const std::string& nodename, PatchWriter& w);
    void remove_from_cluster_nodes(const std::string& nodename, PatchWriter& w);

    BrokerConfig config_;
    Sink& sink_;
    json doc_;
    json* nodes_json_;               // doc_["monitor"]["nodes"]
    json* services_json_;            // doc_["monitor"]["services"]
    json* heartbeats_json_;          // doc_["heartbeats"]
    std::size_t document_bytes_ = 0; // the size of document_text()'s last answer
    std::unordered_map<std::string, NodeState> nodes_;
    // The nodes by the time their clock started, oldest first: the beating ones by their last
    // heartbeat, the stale ones by when they went stale. check_liveness looks at the fronts
    // only, so that its cost is that of the nodes whose time ran out, not of the cluster.
    std::list<std::string> beating_order_, stale_order_;
    std::unordered_map<std::string, std::string> route_owner_; // connection -> nodename
    std::unordered_set<std::string> members_; // config `nodes`: always in cluster.nodes
    ServiceAggregator services_;
    MergeStats stats_;
    // The node events published in this run, by origin: a node resends its recent events
    // whenever it connects again, and those this run has published are not published twice.
    Origins published_;
    std::string event_text_; // the event being written by publish_event
    PatchWriter ping_ops_;   // a ping's patch, and its ts below, written by handle_ping
    std::string ping_text_;
    std::string op_text_; // a delta op's value as sent, written by apply_delta
};

} // namespace om::broker
