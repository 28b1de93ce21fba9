// Numbering, publishing and replay of the broker's messages, each one frame (wire.hpp).
#include "stream.hpp"

#include <fmt/format.h>

namespace om::broker {

Stream::Stream(zmq::socket_t& pub, std::uint64_t epoch, std::size_t replay_max_events,
               std::chrono::milliseconds replay_max_age)
    : pub_(pub), epoch_(epoch), replay_max_events_(replay_max_events),
      replay_max_age_(replay_max_age) {}

std::optional<zmq::message_t> Stream::send(bool keep) {
    // One frame, sent without blocking: PUB drops for a subscriber at its HWM. The message
    // owns a copy of frame_, whose capacity is kept for the next; the replay window keeps
    // that message and the socket takes a copy sharing its bytes (a refcount, no copy).
    zmq::message_t msg(frame_.data(), frame_.size());
    std::optional<zmq::message_t> kept;
    if (keep) {
        kept.emplace();
        kept->copy(msg);
    }
    try {
        if (!pub_.send(msg, zmq::send_flags::dontwait)) ++stats_.send_failures;
    } catch (const zmq::error_t&) {
        ++stats_.send_failures;
    }
    return kept;
}

void Stream::publish_patch(const std::string& nodename, const PatchWriter& ops) {
    // patch/<nodename>/ \n {"epoch","seq","kseq","tseq"} \n {"nodename",..,"data":[..]}
    frame_.assign(wire::kPatchPrefix).append(nodename).push_back('/');
    std::uint64_t& tseq = topic_seq_[frame_];
    frame_.push_back('\n');
    wire::append_meta(frame_, wire::Meta{epoch_, ++seq_, ++pseq_, ++tseq});
    frame_.push_back('\n');
    ops.append_body(frame_, nodename, pseq_, wire::now_ts());
    send(false);
    ++stats_.patches;
}

void Stream::publish_event(const std::string& nodename, std::string_view id,
                           const std::string& data, const wire::Origin& origin) {
    // event/<id>/ \n META (with the origin) \n {"nodename":N,"ts":T,"kind":"event","data":{..}}
    frame_.assign(wire::kEventPrefix).append(id).push_back('/');
    std::uint64_t& tseq = topic_seq_[frame_];
    frame_.push_back('\n');
    wire::append_meta(
        frame_, wire::Meta{epoch_, ++seq_, ++eseq_, ++tseq, origin.inc, origin.eid, origin.resent});
    frame_ += "\n{\"nodename\":";
    wire::append_json_string(frame_, nodename);
    frame_ += ",\"ts\":";
    append_ts(frame_, origin.ts != 0 ? origin.ts : wire::now_ts());
    frame_ += ",\"kind\":\"event\",\"data\":";
    frame_ += data;
    frame_ += '}';
    auto kept = send(true);
    ++stats_.events;
    const auto now = Clock::now();
    replay_.push_back(Kept{eseq_, now, std::move(*kept)});
    trim(now);
}

void Stream::tick() {
    // tick/ \n {"epoch","seq","pseq","eseq"} \n {}
    frame_.assign(wire::kTickTopic).push_back('\n');
    wire::append_tick(frame_, position());
    frame_ += "\n{}";
    send(false);
    ++stats_.ticks;
    trim(Clock::now());
}

void Stream::trim(Clock::time_point now) {
    while (!replay_.empty() &&
           (replay_.size() > replay_max_events_ || now - replay_.front().at > replay_max_age_))
        replay_.pop_front();
}

std::vector<zmq::message_t> Stream::replay(std::uint64_t epoch, std::uint64_t after) {
    trim(Clock::now());
    std::vector<zmq::message_t> frames;
    const auto header = [&](const json& h) {
        const auto text = h.dump();
        frames.emplace(frames.begin(), text.data(), text.size());
    };
    if (epoch != epoch_) {
        header(json{{"status", "error"},
                    {"code", "epoch"},
                    {"epoch", epoch_},
                    {"message", fmt::format("epoch {} is not the broker's ({}): events of "
                                            "another broker run cannot be replayed",
                                            epoch, epoch_)}});
        return frames;
    }
    // The oldest event still kept; events after `after` are all here when after + 1 >= it.
    const std::uint64_t oldest = replay_.empty() ? eseq_ + 1 : replay_.front().eseq;
    if (after + 1 < oldest) {
        header(json{{"status", "error"},
                    {"code", "too_old"},
                    {"epoch", epoch_},
                    {"oldest", oldest},
                    {"message", fmt::format("events after {} are no longer kept; the oldest is {}",
                                            after, oldest)}});
        return frames;
    }
    // Kept events have contiguous sequences, so the first one to send is found by index.
    const std::size_t first = after + 1 > oldest ? static_cast<std::size_t>(after + 1 - oldest) : 0;
    for (std::size_t i = first; i < replay_.size(); ++i) {
        frames.emplace_back();
        frames.back().copy(replay_[i].message);
    }
    header(json{{"status", "ok"},
                {"protocol", wire::kProtocol},
                {"epoch", epoch_},
                {"count", frames.size()},
                {"eseq", eseq_}});
    return frames;
}

} // namespace om::broker
