// The om-broker poll loop and its socket handlers.
#include "broker.hpp"

#include "api_request.hpp"
#include "curve.hpp"
#include "ipc_endpoint.hpp"
#include "log.hpp"
#include "socket_wait.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iterator>
#include <memory>
#include <utility>
#include <zmq_addon.hpp>

namespace om::broker {

Broker::Broker(const BrokerConfig& config)
    : config_(config), epoch_(wire::now_us()), ctx_(1), ingest_(ctx_, zmq::socket_type::router),
      pub_(ctx_, zmq::socket_type::xpub), api_(ctx_, zmq::socket_type::rep),
      subscribers_(ctx_, pub_),
      stream_(pub_, epoch_, config.replay_max_events, config.replay_max_age),
      cluster_(config_, *this) {
    // Hard cap against memory abuse: far larger messages cost the sender its connection;
    // those between max_message_bytes and the cap are received, logged and dropped.
    ingest_.set(zmq::sockopt::maxmsgsize,
                static_cast<int64_t>(config.max_message_bytes * 2 + 65536));
    ingest_.set(zmq::sockopt::linger, 0);
    pub_.set(zmq::sockopt::sndhwm, config.pub_sndhwm);
    // Every subscription reaches the broker (not only a topic's first), and each is answered
    // by a tick: a subscriber that receives it knows its subscriptions are in effect.
    pub_.set(zmq::sockopt::xpub_verbose, 1);
    pub_.set(zmq::sockopt::linger, 0);
    api_.set(zmq::sockopt::linger, 0);
    if (!config.curve_secret_key.empty()) {
        // First: libzmq asks it from the first handshake on. It reads config_ at each request.
        auth_.emplace(ctx_, [this](std::string_view domain, const std::string& key) {
            return admit(config_, domain, key);
        });
        curve_server(ingest_, config.curve_secret_key, kIngestDomain);
        curve_server(pub_, config.curve_secret_key, kReadDomain);
        curve_server(api_, config.curve_secret_key, kReadDomain);
        log_info("CURVE on, broker public key {}, {} node key(s), {} subscriber key(s)",
                 curve_public_of(config.curve_secret_key), config.curve_nodes.size(),
                 config.curve_subscribers.size());
    }
    // Before binding: a journal that cannot be used stops the start with nothing bound.
    if (!config.replay_journal.empty())
        journal_.emplace(config.replay_journal, config.replay_max_age, config.replay_max_events,
                         wire::now_ts());
    try {
        // Remembering ipc files to remove at exit.
        const auto bind = [&](zmq::socket_t& s, const std::string& ep, const char* what) {
            if (auto file = bind_exclusive(s, ep, what)) ipc_files_.push_back(std::move(*file));
        };
        bind(ingest_, config.ingest, "ingest");
        bind(pub_, config.pub, "pub");
        bind(api_, config.api, "api");
    } catch (...) {
        remove_ipc_files(); // the destructor does not run for a constructor that throws
        throw;
    }
    log_info("epoch {}, ingest {}, pub {}, api {}", epoch_, config.ingest, config.pub, config.api);
    warn_if_exposed();
    resend_journal();
}

void Broker::warn_if_exposed() const {
    if (auth_) return;
    for (const auto* ep : {&config_.ingest, &config_.pub, &config_.api})
        if (!endpoint_is_local(*ep))
            log_warning("CURVE is off and " + *ep +
                        " is reachable from other hosts: anyone who reaches it can read the "
                        "cluster's stream and write heartbeats as any node (set [security] in "
                        "broker.toml; om-broker --keygen makes keys)");
}

void Broker::reload(const BrokerConfig& fresh) {
    // What a reload cannot apply is whatever differs once the keys it can apply are set.
    const bool keys_apply = auth_ && fresh.curve_secret_key == config_.curve_secret_key;
    BrokerConfig rest = fresh;
    if (keys_apply) {
        // The ZAP decision reads config_: new handshakes see these keys from now on.
        config_.curve_nodes = fresh.curve_nodes;
        config_.curve_subscribers = fresh.curve_subscribers;
    } else {
        rest.curve_nodes = config_.curve_nodes;
        rest.curve_subscribers = config_.curve_subscribers;
    }
    const auto keys =
        keys_apply ? fmt::format("{} node key(s), {} subscriber key(s)", config_.curve_nodes.size(),
                                 config_.curve_subscribers.size())
                   : std::string();
    log_info(reload_note("broker", keys, !(rest == config_)));
}

void Broker::resend_journal() {
    // Called by the constructor, before any own event: the journal holds the earlier runs'.
    if (!journal_) return;
    if (journal_->skipped() > 0)
        log_warning("journal {}: {} line(s) not an event (a torn last line?), skipped",
                    journal_->path(), journal_->skipped());
    // No subscriber is connected yet: they reach these through the replay window, marked
    // resent with the time their run made them, and skip those they had (docs/protocol.md).
    for (const auto& e : journal_->entries()) {
        wire::Origin again;
        again.resent = true;
        again.ts = e.ts;
        stream_.publish_event(e.nodename, e.id, e.data, again);
        ++journal_resent_;
    }
    log_info("journal {}: {} own event(s) of previous runs published again", journal_->path(),
             journal_resent_);
}

Broker::~Broker() {
    remove_ipc_files();
}

void Broker::remove_ipc_files() {
    for (const auto& f : ipc_files_) {
        std::error_code ec;
        std::filesystem::remove(f, ec);
    }
    ipc_files_.clear();
}

void Broker::patch(const std::string& nodename, const PatchWriter& ops) {
    stream_.publish_patch(nodename, ops);
}

void Broker::event(const std::string& nodename, const std::string& id, json data) {
    wire::Origin made;
    made.ts = wire::now_ts(); // the same ts in the journal and in what is published
    auto text = data.dump();
    // Journaled before it leaves: a crash in between loses nothing.
    if (journal_ && !journal_->append({made.ts, nodename, id, text}) && journal_failures_++ == 0)
        log_warning("journal " + journal_->path() + ": cannot append (" + std::strerror(errno) +
                    "); further failures are counted in stats (journal_failures)");
    stream_.publish_event(nodename, id, text, made);
}

void Broker::event_text(const std::string& nodename, std::string_view id, const std::string& data,
                        const wire::Origin& origin) {
    stream_.publish_event(nodename, id, data, origin);
}

void Broker::request_full(const std::string& route, const std::string& nodename,
                          const char* reason) {
    // ROUTING_ID | {"kind":"send_full","reason":R}
    const std::string body = std::string("{\"kind\":\"send_full\",\"reason\":\"") + reason + "\"}";
    sent_on_ingest_ = true;
    try {
        ingest_.send(zmq::buffer(route), zmq::send_flags::sndmore | zmq::send_flags::dontwait);
        ingest_.send(zmq::buffer(body), zmq::send_flags::dontwait);
    } catch (const zmq::error_t& e) {
        log_warning("cannot ask node " + nodename + " for a full: " + e.what());
    }
}

bool Broker::on_ingest(Clock::time_point now) {
    // ROUTING_ID | HEARTBEAT; any further frame is read and ignored. ROUTER hands over a
    // message's frames together: once the first is in, the rest are.
    if (!ingest_.recv(route_, zmq::recv_flags::dontwait)) return false;
    const bool has_body = route_.more() && ingest_.recv(body_, zmq::recv_flags::dontwait);
    for (bool more = has_body && body_.more(); more; more = extra_.more())
        if (!ingest_.recv(extra_, zmq::recv_flags::dontwait)) break;
    if (!has_body) {
        ++malformed_;
        log_warning("ingest: message without a body, dropped");
        return true;
    }
    const auto route = route_.to_string();
    if (body_.size() > config_.max_message_bytes) {
        ++oversized_;
        log_warning("ingest: heartbeat of {} bytes over max_message_bytes ({}), dropped",
                    body_.size(), config_.max_message_bytes);
        return true;
    }
    try {
        auto msg = parser_.parse(body_.to_string_view());
        // Under CURVE, the ZAP handler named the node this connection's key belongs to.
        const char* owner = auth_ ? zmq_msg_gets(body_.handle(), "User-Id") : nullptr;
        cluster_.on_heartbeat(route, msg, now, owner ? owner : "", body_.to_string_view());
    } catch (const simdjson::simdjson_error& e) {
        ++malformed_;
        log_warning("ingest: malformed heartbeat ({} bytes): {}, dropped", body_.size(), e.what());
    } catch (const std::exception& e) {
        ++malformed_;
        log_warning("ingest: heartbeat refused: {}", e.what());
    }
    return true;
}

void Broker::on_api() {
    // Requests are one frame; any more are read and ignored, so that REP stays in step.
    std::vector<zmq::message_t> parts;
    if (!zmq::recv_multipart(api_, std::back_inserter(parts), zmq::recv_flags::dontwait)) return;
    const auto& req = parts[0];
    std::vector<zmq::message_t> frames;
    const auto text = [&](const json& j) {
        // The frame takes the dumped text itself, freed by libzmq once sent: no copy.
        auto t = std::make_unique<std::string>(j.dump());
        frames.emplace_back(
            t->data(), t->size(), [](void*, void* hint) { delete static_cast<std::string*>(hint); },
            t.get());
        t.release(); // the frame owns it now
    };
    const auto r = parse_api_request(req.to_string_view());
    const auto pos = stream_.position();
    const json position = position_answer(pos);
    using Op = ApiRequest::Op;
    if ((r.op == Op::Snapshot || r.op == Op::Replay) && r.protocol != wire::kProtocol) {
        // A client of another protocol would misread what follows: said, not sent.
        ++protocol_refused_;
        text(protocol_refusal(r.protocol, "broker"));
    } else if (r.op == Op::Snapshot) {
        ++snapshots_;
        // {"status":"ok","protocol","epoch","seq","pseq","eseq"} | STATUS
        text(position);
        // Written in huge pages and framed without a copy: tens of MiB for a large cluster.
        frames.push_back(cluster_.document_text().to_message());
    } else if (r.op == Op::Ping) {
        text(position);
    } else if (r.op == Op::Stats) {
        text(stats());
    } else if (r.op == Op::Replay) {
        frames = stream_.replay(r.epoch, r.after);
        ++replays_;
    } else {
        text(json{{"status", "error"},
                  {"code", "bad_request"},
                  {"message", "expected {\"op\": \"snapshot\"|\"replay\"|\"ping\"|\"stats\"}, "
                              "replay with unsigned \"epoch\" and \"after\", snapshot and "
                              "replay with \"protocol\":2"}});
    }
    for (std::size_t i = 0; i < frames.size(); ++i)
        api_.send(frames[i],
                  i + 1 < frames.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
}

bool Broker::on_subscriptions() {
    // Each message is \x01TOPIC (subscribe) or \x00TOPIC (unsubscribe); the topics matter
    // to the PUB side of the socket only.
    bool any = false;
    zmq::message_t m;
    while (pub_.recv(m, zmq::recv_flags::dontwait))
        if (m.size() > 0 && m.data<unsigned char>()[0] == 1) any = true;
    return any;
}

void Broker::run(const std::atomic<bool>& stop_flag, std::atomic<bool>& reload_flag,
                 const ConfigLoader& load) {
    enum : std::size_t { kIngest, kApi, kPub, kSubscribers, kAuth };
    std::vector<zmq::socket_ref> sockets{ingest_, api_, pub_, subscribers_.socket()};
    if (auth_) sockets.push_back(auth_->socket());
    SocketWait wait(sockets);
    auto next_tick = Clock::now() + config_.tick;
    auto last_tick = Clock::now() - config_.tick;
    // The liveness check runs when a node's time runs out, not on a clock: an idle broker
    // wakes for its tick only.
    auto next_check = cluster_.next_liveness_check();
    while (!stop_flag.load()) {
        if (reload_flag.exchange(false))
            if (auto fresh = load()) reload(*fresh);
        if (!wait.until(std::min(next_tick, next_check))) continue;
        // One clock read for the turn's heartbeats and events: a batch lasts a millisecond
        // or so, far below the heartbeat timeout and the replay window's age.
        const auto turn = Clock::now();
        stream_.at(turn);
        // A bounded batch per turn, so the api and the timers are served under load too.
        // Received until the queue is empty: asking ZMQ_EVENTS instead costs a poll(2) each.
        if (wait.readable(kIngest)) {
            int i = 0;
            while (i < 256 && on_ingest(turn))
                ++i;
            if (i < 256) wait.drained(kIngest); // its descriptor tells of the next message
        }
        if (wait.readable(kApi)) on_api();
        // A tick answers new subscriptions at once, however many arrived, at most one per
        // millisecond: a client subscribing without end cannot flood the others with ticks.
        if (wait.readable(kPub) && on_subscriptions())
            next_tick = std::min(next_tick, last_tick + std::chrono::milliseconds(1));
        if (wait.readable(kSubscribers)) subscribers_.take();
        if (auth_ && wait.readable(kAuth)) auth_->on_request();
        const auto after = Clock::now();
        if (after >= next_check) cluster_.check_liveness(after);
        next_check = cluster_.next_liveness_check();
        if (after >= next_tick) {
            stream_.tick();
            last_tick = after;
            next_tick = after + config_.tick;
        }
        // A send may take the signal of a message arriving on the same socket. Patches,
        // events and ticks go out on pub nearly every turn; a request for a full, rarely, on
        // ingest.
        if (std::exchange(sent_on_ingest_, false)) wait.used(kIngest);
        wait.used(kPub);
    }
    log_info("stopping");
}

} // namespace om::broker
