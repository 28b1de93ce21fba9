// Publisher: the om-pub daemon. Owns the node's Dataset, serves the control socket,
// and sends heartbeats to every broker: a full at start and on request, a delta as soon as
// a change is made (changes arriving together are coalesced, for 10 ms at most), and a
// ping each interval. It keeps its recent events and sends them again to a broker it
// connects to anew, with the full.
#pragma once

#include "config.hpp"
#include "dataset.hpp"
#include "uplink.hpp"

#include <atomic>
#include <chrono>
#include <deque>
#include <filesystem>
#include <memory>
#include <vector>

namespace om::publisher {

class Publisher {
  public:
    explicit Publisher(const NodeConfig& config);
    ~Publisher();

    // Runs until stop_flag becomes true.
    void run(const std::atomic<bool>& stop_flag);

  private:
    using Clock = std::chrono::steady_clock;

    // Serves one control request; false when none was waiting.
    bool on_control();
    std::string execute(const std::vector<std::string>& frames);
    void send_full(Uplink& up);
    // The event frame of event `eid` emitted at `ts`, with its serialized data object.
    std::string event_frame(std::uint64_t eid, const std::string& data, double ts,
                            bool resent) const;
    // Sends the recent events kept to `up` again; returns how many.
    std::size_t resend(Uplink& up);
    void flush();
    void send_all(const std::string& frame);
    void emit(json data);
    void refresh();
    void reload_source();
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
    std::vector<std::unique_ptr<Uplink>> uplinks_;
    Dataset dataset_;
    json source_ = json::object();
    std::filesystem::file_time_type source_mtime_{};
    std::string control_ipc_file_;
};

} // namespace om::publisher
