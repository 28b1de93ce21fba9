// Numbering, publishing and replay of the broker's messages, each one frame (wire.hpp).
#include "stream.hpp"

namespace om::broker {

Stream::Stream(zmq::socket_t& pub, std::uint64_t epoch, std::size_t replay_max_events,
               std::chrono::milliseconds replay_max_age)
    : pub_(pub), epoch_(epoch), window_(replay_max_events, replay_max_age) {}

std::optional<zmq::message_t> Stream::send(bool keep) {
    // One frame, sent without blocking: PUB drops for a subscriber at its HWM. The message
    // owns a copy of frame_, whose capacity is kept for the next; the replay window keeps
    // that message (its bytes in the arena) and the socket takes a copy sharing its bytes
    // (a refcount, no copy).
    zmq::message_t msg =
        keep ? arena_.message(frame_) : zmq::message_t(frame_.data(), frame_.size());
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
    window_.push(eseq_, now_, std::move(*kept));
}

void Stream::tick() {
    frame_.clear();
    wire::append_tick_message(frame_, position());
    send(false);
    ++stats_.ticks;
    trim(Clock::now());
}

void Stream::trim(Clock::time_point now) {
    window_.trim(now);
}

std::vector<zmq::message_t> Stream::replay(std::uint64_t epoch, std::uint64_t after) {
    return window_.replay(epoch, after, epoch_, eseq_);
}

} // namespace om::broker
