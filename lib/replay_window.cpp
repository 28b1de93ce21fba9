// The replay window of a broker run, and its replay answers.
#include "replay_window.hpp"

#include "wire.hpp"

#include <fmt/format.h>

namespace om {

void ReplayWindow::push(std::uint64_t eseq, Clock::time_point at, zmq::message_t message) {
    kept_.push_back(Kept{eseq, at, std::move(message)});
    trim(at);
}

void ReplayWindow::trim(Clock::time_point now) {
    while (!kept_.empty() && (kept_.size() > max_events_ || now - kept_.front().at > max_age_))
        kept_.pop_front();
}

double ReplayWindow::age(Clock::time_point now) const {
    return kept_.empty() ? 0 : std::chrono::duration<double>(now - kept_.front().at).count();
}

std::vector<zmq::message_t> ReplayWindow::replay(std::uint64_t epoch, std::uint64_t after,
                                                 std::uint64_t current, std::uint64_t eseq) {
    trim(Clock::now());
    std::vector<zmq::message_t> frames;
    const auto header = [&](const json& h) {
        const auto text = h.dump();
        frames.emplace(frames.begin(), text.data(), text.size());
    };
    if (epoch != current) {
        header(json{{"status", "error"},
                    {"code", "epoch"},
                    {"epoch", current},
                    {"message", fmt::format("epoch {} is not the broker's ({}): events of "
                                            "another broker run cannot be replayed",
                                            epoch, current)}});
        return frames;
    }
    // The oldest event still kept; events after `after` are all here when after + 1 >= it.
    const std::uint64_t oldest = kept_.empty() ? eseq + 1 : kept_.front().eseq;
    if (after + 1 < oldest) {
        header(json{{"status", "error"},
                    {"code", "too_old"},
                    {"epoch", current},
                    {"oldest", oldest},
                    {"message", fmt::format("events after {} are no longer kept; the oldest is {}",
                                            after, oldest)}});
        return frames;
    }
    // Kept events have contiguous sequences, so the first one to send is found by index.
    const std::size_t first = after + 1 > oldest ? static_cast<std::size_t>(after + 1 - oldest) : 0;
    for (std::size_t i = first; i < kept_.size(); ++i) {
        frames.emplace_back();
        frames.back().copy(kept_[i].message);
    }
    header(json{{"status", "ok"},
                {"protocol", wire::kProtocol},
                {"epoch", current},
                {"count", frames.size()},
                {"eseq", eseq}});
    return frames;
}

} // namespace om
