// Publisher: the om-pub daemon. Owns the node's Dataset, serves the control socket,
// and sends heartbeats to every broker: a full at start and on request, a delta as soon as
// a change is made (changes arriving together are coalesced, for 10 ms at most), and a
// ping each interval. It keeps its recent events and sends them again to a broker it
// connects to anew, with the full.
#pragma once

#include "config.hpp"
#include "dataset.hpp"
#include "file_watch.hpp"
#include "socket_wait.hpp"
#include "uplink.hpp"

#include <atomic>
#include <chrono>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <vector>

namespace om::publisher {

// What the daemon did since it started, for `om-pub stats`: heartbeats sent by kind (each
// counted once, whatever the number of brokers), sends dropped (per broker), fulls the
// brokers asked for, control requests served and refused.
struct PublisherStats {
    std::uint64_t fulls = 0, deltas = 0, pings = 0, events = 0, resent = 0, dropped = 0;
    std::uint64_t fulls_asked = 0, control_requests = 0, control_refused = 0;
};

class Publisher {
  public:
    // Loads the node's config file again, the command line's flags applied on top; throws
    // (ConfigError: `file:line: message`) when the file is bad.
    using ConfigLoader = std::function<NodeConfig()>;

    // `config_file`, when not empty, is watched: a change of its content (seen within a
    // second, or at once on reload_flag) is applied through `loader` and emitted as one
    // node_config_change event.
    Publisher(const NodeConfig& config, std::string config_file = {}, ConfigLoader loader = {});
    ~Publisher();

    // Runs until stop_flag becomes true; reload_flag (SIGHUP) asks for a config reload and
    // is cleared when served.
    void run(const std::atomic<bool>& stop_flag, std::atomic<bool>& reload_flag);

  private:
    using Clock = std::chrono::steady_clock;

    // Serves one control request, its reply queued for send_replies(); false when none was
    // waiting.
    bool on_control();
    // Sends the queued replies, in the order of their requests.
    void send_replies();
    std::string execute(const std::vector<std::string>& frames);
    void send_full(Uplink& up);
    // The control verb `stats`: the counters, the brokers and whether each is connected.
    json stats() const;
    // The event frame of event `eid` emitted at `ts`, with its serialized data object.
    std::string event_frame(std::uint64_t eid, const std::string& data, double ts,
                            bool resent) const;
    // Sends the recent events kept to `up` again; returns how many.
    std::size_t resend(Uplink& up);
    void flush();
    // Sends a frame to every broker, counting it in `sent` once.
    void send_all(const std::string& frame, std::uint64_t& sent);
    // Sends a frame to one broker; a drop is counted.
    void send_to(Uplink& up, const std::string& frame);
    void emit(json data);
    void refresh();
    void reload_source();
    // Reloads the config file when its content changed (`asked`: by SIGHUP, which logs an
    // unchanged file too), applies what can change while running, and emits
    // node_config_change. A bad file is logged and the running configuration kept.
    void reload_config(bool asked);
    void apply_config(const NodeConfig& next);
    // The wait of the loop, on: control, each uplink, each uplink's monitor (in this
    // order); made again when the brokers change.
    SocketWait make_wait();
    // The fields every ingest message starts with; `ts` 0 means now.
    std::string envelope(const char* kind, double ts = 0) const;

    NodeConfig config_;
    std::uint64_t inc_;
    std::uint64_t eid_ = 0; // events emitted by this incarnation
    struct Kept {
        Clock::time_point at;
        double ts; // emitted, wall clock
        std::uint64_t eid;
        std::string data;
    };
    std::deque<Kept> recent_; // the last events, for a broker connected anew
    zmq::context_t ctx_;
    zmq::socket_t control_;
    // A control reply waiting for its batch's delta to leave: the requester's routing id,
    // whether it used a REQ envelope, the text.
    struct Reply {
        zmq::message_t route;
        bool envelope = false;
        std::string text;
    };
    std::vector<Reply> replies_;
    std::vector<zmq::message_t> control_frames_; // the request on_control reads, reused
    std::vector<std::string> control_args_;      // its text frames, reused
    std::vector<std::unique_ptr<Uplink>> uplinks_;
    Dataset dataset_;
    json source_ = json::object(); // the source file's content, as merged into the dataset
    FileWatch source_watch_;
    std::string control_ipc_file_;
    FileWatch config_watch_; // its text() is the content config_ was loaded from
    bool config_unreadable_ = false;
    ConfigLoader loader_;
    bool uplinks_changed_ = false;
    Clock::time_point next_beat_{};
    Clock::time_point started_ = Clock::now();
    PublisherStats stats_;
};

} // namespace om::publisher
