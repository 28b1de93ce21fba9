// The api requests of a subscriber, their answers parsed and checked.
#include "api_client.hpp"

#include "curve.hpp"
#include "json_fields.hpp"

#include <iterator>
#include <nlohmann/json.hpp>
#include <zmq_addon.hpp>

namespace om::sub {

namespace {
using nlohmann::json;

// The position in a header the protocol allows: an object whose status is "ok", of this
// protocol, and whose epoch is a number. A broker of another protocol is no broker to us.
std::optional<RunPosition> ok_position(std::string_view frame) {
    const auto h = json::parse(frame, nullptr, false);
    if (!h.is_object() || string_or(h, "status") != "ok" || unsigned_or(h, "epoch") == 0 ||
        unsigned_or(h, "protocol") != wire::kProtocol)
        return std::nullopt;
    return RunPosition{unsigned_or(h, "epoch"), unsigned_or(h, "seq"), unsigned_or(h, "pseq"),
                       unsigned_or(h, "eseq")};
}
} // namespace

void ApiClient::connect(const std::string& endpoint) {
    endpoint_ = endpoint;
    socket_.emplace(ctx_, zmq::socket_type::req);
    socket_->set(zmq::sockopt::linger, 0);
    if (curve_.enabled()) curve_client(*socket_, curve_.secret_key, curve_.broker_public_key);
    socket_->connect(endpoint_);
}

std::optional<std::vector<zmq::message_t>> ApiClient::call_frames(const std::string& request) {
    if (!socket_) return std::nullopt;
    if (!socket_->send(zmq::buffer(request), zmq::send_flags::dontwait)) return std::nullopt;
    zmq::pollitem_t item{socket_->handle(), 0, ZMQ_POLLIN, 0};
    zmq::poll(&item, 1, timeout_);
    if (!(item.revents & ZMQ_POLLIN)) {
        connect(endpoint_); // a REQ socket without its answer is stuck
        return std::nullopt;
    }
    std::vector<zmq::message_t> parts;
    (void)zmq::recv_multipart(*socket_, std::back_inserter(parts));
    return parts;
}

std::optional<std::vector<std::string>> ApiClient::call(const std::string& request) {
    auto parts = call_frames(request);
    if (!parts) return std::nullopt;
    std::vector<std::string> frames;
    frames.reserve(parts->size());
    for (const auto& p : *parts)
        frames.push_back(p.to_string());
    return frames;
}

std::optional<RunPosition> ApiClient::ping() {
    // {"op":"ping"} -> {"status":"ok","protocol":2,"epoch":E,"seq":S,"pseq":P,"eseq":V}
    const auto reply = call(R"({"op":"ping"})");
    if (!reply || reply->empty()) return std::nullopt;
    return ok_position((*reply)[0]);
}

std::optional<Snapshot> ApiClient::snapshot() {
    // {"op":"snapshot","protocol":2}
    //   -> {"status":"ok","protocol":2,"epoch":E,"seq":S,"pseq":P,"eseq":V} | STATUS_JSON
    auto reply = call_frames(json{{"op", "snapshot"}, {"protocol", wire::kProtocol}}.dump());
    if (!reply || reply->size() != 2) return std::nullopt;
    const auto at = ok_position((*reply)[0].to_string_view());
    if (!at) return std::nullopt;
    return Snapshot{*at, std::move((*reply)[1])};
}

Replay ApiClient::replay(std::uint64_t epoch, std::uint64_t after) {
    // {"op":"replay","protocol":2,"epoch":E,"after":V}
    //   -> {"status":"ok","protocol":2,"epoch":E,"count":n,...} | (TOPIC\nMETA\nBODY) x n
    //   -> {"status":"error","code":"too_old","oldest":O,...} or {...,"code":"epoch",...}
    Replay r;
    auto reply = call(
        json{{"op", "replay"}, {"protocol", wire::kProtocol}, {"epoch", epoch}, {"after", after}}
            .dump());
    if (!reply || reply->empty()) return r;
    const auto h = json::parse((*reply)[0], nullptr, false);
    if (!h.is_object()) return r;
    if (string_or(h, "status") != "ok") {
        const auto code = string_or(h, "code");
        if (code == "too_old") {
            r.status = Replay::Status::too_old;
            r.oldest = unsigned_or(h, "oldest");
        } else if (code == "epoch") {
            r.status = Replay::Status::other_run;
        }
        return r;
    }
    if (unsigned_or(h, "protocol") != wire::kProtocol) return r; // would be misread
    r.status = Replay::Status::ok;
    auto& f = *reply;
    for (std::size_t i = 1; i < f.size(); ++i) {
        const auto parts = wire::split_message(f[i]);
        if (!parts) continue;
        if (auto meta = wire::parse_meta(parts->meta))
            r.events.push_back({std::string(parts->topic), *meta, std::string(parts->body)});
    }
    return r;
}

std::optional<json> ApiClient::stats() {
    // {"op":"stats"} -> {"status":"ok","epoch":E,...counters}
    const auto reply = call(R"({"op":"stats"})");
    if (!reply || reply->empty()) return std::nullopt;
    auto h = json::parse((*reply)[0], nullptr, false);
    if (!h.is_object() || string_or(h, "status") != "ok") return std::nullopt;
    return h;
}

} // namespace om::sub
