// Following a broker: subscription, snapshot, seam rule, loss detection, replay, failover.
#include "connection.hpp"

#include "curve.hpp"
#include "huge_page_arena.hpp"
#include "log.hpp"

#include <algorithm>
#include <iterator>
#include <zmq_addon.hpp>

namespace om::sub {

namespace {
using Clock = std::chrono::steady_clock;

std::string range_text(const Loss& l) {
    return fmt::format("{}..{}", l.from, l.to);
}

// A step may lead to another (a broker restarting during the replay that follows a
// reconnection): this many in a row at most, the next poll going on from there.
constexpr int kStepsInARow = 4;
} // namespace

Connection::Connection(ConnectionOptions options)
    : options_(std::move(options)), api_(ctx_, options_.curve, options_.api_timeout),
      tracker_(options_.topics, options_.state),
      dedup_(options_.resume ? options_.resume->had : Origins{}) {}

void Connection::notice(const std::string& text) {
    if (on_notice) on_notice(text);
}

bool Connection::start() {
    if (options_.brokers.empty()) return false;
    const auto deadline = Clock::now() + options_.connect_timeout;
    std::size_t i = 0;
    do {
        take(connect(i % options_.brokers.size()));
        if (state_ == State::following) return true;
        ++i;
    } while (Clock::now() < deadline);
    return false;
}

void Connection::take(Next next) {
    for (int n = 0; n < kStepsInARow && next.step != Step::carry_on; ++n) {
        switch (next.step) {
        case Step::carry_on:
            break;
        case Step::resync:
            replica_.invalidate();
            state_ = snapshot() ? State::following : State::resyncing;
            next = {};
            break;
        case Step::reconnect:
        case Step::next_broker: {
            replica_.invalidate();
            const auto index =
                next.step == Step::reconnect ? current_ : (current_ + 1) % options_.brokers.size();
            notice(next.why + "; connecting to " + options_.brokers[index].pub);
            next = connect(index); // when it gets no answer, the next silence moves on
            break;
        }
        }
    }
}

Connection::Next Connection::connect(std::size_t index) {
    const bool same_broker = index == current_;
    current_ = index;
    const auto& ep = options_.brokers[index];
    wait_.reset();        // it waits on the sockets replaced here
    sub_monitor_.reset(); // before the socket it watches
    sub_.emplace(ctx_, zmq::socket_type::sub);
    sub_monitor_.emplace(ctx_, *sub_);
    sub_->set(zmq::sockopt::linger, 0);
    // The subscriber's own queue is not where loss should happen.
    sub_->set(zmq::sockopt::rcvhwm, 0);
    if (options_.curve.enabled())
        curve_client(*sub_, options_.curve.secret_key, options_.curve.broker_public_key);
    sub_->connect(ep.pub);
    auto topics = options_.topics;
    if (options_.state) topics.push_back(std::string(wire::kPatchPrefix));
    topics.push_back(std::string(wire::kTickTopic));
    for (const auto& t : topics)
        sub_->set(zmq::sockopt::subscribe, t);
    api_.connect(ep.api);

    // Subscribe first, then ask where the broker stands: what comes after is live.
    await_subscription();
    const auto at = api_.ping();
    if (!at) {
        if (state_ != State::starting) state_ = State::unreachable;
        return {};
    }
    last_heard_ = Clock::now();
    silent_but_answering_ = 0;
    Next next;
    if (begin_run(*at, same_broker)) {
        const auto skipped = skipped_;
        next = recover_events();
        if (dedup_.in_other_run() && skipped_ > skipped)
            notice(fmt::format("{} event(s) of the replay were had already", skipped_ - skipped));
        dedup_.end_other_run();
    }
    state_ = !options_.state || snapshot() ? State::following : State::resyncing;
    return next;
}

bool Connection::begin_run(const RunPosition& at, bool same_broker) {
    const bool starting = state_ == State::starting;
    const auto& resume = options_.resume;
    if (starting) dedup_.set_floor(resume ? resume->since : wire::now_ts());
    if (at.epoch == tracker_.epoch()) return true; // reconnected: fetch what passed meanwhile
    if (starting && resume && (resume->epoch == at.epoch || resume->epoch == 0)) {
        // Resume where the cursor says; patches are never replayed: from now on.
        tracker_.follow(at.epoch, resume->eseq, at.pseq);
    } else if (starting && resume) {
        notice(fmt::format("events after {} of broker epoch {} cannot be replayed by broker epoch "
                           "{}: replaying its window, skipping what was handled",
                           resume->eseq, resume->epoch, at.epoch));
        dedup_.begin_other_run(resume->ts);
        tracker_.restart(at.epoch);
    } else if (starting) {
        // A plain start follows what comes next: what came before is not lost.
        tracker_.follow(at.epoch, at.eseq, at.pseq);
    } else {
        notice(fmt::format("broker epoch changed from {} to {} ({}): replaying its window, "
                           "skipping what was had",
                           tracker_.epoch(), at.epoch,
                           same_broker ? "broker restarted" : "another broker"));
        dedup_.begin_other_run(last_heard_ts_);
        // Its numbers are not the previous run's; without a replica, the patches it
        // published before we connected are lost to us, which the next patch or tick says.
        tracker_.restart(at.epoch);
    }
    return !starting || resume;
}

void Connection::await_subscription() {
    // The broker answers subscriptions with a tick, and the SUB socket sends its
    // subscriptions in order, tick/ last: once a tick is here, every topic is in effect at
    // the broker. What arrives before it was published before the ping that follows, which
    // the seam rule and the sequence numbers skip: it is dropped here. A broker that sends
    // no such tick costs this wait, and the ping goes on as before.
    const auto deadline = Clock::now() + std::min(options_.api_timeout, Millis(250));
    SocketWait wait({*sub_});
    while (Clock::now() < deadline) {
        if (!wait.until(deadline)) return; // a signal: the caller's loop looks at it
        if (!wait.readable(0)) continue;
        std::vector<zmq::message_t> frames;
        while (zmq::recv_multipart(*sub_, std::back_inserter(frames), zmq::recv_flags::dontwait)) {
            if (frames[0].to_string_view().starts_with(wire::kTickTopic)) return;
            frames.clear();
        }
    }
}

bool Connection::snapshot() {
    auto s = api_.snapshot();
    if (!s) return false;
    if (s->at.epoch != tracker_.epoch()) {
        notice(fmt::format("broker epoch changed from {} to {} (broker restarted)",
                           tracker_.epoch(), s->at.epoch));
        tracker_.restart(s->at.epoch);
    }
    json doc;
    try {
        doc = snapshot_tree(parser_, s->doc());
    } catch (const simdjson::simdjson_error&) {
        return false;
    }
    if (replica_.pseq() != 0 || replica_.epoch() != 0) ++resyncs_;
    replica_.reset(s->at.epoch, s->at.pseq, std::move(doc));
    if (on_synced) on_synced();
    return true;
}

Connection::Next Connection::recover_events() {
    // Each round either delivers the window or moves the tracker past a range that left
    // it, so this ends.
    while (tracker_.epoch() != 0) {
        auto r = api_.replay(tracker_.epoch(), tracker_.last_event());
        switch (r.status) {
        case Replay::Status::failed:
            return {};
        case Replay::Status::other_run:
            return {Step::reconnect, "broker restarted during replay"};
        case Replay::Status::too_old: {
            const auto lost = tracker_.too_old(r.oldest);
            if (!lost) {
                notice("replay refused as too old without a newer start; events not recovered");
                return {};
            }
            if (dedup_.in_other_run()) {
                // Another run: some of those may have come from the previous one.
                notice("events " + range_text(*lost) +
                       " of this broker run are older than its replay window: those not "
                       "had from the previous run are lost");
            } else {
                const auto n = lost->to - lost->from + 1;
                lost_events_ += n;
                notice(fmt::format("events {} are older than the broker's replay window: {} lost",
                                   range_text(*lost), n));
            }
            continue;
        }
        case Replay::Status::ok:
            for (auto& e : r.events) {
                if (tracker_.had(e.meta.kseq)) continue;
                if (!tracker_.subscription(e.topic))
                    tracker_.event_passed(e.meta.kseq); // not ours, but seen
                else
                    deliver_event(e.topic, e.meta, e.body, true);
            }
            return {};
        }
    }
    return {};
}

std::optional<Connection::Next> Connection::ask_broker() {
    const auto at = api_.ping();
    if (!at) return std::nullopt;
    last_heard_ = Clock::now();
    if (at->epoch != tracker_.epoch())
        return Next{Step::reconnect, "broker epoch changed (broker restarted)"};
    return Next{};
}

Connection::Next Connection::on_silence() {
    // The silence may be ours, not the broker's: this process was paused, or its I/O thread
    // has not yet read what the broker sent. A broker that answers a ping is kept; a lost
    // message, if any, shows in the sequence numbers. Twice silent in a row while it answers,
    // the subscription itself is broken: reconnect to the same broker.
    const auto asked = ask_broker();
    if (!asked)
        return {Step::next_broker,
                "no message nor tick from the broker for " + format_duration(options_.silence)};
    if (asked->step != Step::carry_on) return *asked;
    // It answers again after a connection that had no answer: take up its run properly.
    if (state_ == State::unreachable) return {Step::reconnect, "the broker answers again"};
    if (++silent_but_answering_ >= 2) {
        silent_but_answering_ = 0;
        return {Step::reconnect,
                "no message nor tick on the subscription while the broker answers"};
    }
    return {};
}

void Connection::report(const Loss& lost, const std::string& topic) {
    if (lost.count)
        notice(fmt::format("lost {} patch(es) of {}", lost.count, topic));
    else if (lost.any())
        notice("lost patches " + range_text(lost));
}

Connection::Next Connection::handle(std::vector<zmq::message_t>& frames) {
    last_heard_ = Clock::now();
    last_heard_ts_ = wire::now_ts();
    silent_but_answering_ = 0;
    // One frame: TOPIC \n META \n BODY (wire.hpp, protocol 2)
    const auto parts =
        frames.size() == 1 ? wire::split_message(frames[0].to_string_view()) : std::nullopt;
    if (!parts) {
        notice(fmt::format("message of {} frame(s) not in ombus protocol {} on the pub socket "
                           "(a broker of another version?), skipped",
                           frames.size(), wire::kProtocol));
        return {};
    }
    const std::string topic(parts->topic);
    if (topic == wire::kTickTopic) {
        if (auto t = wire::parse_tick(parts->meta)) return handle_tick(*t);
        return {};
    }
    const auto meta = wire::parse_meta(parts->meta);
    if (!meta) {
        notice("malformed meta on " + topic + ", skipped");
        return {};
    }
    if (!tracker_.same_run(meta->epoch))
        return {Step::reconnect, "broker epoch changed (broker restarted)"};
    const auto body = parts->body;
    if (!topic.starts_with(wire::kPatchPrefix)) return handle_event(topic, *meta, body);
    if (options_.state) return handle_replica_patch(topic, *meta, body);
    handle_stream_patch(topic, *meta, body);
    return {};
}

Connection::Next Connection::handle_tick(const wire::Tick& t) {
    ++ticks_;
    std::optional<std::uint64_t> replica_pseq;
    if (replica_.synced()) replica_pseq = replica_.pseq();
    const auto v = tracker_.on_tick(t, replica_pseq);
    if (v.other_run) return {Step::reconnect, "broker epoch changed (broker restarted)"};
    report(v.patches_lost, std::string(wire::kPatchPrefix));
    Next next;
    if (v.replay) next = recover_events();
    if (next.step == Step::carry_on && v.replica_behind.any()) {
        notice("lost patches " + range_text(v.replica_behind) + ", resyncing");
        next = {Step::resync, ""};
    }
    return next;
}

Connection::Next Connection::handle_replica_patch(const std::string& topic, const wire::Meta& meta,
                                                  std::string_view body) {
    simdjson::dom::element parsed;
    try {
        parsed = parser_.parse(body);
    } catch (const simdjson::simdjson_error&) {
        notice(fmt::format("malformed patch {}, resyncing", meta.kseq));
        return {Step::resync, ""};
    }
    const auto before = replica_.pseq();
    switch (replica_.apply(meta.kseq, parsed, options_.old_values ? &old_values_ : nullptr)) {
    case Replica::Result::Applied:
        break;
    case Replica::Result::Old:
        return {};
    case Replica::Result::Gap:
        notice(fmt::format("lost patches {}..{}, resyncing", before + 1, meta.kseq - 1));
        return {Step::resync, ""};
    case Replica::Result::Error:
        notice(fmt::format("patch {} does not apply to the replica, resyncing", meta.kseq));
        return {Step::resync, ""};
    }
    // Every applied patch reaches the verb in state mode: its replica changed.
    emit(topic, meta, body, parsed, true, false);
    return {};
}

void Connection::handle_stream_patch(const std::string& topic, const wire::Meta& meta,
                                     std::string_view body) {
    // Without a replica, a lost patch cannot be recovered: say so.
    const auto v = tracker_.on_patch(topic, meta);
    report(v.lost, topic);
    if (!v.deliver || !on_message) return;
    simdjson::dom::element parsed;
    try {
        parsed = parser_.parse(body);
    } catch (const simdjson::simdjson_error&) {
        notice("malformed patch body on " + topic + ", skipped");
        return;
    }
    emit(topic, meta, body, parsed, true, false);
}

Connection::Next Connection::handle_event(const std::string& topic, const wire::Meta& meta,
                                          std::string_view body) {
    const auto v = tracker_.on_event(topic, meta);
    if (v == SequenceTracker::EventVerdict::ignore) return {};
    if (v == SequenceTracker::EventVerdict::replay) {
        auto next = recover_events();
        if (next.step != Step::carry_on) return next;
        if (tracker_.had(meta.kseq)) return {}; // it came with the replay
    }
    deliver_event(topic, meta, body, false);
    return {};
}

void Connection::deliver_event(const std::string& topic, const wire::Meta& meta,
                               std::string_view body, bool replayed) {
    tracker_.event_handled(topic, meta);
    simdjson::dom::element parsed;
    try {
        parsed = parser_.parse(body);
    } catch (const simdjson::simdjson_error&) {
        notice("malformed event body on " + topic + ", skipped");
        return;
    }
    if (!dedup_.keep(meta, parsed, replayed)) {
        skip(meta);
        return;
    }
    emit(topic, meta, body, parsed, false, replayed);
}

void Connection::emit(const std::string& topic, const wire::Meta& meta, std::string_view body,
                      simdjson::dom::element parsed, bool is_patch, bool replayed) {
    if (!on_message) return;
    Message m;
    m.topic = topic;
    m.meta = meta;
    m.body = std::string(body); // copied only for a verb that takes it
    m.parsed = parsed;
    m.is_patch = is_patch;
    m.replayed = replayed;
    if (is_patch && options_.state && options_.old_values) m.old = &old_values_;
    on_message(m);
}

void Connection::skip(const wire::Meta& meta) {
    ++skipped_;
    if (on_skip) on_skip(meta);
}

void Connection::poll(Millis timeout, const std::vector<int>& wake_fds) {
    const auto deadline = Clock::now() + timeout;
    if (!sub_) {
        take({Step::next_broker, "not connected"});
        return;
    }
    std::vector<zmq::message_t> frames; // one message at a time, its storage reused
    enum : std::size_t { kSub, kMonitor, kCaller };
    do {
        if (state_ == State::resyncing) take({Step::resync, ""});
        if (!wait_ || wake_fds != wait_fds_) {
            wait_.emplace(std::vector<zmq::socket_ref>{*sub_, sub_monitor_->socket()}, wake_fds);
            wait_fds_ = wake_fds;
        }
        if (!wait_->until(std::min(deadline, Clock::now() + options_.silence))) return;
        if (wait_->readable(kMonitor) && sub_monitor_->reconnected()) {
            // Its broker may have restarted: ask now rather than wait for the first tick.
            // No answer yet: the silence rule takes over if none ever comes.
            if (const auto next = ask_broker()) take(*next);
            return;
        }
        // Drain what is ready, a bounded batch at a time; the caller gets control back
        // after a batch, so that it can act on what the messages asked for.
        int handled = 0;
        for (; wait_->readable(kSub) && handled < 4096; ++handled) {
            frames.clear();
            if (!zmq::recv_multipart(*sub_, std::back_inserter(frames),
                                     zmq::recv_flags::dontwait)) {
                wait_->drained(kSub); // its descriptor tells of the next message
                break;
            }
            if (auto next = handle(frames); next.step != Step::carry_on) {
                take(std::move(next));
                return;
            }
        }
        if (handled == 0 && Clock::now() - last_heard_ > options_.silence) {
            take(on_silence());
            return;
        }
        if (handled > 0) {
            // Heard again after a connection that had no answer: the messages' numbers say
            // what was missed meanwhile.
            if (state_ == State::unreachable)
                state_ = synced() ? State::following : State::resyncing;
            return;
        }
        for (std::size_t i = 0; i < wake_fds.size(); ++i) // the caller's descriptors
            if (wait_->readable(kCaller + i)) return;
    } while (Clock::now() < deadline);
}

} // namespace om::sub
