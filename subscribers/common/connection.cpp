// Following a broker: subscription, snapshot, seam rule, loss detection, replay, failover.
#include "connection.hpp"

#include "curve.hpp"

#include <algorithm>
#include <iterator>
#include <zmq_addon.hpp>

namespace om::sub {

namespace {
using Clock = std::chrono::steady_clock;

bool starts_with(const std::string& s, std::string_view p) {
    return s.compare(0, p.size(), p) == 0;
}

// The number `key` of a reply header, or 0 when it is missing or not an unsigned number.
std::uint64_t number(const json& h, const char* key) {
    const auto it = h.find(key);
    return it != h.end() && it->is_number_unsigned() ? it->get<std::uint64_t>() : 0;
}

// The string `key` of a reply header, or "" when it is missing or not a string.
std::string text(const json& h, const char* key) {
    const auto it = h.find(key);
    return it != h.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// A reply header the protocol allows: an object whose status is "ok" and whose epoch is a
// number. Anything else from an api socket counts as no answer (a broker breaking the
// protocol's shapes is not followed, and does not crash its subscribers).
bool ok_header(const json& h) {
    return h.is_object() && text(h, "status") == "ok" && number(h, "epoch") != 0;
}
} // namespace

Connection::Connection(ConnectionOptions options) : options_(std::move(options)) {
    if (options_.resume) had_ = options_.resume->had;
}

void Connection::notice(const std::string& text) {
    if (on_notice) on_notice(text);
}

const std::string* Connection::matching_prefix(const std::string& topic) const {
    for (const auto& t : options_.topics)
        if (starts_with(topic, t)) return &t;
    return nullptr;
}

std::optional<std::vector<std::string>> Connection::api_call(const json& request) {
    if (!api_) return std::nullopt;
    const auto text = request.dump();
    if (!api_->send(zmq::buffer(text), zmq::send_flags::dontwait)) return std::nullopt;
    zmq::pollitem_t item{api_->handle(), 0, ZMQ_POLLIN, 0};
    zmq::poll(&item, 1, options_.api_timeout);
    if (!(item.revents & ZMQ_POLLIN)) {
        // A REQ socket without its answer is stuck: start a fresh one for the next call.
        open_api();
        return std::nullopt;
    }
    std::vector<zmq::message_t> parts;
    (void)zmq::recv_multipart(*api_, std::back_inserter(parts));
    std::vector<std::string> frames;
    for (const auto& p : parts)
        frames.push_back(p.to_string());
    return frames;
}

std::optional<json> Connection::ping() {
    auto reply = api_call(json{{"op", "ping"}});
    if (!reply || reply->empty()) return std::nullopt;
    auto h = json::parse((*reply)[0], nullptr, false);
    if (!ok_header(h)) return std::nullopt;
    return h;
}

void Connection::open_api() {
    api_.emplace(ctx_, zmq::socket_type::req);
    api_->set(zmq::sockopt::linger, 0);
    if (options_.curve.enabled())
        curve_client(*api_, options_.curve.secret_key, options_.curve.broker_public_key);
    api_->connect(options_.brokers[current_].api);
}

bool Connection::connect(std::size_t index) {
    const auto previous = current_;
    current_ = index;
    const auto& ep = options_.brokers[index];
    sub_monitor_.reset(); // before the socket it watches
    sub_.emplace(ctx_, zmq::socket_type::sub);
    sub_monitor_.emplace(ctx_, *sub_);
    sub_->set(zmq::sockopt::linger, 0);
    sub_->set(zmq::sockopt::rcvhwm,
              0); // the subscriber's own queue is not where loss should happen
    if (options_.curve.enabled())
        curve_client(*sub_, options_.curve.secret_key, options_.curve.broker_public_key);
    sub_->connect(ep.pub);
    auto topics = options_.topics;
    if (options_.state) topics.push_back(std::string(wire::kPatchPrefix));
    topics.push_back(std::string(wire::kTickTopic));
    for (const auto& t : topics)
        sub_->set(zmq::sockopt::subscribe, t);
    open_api();

    // Subscribe first, then ask where the broker stands: what comes after is live.
    await_subscription();
    const auto h = ping();
    if (!h) return false;
    const auto epoch = number(*h, "epoch");
    last_heard_ = Clock::now();
    silent_but_answering_ = 0;
    bool replay = false;
    if (first_) floor_ts_ = options_.resume ? options_.resume->since : wire::now_ts();
    if (epoch != epoch_) {
        last_topic_seq_.clear();
        // Patches without a replica: a new run's ids start at 1, and those it published
        // before we (re)connected are lost to us, which the next patch or tick says.
        last_pseq_ = 0;
        const auto& resume = options_.resume;
        if (first_ && resume && (resume->epoch == epoch || resume->epoch == 0)) {
            last_eseq_ = resume->eseq; // resume where the cursor says
        } else if (first_ && resume) {
            notice("events after " + std::to_string(resume->eseq) + " of broker epoch " +
                   std::to_string(resume->epoch) + " cannot be replayed by broker epoch " +
                   std::to_string(epoch) + ": replaying its window, skipping what was handled");
            switched_ = true;
            own_before_ = resume->ts;
            last_eseq_ = 0;
        } else if (first_) {
            // A plain start follows what comes next: what came before is not lost.
            last_eseq_ = number(*h, "eseq");
            last_pseq_ = number(*h, "pseq");
        } else {
            notice("broker epoch changed from " + std::to_string(epoch_) + " to " +
                   std::to_string(epoch) +
                   (index == previous ? " (broker restarted)" : " (another broker)") +
                   ": replaying its window, skipping what was had");
            switched_ = true;
            own_before_ = last_heard_ts_;
            last_eseq_ = 0; // its numbers are not the previous run's
        }
        replay = !first_ || resume;
        epoch_ = epoch;
    } else if (!first_) {
        replay = true; // same broker run, reconnected: fetch what passed meanwhile
    }
    first_ = false;
    if (replay) {
        const auto skipped = skipped_;
        recover_events();
        if (switched_ && skipped_ > skipped)
            notice(std::to_string(skipped_ - skipped) + " event(s) of the replay were had already");
        switched_ = false;
    }
    if (options_.state && !snapshot()) return false;
    return true;
}

void Connection::await_subscription() {
    // The broker answers subscriptions with a tick, and the SUB socket sends its
    // subscriptions in order, tick/ last: once a tick is here, every topic is in effect at
    // the broker. What arrives before it was published before the ping that follows, which
    // the seam rule and the sequence numbers skip: it is dropped here. A broker that sends
    // no such tick costs this wait, and the ping goes on as before.
    const auto deadline = Clock::now() + std::min(options_.api_timeout, Millis(250));
    zmq::pollitem_t item{sub_->handle(), 0, ZMQ_POLLIN, 0};
    while (true) {
        const auto left = std::chrono::duration_cast<Millis>(deadline - Clock::now()).count();
        if (left <= 0) return;
        try {
            zmq::poll(&item, 1, Millis(left));
        } catch (const zmq::error_t& e) {
            if (e.num() == EINTR) return; // a signal: the caller's loop looks at it
            throw;
        }
        std::vector<zmq::message_t> frames;
        while (zmq::recv_multipart(*sub_, std::back_inserter(frames), zmq::recv_flags::dontwait)) {
            if (frames[0].to_string_view() == wire::kTickTopic) return;
            frames.clear();
        }
    }
}

bool Connection::start() {
    if (options_.brokers.empty()) return false;
    const auto deadline = Clock::now() + options_.connect_timeout;
    std::size_t i = 0;
    do {
        if (connect(i % options_.brokers.size())) return true;
        ++i;
    } while (Clock::now() < deadline);
    return false;
}

bool Connection::snapshot() {
    auto reply = api_call(json{{"op", "snapshot"}});
    if (!reply || reply->size() != 2) return false;
    auto h = json::parse((*reply)[0], nullptr, false);
    if (!ok_header(h)) return false;
    const auto epoch = number(h, "epoch");
    if (epoch != epoch_) {
        notice("broker epoch changed from " + std::to_string(epoch_) + " to " +
               std::to_string(epoch) + " (broker restarted)");
        epoch_ = epoch;
        last_eseq_ = 0;
        last_topic_seq_.clear();
    }
    json doc;
    try {
        doc = to_json(parser_.parse((*reply)[1]));
    } catch (const simdjson::simdjson_error&) {
        return false;
    }
    if (replica_.pseq() != 0 || replica_.epoch() != 0) ++resyncs_;
    replica_.reset(epoch, number(h, "pseq"), std::move(doc));
    if (on_synced) on_synced();
    return true;
}

bool Connection::still_answers() {
    // The silence may be ours, not the broker's: this process was paused, or its I/O thread
    // has not yet read what the broker sent. A broker that answers a ping is kept; a lost
    // message, if any, shows in the sequence numbers. Twice silent in a row while it answers,
    // the subscription itself is broken: reconnect to the same broker.
    const auto run = ask_broker();
    if (run == Run::gone) return false;
    if (run == Run::new_run) return true;
    if (++silent_but_answering_ >= 2) {
        silent_but_answering_ = 0;
        failover("no message nor tick on the subscription while the broker answers", true);
    }
    return true;
}

Connection::Run Connection::ask_broker() {
    const auto h = ping();
    if (!h) return Run::gone;
    last_heard_ = Clock::now();
    if (number(*h, "epoch") == epoch_) return Run::same;
    failover("broker epoch changed (broker restarted)", true);
    return Run::new_run;
}

void Connection::failover(const std::string& why, bool same_broker) {
    replica_.invalidate();
    const auto next = same_broker ? current_ : (current_ + 1) % options_.brokers.size();
    notice(why + "; connecting to " + options_.brokers[next].pub);
    connect(next); // when it fails, the next poll tries again
}

void Connection::recover_events() {
    if (epoch_ == 0) return;
    auto reply = api_call(json{{"op", "replay"}, {"epoch", epoch_}, {"after", last_eseq_}});
    if (!reply || reply->empty()) return;
    auto h = json::parse((*reply)[0], nullptr, false);
    if (!h.is_object()) return;
    if (text(h, "status") != "ok") {
        const auto code = text(h, "code");
        if (code == "too_old") {
            const auto oldest = number(h, "oldest");
            // Asking again must get further: a reply that would not is not the protocol's.
            if (oldest <= last_eseq_ + 1) {
                notice("replay refused as too old without a newer start; events not recovered");
                return;
            }
            const auto lost = oldest - 1 - last_eseq_;
            const auto range =
                "events " + std::to_string(last_eseq_ + 1) + ".." + std::to_string(oldest - 1);
            if (switched_) {
                // Another run: some of those may have come from the previous one.
                notice(range + " of this broker run are older than its replay window: those not "
                               "had from the previous run are lost");
            } else {
                lost_events_ += lost;
                notice(range + " are older than the broker's replay window: " +
                       std::to_string(lost) + " lost");
            }
            last_eseq_ = oldest - 1;
            recover_events();
        } else if (code == "epoch") {
            failover("broker restarted during replay", true);
        }
        return;
    }
    const auto& f = *reply;
    // HEADER | (TOPIC | META | BODY) x count
    for (std::size_t i = 1; i + 2 < f.size(); i += 3) {
        auto meta = wire::parse_meta(f[i + 1]);
        if (!meta || meta->kseq <= last_eseq_) continue;
        if (!matching_prefix(f[i])) {
            last_eseq_ = meta->kseq; // not ours, but seen
            continue;
        }
        deliver_event(f[i], *meta, f[i + 2], true);
    }
}

void Connection::deliver_event(const std::string& topic, const wire::Meta& meta, std::string body,
                               bool replayed) {
    last_eseq_ = std::max(last_eseq_, meta.kseq);
    if (const auto* p = matching_prefix(topic); p && *p == topic)
        last_topic_seq_[topic] = meta.tseq;
    simdjson::dom::element parsed;
    try {
        parsed = parser_.parse(body);
    } catch (const simdjson::simdjson_error&) {
        notice("malformed event body on " + topic + ", skipped");
        return;
    }
    if (meta.eid != 0) {
        // A node's event: the same origin on every broker it was sent to.
        std::string_view node;
        if (parsed["nodename"].get_string().get(node)) node = {};
        if (!had_.record(node, meta.inc, meta.eid)) {
            skip(meta);
            return;
        }
        // Sent again, or from another run's window: it may predate this subscriber. Its
        // ts is then its emission time (or when that broker published it).
        double ts;
        if ((meta.resent || (replayed && switched_)) && !parsed["ts"].get_double().get(ts) &&
            ts < floor_ts_) {
            skip(meta);
            return;
        }
    } else if (replayed && switched_) {
        // The broker's own, from the window of another run (its journal's events of earlier
        // runs included: published at its start, they reach us only by replay): what it
        // saw before the previous run went silent, that run reported too.
        double ts;
        if (!parsed["ts"].get_double().get(ts) && ts <= own_before_) {
            skip(meta);
            return;
        }
    }
    if (!on_message) return;
    Message m;
    m.topic = topic;
    m.meta = meta;
    m.body = std::move(body);
    m.replayed = replayed;
    m.parsed = parsed;
    on_message(m);
}

void Connection::skip(const wire::Meta& meta) {
    ++skipped_;
    if (on_skip) on_skip(meta);
}

void Connection::pass_patches_before(std::uint64_t next) {
    if (next > last_pseq_ + 1)
        notice("lost patches " + std::to_string(last_pseq_ + 1) + ".." + std::to_string(next - 1));
    last_pseq_ = std::max(last_pseq_, next - 1);
}

void Connection::handle_tick(const wire::Tick& t) {
    ++ticks_;
    if (t.epoch != epoch_) {
        failover("broker epoch changed (broker restarted)", true);
        return;
    }
    if (options_.state && replica_.synced() && t.pseq > replica_.pseq()) {
        notice("lost patches " + std::to_string(replica_.pseq() + 1) + ".." +
               std::to_string(t.pseq) + ", resyncing");
        replica_.invalidate();
        snapshot();
    }
    const auto subscribed_to_all = [&](std::string_view kind) {
        return std::any_of(options_.topics.begin(), options_.topics.end(),
                           [&](const std::string& p) { return p.empty() || p == kind; });
    };
    // Without a replica, a loss at the end of a burst shows at the tick, not at the next
    // patch (which may never come).
    if (!options_.state && subscribed_to_all(wire::kPatchPrefix)) pass_patches_before(t.pseq + 1);
    if (subscribed_to_all(wire::kEventPrefix) && t.eseq > last_eseq_) recover_events();
}

void Connection::handle(std::vector<zmq::message_t>& frames) {
    last_heard_ = Clock::now();
    last_heard_ts_ = wire::now_ts();
    silent_but_answering_ = 0;
    if (frames.size() != 3) {
        notice("message of " + std::to_string(frames.size()) +
               " frames on the pub socket, skipped");
        return;
    }
    const auto topic = frames[0].to_string();
    if (topic == wire::kTickTopic) {
        if (auto t = wire::parse_tick(frames[1].to_string_view())) handle_tick(*t);
        return;
    }
    auto meta = wire::parse_meta(frames[1].to_string_view());
    if (!meta) {
        notice("malformed meta frame on " + topic + ", skipped");
        return;
    }
    if (meta->epoch != epoch_) {
        failover("broker epoch changed (broker restarted)", true);
        return;
    }
    if (starts_with(topic, wire::kPatchPrefix)) {
        const std::string* prefix = matching_prefix(topic);
        if (options_.state) {
            simdjson::dom::element body;
            try {
                body = parser_.parse(frames[2].to_string_view());
            } catch (const simdjson::simdjson_error&) {
                notice("malformed patch " + std::to_string(meta->kseq) + ", resyncing");
                replica_.invalidate();
                snapshot();
                return;
            }
            const auto before = replica_.pseq();
            switch (replica_.apply(meta->kseq, body)) {
            case Replica::Result::Applied:
                break;
            case Replica::Result::Old:
                return;
            case Replica::Result::Gap:
                notice("lost patches " + std::to_string(before + 1) + ".." +
                       std::to_string(meta->kseq - 1) + ", resyncing");
                snapshot();
                return;
            case Replica::Result::Error:
                notice("patch " + std::to_string(meta->kseq) +
                       " does not apply to the replica, resyncing");
                snapshot();
                return;
            }
            // Every applied patch reaches the verb in state mode: its replica changed.
            if (!on_message) return;
            Message m;
            m.topic = topic;
            m.meta = *meta;
            m.body = frames[2].to_string();
            m.parsed = body;
            m.is_patch = true;
            on_message(m);
            return;
        }
        if (!prefix) return;
        // Without a replica, a lost patch cannot be recovered: say so.
        if (*prefix != topic) {
            // All patches: their ids follow each other.
            if (meta->kseq <= last_pseq_) return;
            pass_patches_before(meta->kseq);
            last_pseq_ = meta->kseq;
        } else {
            auto& last = last_topic_seq_[topic];
            if (last && meta->tseq > last + 1)
                notice("lost " + std::to_string(meta->tseq - last - 1) + " patch(es) of " + topic);
            last = meta->tseq;
        }
        if (on_message) {
            Message m;
            m.topic = topic;
            m.meta = *meta;
            m.body = frames[2].to_string();
            try {
                m.parsed = parser_.parse(m.body);
            } catch (const simdjson::simdjson_error&) {
                notice("malformed patch body on " + topic + ", skipped");
                return;
            }
            m.is_patch = true;
            on_message(m);
        }
        return;
    }
    // An event.
    const std::string* prefix = matching_prefix(topic);
    if (!prefix) return;
    if (meta->kseq <= last_eseq_) return; // already delivered by a replay
    bool gap;
    if (*prefix == topic) {
        auto it = last_topic_seq_.find(topic);
        gap =
            it == last_topic_seq_.end() ? meta->kseq > last_eseq_ + 1 : meta->tseq > it->second + 1;
    } else {
        gap = meta->kseq > last_eseq_ + 1;
    }
    if (gap) recover_events();
    if (meta->kseq <= last_eseq_) return;
    deliver_event(topic, *meta, frames[2].to_string(), false);
}

void Connection::poll(Millis timeout, const std::vector<int>& wake_fds) {
    const auto deadline = Clock::now() + timeout;
    if (!sub_) {
        failover("not connected");
        return;
    }
    do {
        const auto left = std::max<long>(
            0,
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count());
        std::vector<zmq::pollitem_t> items{{sub_->handle(), 0, ZMQ_POLLIN, 0},
                                           {sub_monitor_->socket().handle(), 0, ZMQ_POLLIN, 0}};
        for (int fd : wake_fds)
            items.push_back({nullptr, fd, ZMQ_POLLIN, 0});
        try {
            zmq::poll(items.data(), items.size(),
                      std::chrono::milliseconds(std::min<long>(left, options_.silence.count())));
        } catch (const zmq::error_t& e) {
            if (e.num() == EINTR) return;
            throw;
        }
        if ((items[1].revents & ZMQ_POLLIN) && sub_monitor_->reconnected()) {
            // Its broker may have restarted: ask now rather than wait for the first tick.
            // No answer yet: the silence rule takes over if none ever comes.
            ask_broker();
            return;
        }
        // Drain what is ready, a bounded batch at a time; the caller gets control back
        // after a batch, so that it can act on what the messages asked for.
        int handled = 0;
        std::vector<zmq::message_t> frames; // one message at a time, its storage reused
        for (int n = 0; n < 4096; ++n) {
            frames.clear();
            if (!zmq::recv_multipart(*sub_, std::back_inserter(frames), zmq::recv_flags::dontwait))
                break;
            handle(frames);
            ++handled;
            if (!sub_) return;
        }
        if (handled == 0 && Clock::now() - last_heard_ > options_.silence) {
            if (!still_answers())
                failover("no message nor tick from the broker for " +
                         format_duration(options_.silence));
            return;
        }
        if (options_.state && !replica_.synced() && api_) snapshot();
        if (handled > 0) return;
        for (std::size_t i = 2; i < items.size(); ++i) // the caller's descriptors
            if (items[i].revents) return;
    } while (Clock::now() < deadline);
}

} // namespace om::sub
