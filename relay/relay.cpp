// The relay's loop: upstream messages followed and forwarded, api requests answered.
#include "relay.hpp"

#include "api_request.hpp"
#include "curve.hpp"
#include "huge_page_arena.hpp"
#include "log.hpp"
#include "process_rss.hpp"
#include "socket_wait.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <iterator>
#include <zmq_addon.hpp>

namespace om::relay {

namespace {
// The keys the relay's api client uses upstream: its own and the upstream's, or none.
ClientCurve upstream_curve(const RelayConfig& c) {
    if (c.upstream_public_key.empty()) return {};
    return {c.curve_secret_key, c.upstream_public_key};
}
} // namespace

Relay::Relay(RelayConfig config)
    : o_(std::move(config)), up_(ctx_, zmq::socket_type::sub), pub_(ctx_, zmq::socket_type::xpub),
      api_(ctx_, zmq::socket_type::rep), upstream_(ctx_, upstream_curve(o_), o_.api_timeout),
      window_(o_.replay_max_events, o_.replay_max_age) {
    if (!o_.curve_secret_key.empty()) {
        // First: libzmq asks it from the first handshake on. It reads o_ at each request.
        auth_.emplace(ctx_, [this](std::string_view, const std::string& key) {
            const auto& subs = o_.curve_subscribers;
            return std::find(subs.begin(), subs.end(), key) != subs.end()
                       ? std::optional<std::string>("")
                       : std::nullopt;
        });
        curve_server(pub_, o_.curve_secret_key, kReadDomain);
        curve_server(api_, o_.curve_secret_key, kReadDomain);
        log_info("CURVE on, relay public key {}, {} subscriber key(s){}",
                 curve_public_of(o_.curve_secret_key), o_.curve_subscribers.size(),
                 o_.upstream_public_key.empty() ? ", upstream without CURVE"
                                                : ", upstream with CURVE");
    }
    up_.set(zmq::sockopt::rcvhwm, 0); // the relay's own drops would be everyone's
    up_.set(zmq::sockopt::linger, 0);
    up_.set(zmq::sockopt::subscribe, ""); // everything: the replica and window need it all
    if (!o_.upstream_public_key.empty())
        curve_client(up_, o_.curve_secret_key, o_.upstream_public_key);
    up_.connect(o_.upstream_pub);
    upstream_.connect(o_.upstream_api);
    pub_.set(zmq::sockopt::sndhwm, o_.pub_sndhwm);
    pub_.set(zmq::sockopt::xpub_verbose, 1); // every subscription, to answer it with a tick
    pub_.set(zmq::sockopt::linger, 0);
    api_.set(zmq::sockopt::linger, 0);
    pub_.bind(o_.pub);
    api_.bind(o_.api);
    started_ = last_heard_ = Clock::now();
    warn_if_exposed();
}

void Relay::warn_if_exposed() const {
    if (auth_) return;
    for (const auto* ep : {&o_.pub, &o_.api})
        if (!endpoint_is_local(*ep))
            log_warning("CURVE is off and {} is reachable from other hosts: anyone who reaches "
                        "it can read the cluster's stream (set [security] in relay.toml; "
                        "om-broker --keygen makes keys)",
                        *ep);
}

void Relay::reload(const RelayConfig& fresh) {
    // As the broker's: the reader keys apply to new handshakes while the own key is the same.
    const bool keys_apply = auth_ && fresh.curve_secret_key == o_.curve_secret_key;
    RelayConfig rest = fresh;
    if (keys_apply)
        o_.curve_subscribers = fresh.curve_subscribers;
    else
        rest.curve_subscribers = o_.curve_subscribers;
    const auto keys = keys_apply ? fmt::format("{} subscriber key(s)", o_.curve_subscribers.size())
                                 : std::string();
    log_info(reload_note("relay", keys, !(rest == o_)));
}

json Relay::position() const {
    return position_answer({epoch_, seq_, pseq_, eseq_});
}

void Relay::detach(const std::string& why) {
    if (attached_) {
        log_warning("upstream {}: {}; not answering subscribers until it is back", o_.upstream_api,
                    why);
        ++stats_.detached;
    }
    attached_ = false;
    detached_why_ = why;
}

bool Relay::resync(const std::string& why) {
    ++stats_.resyncs;
    const auto snap = upstream_.snapshot();
    if (!snap) {
        detach("no snapshot from the upstream (" + why + ")");
        return false;
    }
    json doc;
    large_ = snap->doc().size() >= sub::kHugeTreeFrom;
    try {
        doc = sub::snapshot_tree(parser_, snap->doc());
    } catch (const simdjson::simdjson_error& e) {
        detach(fmt::format("the upstream's snapshot is not JSON ({}; {})", e.what(), why));
        return false;
    }
    if (snap->at.epoch != epoch_) {
        // Another run: its numbers start again, and the last run's events mean nothing.
        if (epoch_ != 0) log_info("upstream epoch {} -> {}", epoch_, snap->at.epoch);
        window_.clear();
        epoch_ = snap->at.epoch;
        eseq_ = 0;
        seq_ = snap->at.seq;
    }
    replica_.reset(snap->at.epoch, snap->at.pseq, std::move(doc));
    pseq_ = snap->at.pseq;
    seq_ = std::max(seq_, snap->at.seq);
    fill_events();
    if (!attached_) log_info("in step with upstream {} (epoch {})", o_.upstream_api, epoch_);
    attached_ = true;
    return true;
}

void Relay::fill_events() {
    for (int attempt = 0; attempt < 2; ++attempt) {
        auto r = upstream_.replay(epoch_, eseq_);
        if (r.status == sub::Replay::Status::too_old) {
            // What left the upstream's window is gone for the relay's too: start after it.
            window_.clear();
            eseq_ = r.oldest - 1;
            continue;
        }
        if (r.status != sub::Replay::Status::ok) return; // the next message or tick retries
        for (auto& e : r.events) {
            if (e.meta.kseq != eseq_ + 1) continue;
            // The same frame as published: META re-written from the same numbers is the same.
            std::string frame;
            wire::append_message(frame, e.topic, wire::format_meta(e.meta), e.body);
            window_.push(e.meta.kseq, Clock::now(), zmq::message_t(frame.data(), frame.size()));
            eseq_ = e.meta.kseq;
            seq_ = std::max(seq_, e.meta.seq);
        }
        return;
    }
}

bool Relay::follow(const wire::Parts& parts, zmq::message_t& msg) {
    if (parts.topic == wire::kTickTopic) {
        const auto t = wire::parse_tick(parts.meta);
        if (!t) return false;
        if (t->epoch != epoch_ || t->pseq > pseq_ || !attached_)
            if (!resync(t->epoch != epoch_ ? "another epoch" : "patches lost")) return false;
        if (t->eseq > eseq_) fill_events();
        seq_ = std::max(seq_, t->seq);
        return true;
    }
    const auto meta = wire::parse_meta(parts.meta);
    if (!meta) return false;
    if (meta->epoch != epoch_ || !attached_)
        if (!resync("another epoch")) return false;
    if (meta->epoch != epoch_) return false; // the snapshot was of yet another run
    if (parts.topic.starts_with(wire::kPatchPrefix)) {
        if (meta->kseq > pseq_ + 1) {
            ++stats_.gaps;
            if (!resync(fmt::format("patches {}..{} lost", pseq_ + 1, meta->kseq - 1)))
                return false;
        }
        if (meta->kseq == pseq_ + 1) {
            const auto r = replica_.apply(meta->kseq, parser_.parse(parts.body));
            if (r == sub::Replica::Result::Applied)
                pseq_ = meta->kseq;
            else if (!resync("a patch that does not apply"))
                return false;
        }
    } else if (parts.topic.starts_with(wire::kEventPrefix)) {
        if (meta->kseq > eseq_ + 1) {
            ++stats_.gaps;
            fill_events();
        }
        if (meta->kseq == eseq_ + 1) {
            zmq::message_t kept;
            kept.copy(msg); // shares the bytes
            window_.push(meta->kseq, Clock::now(), std::move(kept));
            eseq_ = meta->kseq;
        }
    }
    seq_ = std::max(seq_, meta->seq);
    return true;
}

void Relay::on_upstream(zmq::message_t& msg) {
    last_heard_ = Clock::now();
    const auto parts = wire::split_message(msg.to_string_view());
    bool ok = false;
    try {
        ok = parts && follow(*parts, msg);
    } catch (const std::exception& e) {
        log_warning("upstream message dropped: {}", e.what());
    }
    if (!ok) {
        if (attached_) ++stats_.malformed;
        return; // not forwarded: a subscriber would misread it, or the relay is not in step
    }
    if (!pub_.send(msg, zmq::send_flags::dontwait)) return; // dropped at the HWM: seen by seq
    ++stats_.forwarded;
}

void Relay::publish_tick() {
    // The position forwarded last.
    std::string frame;
    wire::append_tick_message(frame, {epoch_, seq_, pseq_, eseq_});
    (void)pub_.send(zmq::buffer(frame), zmq::send_flags::dontwait);
    last_tick_ = Clock::now();
}

void Relay::on_subscriptions() {
    // \x01TOPIC: a subscriber arrived; it waits for a tick to know its topics are in effect.
    bool any = false;
    zmq::message_t m;
    while (pub_.recv(m, zmq::recv_flags::dontwait))
        if (m.size() > 0 && m.data<unsigned char>()[0] == 1) any = true;
    if (any && attached_ && Clock::now() - last_tick_ >= std::chrono::milliseconds(1))
        publish_tick();
}

json Relay::stats() const {
    return json{{"status", "ok"},
                {"protocol", wire::kProtocol},
                {"relay", true},
                {"name", o_.name},
                {"version", OMBUS_VERSION},
                {"upstream", {{"pub", o_.upstream_pub}, {"api", o_.upstream_api}}},
                {"in_step", attached_},
                {"epoch", epoch_},
                {"uptime", std::chrono::duration<double>(Clock::now() - started_).count()},
                {"seq", seq_},
                {"pseq", pseq_},
                {"eseq", eseq_},
                {"forwarded", stats_.forwarded},
                {"resyncs", stats_.resyncs},
                {"gaps", stats_.gaps},
                {"malformed", stats_.malformed},
                {"detached", stats_.detached},
                {"snapshots", stats_.snapshots},
                {"replays", stats_.replays},
                {"replay_kept", window_.size()},
                {"auth_accepted", auth_ ? auth_->stats().accepted : 0},
                {"auth_denied", auth_ ? auth_->stats().denied : 0},
                {"rss_bytes", resident_bytes()}};
}

void Relay::on_api() {
    std::vector<zmq::message_t> parts;
    if (!zmq::recv_multipart(api_, std::back_inserter(parts), zmq::recv_flags::dontwait)) return;
    std::vector<zmq::message_t> out;
    const auto text = [&](const json& j) {
        const auto t = j.dump();
        out.emplace_back(t.data(), t.size());
    };
    // The same requests as a broker's, read by the same parser.
    const auto r = parse_api_request(parts[0].to_string_view());
    using Op = ApiRequest::Op;
    if (r.op == Op::Stats) {
        text(stats());
    } else if (!attached_) {
        // As a broker that is down: no answer a subscriber would follow.
        text(json{{"status", "error"},
                  {"code", "upstream"},
                  {"message", fmt::format("relay {}: {}", o_.name, detached_why_)}});
    } else if ((r.op == Op::Snapshot || r.op == Op::Replay) && r.protocol != wire::kProtocol) {
        text(protocol_refusal(r.protocol, "relay"));
    } else if (r.op == Op::Ping) {
        text(position());
    } else if (r.op == Op::Snapshot) {
        ++stats_.snapshots;
        text(position());
        // The text of a large replica, and its frame, in huge pages too: fresh pages were
        // most of a snapshot's time.
        const sub::HugePageScope huge(large_);
        text(replica_.doc());
    } else if (r.op == Op::Replay) {
        ++stats_.replays;
        out = window_.replay(r.epoch, r.after, epoch_, eseq_);
    } else {
        text(json{{"status", "error"},
                  {"code", "bad_request"},
                  {"message", "expected {\"op\": \"snapshot\"|\"replay\"|\"ping\"|\"stats\"}"}});
    }
    for (std::size_t i = 0; i < out.size(); ++i)
        api_.send(out[i], i + 1 < out.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
}

void Relay::on_silence() {
    const auto at = upstream_.ping();
    if (!at) {
        detach("upstream silent and not answering");
        return;
    }
    if (!attached_ || at->epoch != epoch_ || at->pseq > pseq_) resync("upstream silence");
    last_heard_ = Clock::now(); // the next silence is measured from this answer
}

void Relay::run(const std::atomic<bool>& stop, std::atomic<bool>& reload_flag,
                const std::function<std::optional<RelayConfig>()>& load) {
    log_info("relaying {} on {} (api {})", o_.upstream_pub, o_.pub, o_.api);
    resync("start");
    enum : std::size_t { kUp, kApi, kPub, kAuth };
    std::vector<zmq::socket_ref> sockets{up_, api_, pub_};
    if (auth_) sockets.push_back(auth_->socket());
    SocketWait wait(sockets);
    zmq::message_t msg;
    while (!stop.load()) {
        if (reload_flag.exchange(false))
            if (auto fresh = load()) reload(*fresh);
        // Woken by a message or when the upstream has been quiet for `silence` (its ticks
        // keep that away while it lives); after a ping that found nobody, a tenth of a
        // second later.
        const auto now = Clock::now();
        auto due = last_heard_ + o_.silence + std::chrono::milliseconds(1);
        if (due <= now) due = now + std::chrono::milliseconds(100);
        if (!wait.until(due)) continue;
        if (auth_ && wait.readable(kAuth)) auth_->on_request();
        if (wait.readable(kUp)) {
            int i = 0;
            for (; i < 4096 && up_.recv(msg, zmq::recv_flags::dontwait); ++i) {
                on_upstream(msg);
                // A message of more frames is not of the protocol: its other frames too.
                while (msg.more() && up_.recv(msg, zmq::recv_flags::dontwait)) {
                }
            }
            if (i < 4096) wait.drained(kUp); // its descriptor tells of the next message
        }
        if (wait.readable(kApi)) on_api();
        if (wait.readable(kPub)) on_subscriptions();
        if (Clock::now() - last_heard_ > o_.silence) on_silence();
        window_.trim(Clock::now());
        // What a turn sends goes out on pub_ (forwarded messages, ticks), and a send may
        // take the signal of a subscription arriving there. The other sockets are used only
        // in a turn that found them readable, and such a socket is asked again anyway.
        wait.used(kPub);
    }
    log_info("stopping");
}

} // namespace om::relay
