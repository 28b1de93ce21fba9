// Finding a start in the replay window.
#include "past_events.hpp"

#include "human_format.hpp"
#include "json_fields.hpp"

#include <algorithm>
#include <fmt/format.h>

namespace om::sub {

PastRequest parse_since(const std::string& text) {
    PastRequest r;
    if (!text.empty() &&
        std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        r.kind = PastRequest::Kind::seq;
        r.seq = std::stoull(text);
        return r;
    }
    r.kind = PastRequest::Kind::age;
    r.age = parse_duration(text);
    return r;
}

namespace {
// The whole window of run `epoch`: the events kept and the oldest sequence kept (eseq + 1
// when none). Asked again when events leave it between the two requests.
std::optional<std::pair<std::vector<ReplayedEvent>, std::uint64_t>>
whole_window(ApiClient& api, std::uint64_t epoch) {
    std::uint64_t after = 0;
    for (int attempt = 0; attempt < 5; ++attempt) {
        auto r = api.replay(epoch, after);
        if (r.status == Replay::Status::too_old) {
            after = r.oldest - 1;
            continue;
        }
        if (r.status != Replay::Status::ok) return std::nullopt;
        return std::pair{std::move(r.events), after + 1};
    }
    return std::nullopt;
}

double body_ts(const std::string& body) {
    return number_or(json::parse(body, nullptr, false), "ts");
}
} // namespace

PastStart
find_past_start(ApiClient& api, const PastRequest& request,
                const std::function<bool(const std::string&, const std::string&)>& wanted) {
    PastStart out;
    const auto at = api.ping();
    if (!at) {
        out.error = "the broker did not answer";
        return out;
    }
    Resume resume;
    resume.epoch = at->epoch;
    if (request.kind == PastRequest::Kind::seq) {
        resume.eseq = std::min(request.seq, at->eseq);
        if (request.seq > at->eseq)
            out.warnings.push_back(fmt::format("event {} is not published yet (the last is {}): "
                                               "following from there",
                                               request.seq, at->eseq));
        auto r = api.replay(at->epoch, resume.eseq);
        if (r.status == Replay::Status::too_old) {
            out.error = fmt::format("events {}..{} of broker epoch {} are no longer in its replay "
                                    "window (the oldest kept is {})",
                                    resume.eseq + 1, r.oldest - 1, at->epoch, r.oldest);
            out.too_old = true;
            return out;
        }
        if (r.status != Replay::Status::ok) {
            out.error = "the broker did not answer the replay";
            return out;
        }
        out.resume = resume;
        return out;
    }
    auto window = whole_window(api, at->epoch);
    if (!window) {
        out.error = "the broker did not answer the replay";
        return out;
    }
    auto& [events, oldest] = *window;
    const bool trimmed = oldest > 1; // events of this run have left the window
    const auto last_kept = events.empty() ? oldest - 1 : events.back().meta.kseq;
    resume.eseq = last_kept; // nothing of the past: live from here
    if (request.kind == PastRequest::Kind::age) {
        const double since = wire::now_ts() - std::chrono::duration<double>(request.age).count();
        const auto first = std::find_if(events.begin(), events.end(), [&](const ReplayedEvent& e) {
            return body_ts(e.body) >= since;
        });
        if (first != events.end()) resume.eseq = first->meta.kseq - 1;
        // The window covers the interval when its oldest event is older than the start,
        // or when no event of this run ever left it.
        if (trimmed && (events.empty() || body_ts(events.front().body) > since))
            out.warnings.push_back(fmt::format(
                "the replay window holds events from {} (event {}) only: those of the {} before "
                "it are no longer kept",
                events.empty() ? std::string("now") : format_time(body_ts(events.front().body)),
                oldest, format_duration(request.age)));
    } else {
        std::uint64_t found = 0;
        for (auto e = events.rbegin(); e != events.rend() && found < request.last; ++e)
            if (wanted(e->topic, e->body)) {
                ++found;
                resume.eseq = e->meta.kseq - 1;
            }
        if (found < request.last && trimmed)
            out.warnings.push_back(fmt::format("only {} of the last {} events are still in the "
                                               "replay window (from event {})",
                                               found, request.last, oldest));
    }
    out.resume = resume;
    return out;
}

} // namespace om::sub
