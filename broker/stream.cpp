// Numbering, publishing and replay of the broker's messages.
#include "stream.hpp"

#include <fmt/format.h>

namespace om::broker {

Stream::Stream(zmq::socket_t& pub, std::uint64_t epoch, std::size_t replay_max_events,
               std::chrono::milliseconds replay_max_age)
    : pub_(pub), epoch_(epoch), replay_max_events_(replay_max_events),
      replay_max_age_(replay_max_age) {}

void Stream::send(const std::string& topic, const std::string& meta, const std::string& body) {
    // TOPIC | META | BODY, sent without blocking: PUB drops for a subscriber at its HWM.
    try {
        pub_.send(zmq::buffer(topic), zmq::send_flags::sndmore | zmq::send_flags::dontwait);
        pub_.send(zmq::buffer(meta), zmq::send_flags::sndmore | zmq::send_flags::dontwait);
        if (!pub_.send(zmq::buffer(body), zmq::send_flags::dontwait)) ++stats_.send_failures;
    } catch (const zmq::error_t&) {
        ++stats_.send_failures;
    }
}

void Stream::publish_patch(const std::string& nodename, const PatchWriter& ops) {
    const auto topic = wire::patch_topic(nodename);
    wire::Meta m{epoch_, ++seq_, ++pseq_, ++topic_seq_[topic]};
    send(topic, wire::format_meta(m), ops.body(nodename, pseq_, wire::now_ts()));
    ++stats_.patches;
}

void Stream::publish_event(const std::string& nodename, std::string_view id,
                           const std::string& data, const wire::Origin& origin) {
    const auto topic = wire::event_topic(id);
    wire::Meta m{epoch_,     ++seq_,     ++eseq_,      ++topic_seq_[topic],
                 origin.inc, origin.eid, origin.resent};
    // {"nodename":N,"ts":T,"kind":"event","data":{...}}
    std::string body;
    body.reserve(data.size() + nodename.size() + 64);
    body += "{\"nodename\":";
    wire::append_json_string(body, nodename);
    body += ",\"ts\":";
    body += format_ts(origin.ts != 0 ? origin.ts : wire::now_ts());
    body += ",\"kind\":\"event\",\"data\":";
    body += data;
    body += '}';
    auto meta = wire::format_meta(m);
    send(topic, meta, body);
    ++stats_.events;
    const auto now = Clock::now();
    replay_.push_back(Kept{eseq_, now, topic, std::move(meta), std::move(body)});
    trim(now);
}

void Stream::tick() {
    // tick/ | {"epoch","seq","pseq","eseq"} | {}
    send(std::string(wire::kTickTopic), wire::format_tick(position()), "{}");
    ++stats_.ticks;
    trim(Clock::now());
}

void Stream::trim(Clock::time_point now) {
    while (!replay_.empty() &&
           (replay_.size() > replay_max_events_ || now - replay_.front().at > replay_max_age_))
        replay_.pop_front();
}

std::vector<std::string> Stream::replay(std::uint64_t epoch, std::uint64_t after) {
    trim(Clock::now());
    std::vector<std::string> frames;
    if (epoch != epoch_) {
        json h{{"status", "error"},
               {"code", "epoch"},
               {"epoch", epoch_},
               {"message", fmt::format("epoch {} is not the broker's ({}): events of another "
                                       "broker run cannot be replayed",
                                       epoch, epoch_)}};
        frames.push_back(h.dump());
        return frames;
    }
    // The oldest event still kept; events after `after` are all here when after + 1 >= it.
    const std::uint64_t oldest = replay_.empty() ? eseq_ + 1 : replay_.front().eseq;
    if (after + 1 < oldest) {
        json h{{"status", "error"},
               {"code", "too_old"},
               {"epoch", epoch_},
               {"oldest", oldest},
               {"message", fmt::format("events after {} are no longer kept; the oldest is {}",
                                       after, oldest)}};
        frames.push_back(h.dump());
        return frames;
    }
    std::size_t count = 0;
    frames.emplace_back();
    // Kept events have contiguous sequences, so the first one to send is found by index.
    const std::size_t first = after + 1 > oldest ? static_cast<std::size_t>(after + 1 - oldest) : 0;
    for (std::size_t i = first; i < replay_.size(); ++i) {
        const auto& k = replay_[i];
        frames.push_back(k.topic);
        frames.push_back(k.meta);
        frames.push_back(k.body);
        ++count;
    }
    frames[0] = json{{"status", "ok"}, {"epoch", epoch_}, {"count", count}, {"eseq", eseq_}}.dump();
    return frames;
}

} // namespace om::broker
