// The om-pub daemon loop.
#include "publisher.hpp"

#include "control.hpp"
#include "ipc_endpoint.hpp"
#include "log.hpp"
#include "node_facts.hpp"
#include "process_rss.hpp"
#include "wire.hpp"
#include <iterator>
#include <zmq_addon.hpp>

namespace om::publisher {

namespace {
// A batch of control requests: those already waiting, for 10 ms or 256 requests at most.
const std::chrono::milliseconds kCoalesce{10};
const std::size_t kBatch = 256;
} // namespace

Publisher::Publisher(const NodeConfig& config, std::string config_file, ConfigLoader loader)
    : config_(config), inc_(wire::now_us()), ctx_(1), control_(ctx_, zmq::socket_type::router),
      source_watch_(config.source), config_watch_(std::move(config_file)),
      loader_(std::move(loader)) {
    if (!config_watch_.path().empty()) config_watch_.check(); // the running configuration's
    control_.set(zmq::sockopt::linger, 0);
    // Another om-pub answering there keeps it; a file a killed one left is replaced.
    control_ipc_file_ = bind_exclusive(control_, config_.control, "control").value_or("");
    for (const auto& b : config_.brokers)
        uplinks_.push_back(std::make_unique<Uplink>(ctx_, b, config_.curve));
    reload_source();
    log_info("node {}, incarnation {}, control {}", config_.nodename, inc_, config_.control);
}

Publisher::~Publisher() {
    if (!control_ipc_file_.empty()) {
        std::error_code ec;
        std::filesystem::remove(control_ipc_file_, ec);
    }
}

std::string Publisher::envelope(const char* kind, double ts) const {
    // {"kind":K,"nodename":N,"inc":I,"gen":G,"ts":T   (the caller closes the object)
    std::string s = std::string("{\"kind\":\"") + kind + "\",\"nodename\":";
    wire::append_json_string(s, config_.nodename);
    s += ",\"inc\":" + std::to_string(inc_) + ",\"gen\":" + std::to_string(dataset_.gen()) +
         ",\"ts\":" + format_ts(ts != 0 ? ts : wire::now_ts());
    return s;
}

void Publisher::send_to(Uplink& up, const std::string& frame) {
    if (!up.send(frame)) ++stats_.dropped;
}

void Publisher::send_all(const std::string& frame, std::uint64_t& sent) {
    ++sent;
    for (auto& up : uplinks_)
        send_to(*up, frame);
}

void Publisher::send_full(Uplink& up) {
    // Pending ops are part of the data sent: flush first so that gen and data agree.
    flush();
    ++stats_.fulls;
    send_to(up, envelope("full") + ",\"data\":" + dataset_.data().dump() + "}");
}

void Publisher::flush() {
    if (!dataset_.has_pending()) return;
    auto ops = dataset_.take_delta();
    send_all(envelope("delta") + ",\"ops\":" + ops + "}", stats_.deltas);
}

json Publisher::stats() const {
    json brokers = json::array();
    for (const auto& up : uplinks_)
        brokers.push_back({{"endpoint", up->endpoint()}, {"connected", up->connected()}});
    return json{{"nodename", config_.nodename},
                {"version", OMBUS_VERSION},
                {"incarnation", inc_},
                {"gen", dataset_.gen()},
                {"uptime", std::chrono::duration<double>(Clock::now() - started_).count()},
                {"sent",
                 {{"full", stats_.fulls},
                  {"delta", stats_.deltas},
                  {"ping", stats_.pings},
                  {"event", stats_.events},
                  {"resent", stats_.resent}}},
                {"dropped", stats_.dropped},
                {"fulls_asked", stats_.fulls_asked},
                {"control_requests", stats_.control_requests},
                {"control_refused", stats_.control_refused},
                {"events_kept", recent_.size()},
                {"brokers", std::move(brokers)},
                {"rss_bytes", resident_bytes()}};
}

void Publisher::emit(json data) {
    flush(); // the event follows the changes made before it
    auto text = data.dump();
    const double ts = wire::now_ts();
    send_all(event_frame(++eid_, text, ts, false), stats_.events);
    if (config_.resend_events == 0) return;
    recent_.push_back(Kept{Clock::now(), ts, eid_, std::move(text)});
    if (recent_.size() > config_.resend_events) recent_.pop_front();
}

std::string Publisher::event_frame(std::uint64_t eid, const std::string& data, double ts,
                                   bool resent) const {
    // "eid" numbers the events of this incarnation: with "inc", the event's name on every
    // broker, by which a broker publishes a resent event once and a subscriber moving from
    // one broker to another skips those it had. A resent event keeps its emission time,
    // so that a subscriber started since can tell it is older than itself.
    return envelope("event", ts) + ",\"eid\":" + std::to_string(eid) +
           (resent ? ",\"resent\":true" : "") + ",\"data\":" + data + "}";
}

std::size_t Publisher::resend(Uplink& up) {
    const auto now = Clock::now();
    while (!recent_.empty() && now - recent_.front().at > config_.resend_age)
        recent_.pop_front();
    for (const auto& k : recent_)
        send_to(up, event_frame(k.eid, k.data, k.ts, true));
    stats_.resent += recent_.size();
    return recent_.size();
}

std::string Publisher::execute(const std::vector<std::string>& f) {
    if (f.empty()) return "error: empty request";
    const auto& verb = f[0];
    try {
        if (verb == "set") {
            if (f.size() < 2) return "error: set: expected PATH=VALUE";
            std::vector<std::pair<Path, json>> assignments;
            for (std::size_t i = 1; i < f.size(); ++i)
                assignments.push_back(parse_assignment(f[i]));
            for (auto& [p, v] : assignments)
                dataset_.set(p, v);
        } else if (verb == "unset") {
            if (f.size() != 2) return "error: unset: expected PATH";
            dataset_.unset(parse_dotted(f[1]));
        } else if (verb == "load") {
            if (f.size() != 3) return "error: load: expected PATH and JSON";
            auto value = json::parse(f[2], nullptr, false);
            if (value.is_discarded()) return "error: load: the file is not valid JSON";
            dataset_.set(parse_dotted(f[1]), value);
        } else if (verb == "emit") {
            emit(parse_emit(std::vector<std::string>(f.begin() + 1, f.end())));
        } else if (verb == "stats") {
            return "ok " + stats().dump();
        } else if (verb == "get") {
            const json* v =
                f.size() > 1 ? find(dataset_.data(), parse_dotted(f[1])) : &dataset_.data();
            return v ? "ok " + v->dump() : "error: get: no such path";
        } else {
            return "error: unknown verb '" + verb +
                   "' (expected set, unset, load, emit, get, stats)";
        }
    } catch (const std::exception& e) {
        return std::string("error: ") + e.what();
    }
    return "ok";
}

bool Publisher::on_control() {
    // ROUTING_ID | "" | VERB | ARG...   ->   ROUTING_ID | "" | "ok" or "error: ..."
    auto& frames = control_frames_;
    frames.clear();
    if (!zmq::recv_multipart(control_, std::back_inserter(frames), zmq::recv_flags::dontwait))
        return false;
    if (frames.size() < 2) return true;
    std::size_t body = 1;
    if (frames[1].size() == 0) body = 2; // REQ envelope delimiter
    control_args_.resize(frames.size() - body);
    for (std::size_t i = body; i < frames.size(); ++i)
        control_args_[i - body].assign(frames[i].data<char>(), frames[i].size());
    auto reply = execute(control_args_);
    ++stats_.control_requests;
    if (reply.starts_with("error")) ++stats_.control_refused;
    replies_.push_back(Reply{std::move(frames[0]), body == 2, std::move(reply)});
    return true;
}

void Publisher::send_replies() {
    for (auto& r : replies_) {
        control_.send(r.route, zmq::send_flags::sndmore);
        if (r.envelope) control_.send(zmq::str_buffer(""), zmq::send_flags::sndmore);
        control_.send(zmq::buffer(r.text), zmq::send_flags::none);
    }
    replies_.clear();
}

void Publisher::reload_source() {
    if (config_.source.empty() || source_watch_.check() != FileWatch::State::changed) return;
    auto next = json::parse(source_watch_.text(), nullptr, false);
    if (next.is_discarded() || !next.is_object()) {
        log_warning("source " + config_.source + ": not a JSON object, ignored until it changes");
        return;
    }
    try {
        dataset_.replace_subtree(Path{}, source_, next);
        source_ = std::move(next);
        log_info("source " + config_.source + " loaded");
    } catch (const std::exception& e) {
        log_warning("source " + config_.source + ": " + e.what());
    }
}

void Publisher::refresh() {
    const json* old = find(dataset_.data(), Path{std::string("stats")});
    dataset_.replace_subtree(Path{std::string("stats")}, old ? *old : json(nullptr),
                             read_node_facts());
    reload_source();
}

SocketWait Publisher::make_wait() {
    std::vector<zmq::socket_ref> sockets{control_};
    for (auto& up : uplinks_)
        sockets.push_back(up->socket());
    for (auto& up : uplinks_)
        sockets.push_back(up->monitor().socket());
    return SocketWait(sockets);
}

void Publisher::run(const std::atomic<bool>& stop_flag, std::atomic<bool>& reload_flag) {
    for (auto& up : uplinks_)
        send_full(*up);
    emit(json{{"id", "monitor_started"}});

    auto wait = make_wait();
    next_beat_ = Clock::now() + config_.interval;
    auto next_config_check = Clock::now() + std::chrono::seconds(1);
    while (!stop_flag.load()) {
        if (reload_flag.exchange(false)) {
            reload_config(true);
            reload_source(); // the source file too, without waiting for the interval
            flush();
        }
        if (Clock::now() >= next_config_check) {
            reload_config(false);
            next_config_check = Clock::now() + std::chrono::seconds(1);
        }
        if (uplinks_changed_) {
            uplinks_changed_ = false;
            wait = make_wait();
        }
        const std::size_t monitors = 1 + uplinks_.size();
        // Heartbeats go out on the uplinks from anywhere in a turn (deltas, fulls, pings),
        // and a send may take the signal of a broker's request arriving on the same socket.
        for (std::size_t i = 1; i < monitors; ++i)
            wait.used(i);
        if (!wait.until(std::min(next_beat_, next_config_check))) continue;
        if (wait.readable(0)) {
            // Coalesce: take what is already waiting (a batch, kBatch), then send one delta,
            // then the replies: a reply tells that its change is queued for the brokers, and
            // the batch's replies wake libzmq's I/O thread once, not once each. Received until
            // the queue is empty or the batch full, not by asking ZMQ_EVENTS (a poll(2) each):
            // the socket, found readable and written to, is asked again before the next wait.
            const auto until = Clock::now() + kCoalesce;
            for (std::size_t n = 0; n < kBatch && on_control() && Clock::now() < until; ++n) {
            }
            flush();
            send_replies();
        }
        for (std::size_t i = 0; i < uplinks_.size(); ++i) {
            if (!wait.readable(i + 1)) continue;
            std::string req;
            while (uplinks_[i]->receive(req)) {
                if (req.find("\"send_full\"") == std::string::npos) continue;
                ++stats_.fulls_asked;
                send_full(*uplinks_[i]);
            }
        }
        for (std::size_t i = 0; i < uplinks_.size(); ++i) {
            if (!wait.readable(monitors + i)) continue;
            const auto seen = uplinks_[i]->monitor().take();
            if (seen.refused) uplinks_[i]->refused();
            if (!seen.reconnected) continue;
            // Connected again: most likely a restarted broker, which knows nothing of this
            // node. The full now saves it waiting for the next ping to ask; the recent
            // events, those it lost in its crash (it publishes each once per run).
            send_full(*uplinks_[i]);
            const auto n = resend(*uplinks_[i]);
            log_info("connected again to {}, full and {} recent event(s) sent",
                     uplinks_[i]->endpoint(), n);
        }
        for (auto& up : uplinks_)
            up->retry_if_due();
        if (Clock::now() >= next_beat_) {
            refresh();
            flush();
            // The ping carries the current generation, so a broker that lost a delta sees it.
            send_all(envelope("ping") + "}", stats_.pings);
            next_beat_ = Clock::now() + config_.interval;
        }
    }
    log_info("stopping");
}

} // namespace om::publisher
