// ApiClient: a subscriber's typed requests to a broker's api socket (REQ -> REP): ping,
// snapshot and replay, with the shapes of docs/protocol.md checked. An answer of any
// other shape counts as no answer (a broker breaking the protocol is not followed, and
// does not crash its subscribers). A request without its answer in time leaves a REQ
// socket stuck: the client then starts a fresh one for the next request.
#pragma once

#include "config.hpp"
#include "duration.hpp"
#include "wire.hpp"

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>
#include <zmq.hpp>

namespace om::sub {

// Where a broker run stands: a ping's or snapshot's header.
struct RunPosition {
    std::uint64_t epoch = 0, seq = 0, pseq = 0, eseq = 0;
};

struct Snapshot {
    RunPosition at;
    // The status document's JSON text, kept in the frame it came in: tens of MiB for a
    // large cluster, where each copy costs its page faults.
    zmq::message_t frame;
    std::string_view doc() const { return frame.to_string_view(); }
};

struct ReplayedEvent {
    std::string topic;
    wire::Meta meta;
    std::string body;
};

struct Replay {
    enum class Status {
        ok,        // events: those after `after` in the window (malformed entries left out)
        too_old,   // events after `after` before `oldest` have left the window
        other_run, // the epoch asked is not the broker's run (it restarted)
        failed,    // no answer, or an answer of no known shape
    };
    Status status = Status::failed;
    std::uint64_t oldest = 0; // too_old: the oldest event kept
    std::vector<ReplayedEvent> events;
};

class ApiClient {
  public:
    ApiClient(zmq::context_t& ctx, ClientCurve curve, Millis timeout)
        : ctx_(ctx), curve_(std::move(curve)), timeout_(timeout) {}

    // A fresh REQ socket to `endpoint`; later requests go there.
    void connect(const std::string& endpoint);
    std::optional<RunPosition> ping();
    std::optional<Snapshot> snapshot();
    // The events of run `epoch` after event sequence `after`.
    Replay replay(std::uint64_t epoch, std::uint64_t after);
    // The broker's counters (an object whose status is "ok"); nullopt when none came.
    std::optional<nlohmann::json> stats();

  private:
    // Sends one request frame and returns the answer's frames; nullopt when none came in
    // time (the socket is then replaced).
    std::optional<std::vector<zmq::message_t>> call_frames(const std::string& request);
    // The same, each frame copied into a string.
    std::optional<std::vector<std::string>> call(const std::string& request);

    zmq::context_t& ctx_;
    ClientCurve curve_;
    Millis timeout_;
    std::string endpoint_;
    std::optional<zmq::socket_t> socket_;
};

} // namespace om::sub
