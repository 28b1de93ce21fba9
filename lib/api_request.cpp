// Parsing of api request frames.
#include "api_request.hpp"

#include "wire.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace om {

ApiRequest parse_api_request(std::string_view frame) {
    const auto r = nlohmann::json::parse(frame, nullptr, false);
    ApiRequest req;
    if (!r.is_object()) return req;
    const auto op = r.find("op");
    if (op == r.end() || !op->is_string()) return req;
    const auto& name = op->get_ref<const std::string&>();
    if (const auto v = r.find("protocol"); v != r.end() && v->is_number_unsigned())
        req.protocol = v->get<std::uint64_t>();
    if (name == "snapshot") {
        req.op = ApiRequest::Op::Snapshot;
    } else if (name == "ping") {
        req.op = ApiRequest::Op::Ping;
    } else if (name == "stats") {
        req.op = ApiRequest::Op::Stats;
    } else if (name == "replay") {
        const auto epoch = r.find("epoch"), after = r.find("after");
        if (epoch == r.end() || after == r.end() || !epoch->is_number_unsigned() ||
            !after->is_number_unsigned())
            return req;
        req.op = ApiRequest::Op::Replay;
        req.epoch = epoch->get<std::uint64_t>();
        req.after = after->get<std::uint64_t>();
    }
    return req;
}

nlohmann::json position_answer(const wire::Tick& at) {
    return {{"status", "ok"},    {"protocol", wire::kProtocol},
            {"epoch", at.epoch}, {"seq", at.seq},
            {"pseq", at.pseq},   {"eseq", at.eseq}};
}

nlohmann::json protocol_refusal(std::uint64_t asked, std::string_view who) {
    return {{"status", "error"},
            {"code", "protocol"},
            {"protocol", wire::kProtocol},
            {"message", fmt::format("this {} speaks ombus protocol {} (one frame per message, "
                                    "docs/protocol.md); the request said {}: add \"protocol\":{} "
                                    "to it",
                                    who, wire::kProtocol, asked, wire::kProtocol)}};
}

} // namespace om
