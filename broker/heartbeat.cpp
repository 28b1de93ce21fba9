// Reading heartbeats into their typed form.
#include "heartbeat.hpp"

#include "wire.hpp"

#include <fmt/format.h>

#include <stdexcept>

namespace om::broker {

// Keys as string_views: simdjson's const char* lookups measure the key with strlen each time.
using namespace std::string_view_literals;

namespace {

std::string_view str_field(simdjson::dom::element msg, std::string_view key) {
    std::string_view v;
    if (msg[key].get_string().get(v))
        throw std::runtime_error("missing or non-string '" + std::string(key) + "'");
    return v;
}

// Reads an unsigned field into out; false, with `error` set if it was empty, when missing.
bool uint_field(simdjson::dom::element msg, std::string_view key, std::uint64_t& out,
                std::string& error) {
    if (!msg[key].get_uint64().get(out)) return true;
    if (error.empty()) error = "missing or non-integer '" + std::string(key) + "'";
    return false;
}

// The kind's own part, or why it is missing (empty when all is there).
std::string read_payload(simdjson::dom::element msg, std::string_view kind, Heartbeat& hb,
                         std::size_t max_ops) {
    using Kind = Heartbeat::Kind;
    if (hb.kind == Kind::Full || hb.kind == Kind::Event) {
        if (msg["data"sv].get(hb.data) || !hb.data.is_object())
            return "'" + std::string(kind) + "' without a 'data' object";
        if (hb.kind == Kind::Full) return "";
        std::string_view id;
        // The id becomes a topic segment: no '/', space nor control character (a newline
        // would split the published frame).
        if (hb.data["id"sv].get_string().get(id) || !wire::valid_event_id(id))
            return "event without a valid 'data.id' (1 to 128 characters, no '/', space or "
                   "control character)";
        // eid is optional: a publisher that does not number its events.
        if (msg["eid"sv].get_uint64().get(hb.eid)) hb.eid = 0;
        bool resent = false;
        hb.resent = !msg["resent"sv].get_bool().get(resent) && resent &&
                    !msg["ts"sv].get_double().get(hb.ts);
    } else if (hb.kind == Kind::Delta) {
        if (msg["ops"sv].get_array().get(hb.ops)) return "'delta' without an 'ops' list";
        if (hb.ops.size() > max_ops)
            return fmt::format("delta of {} ops over max_ops_per_delta", hb.ops.size());
    }
    return "";
}

} // namespace

Heartbeat read_heartbeat(simdjson::dom::element msg, std::size_t max_ops) {
    if (!msg.is_object()) throw std::runtime_error("heartbeat is not a JSON object");
    using Kind = Heartbeat::Kind;
    Heartbeat hb;
    const auto kind = str_field(msg, "kind"sv);
    hb.nodename = std::string(str_field(msg, "nodename"sv));
    if (!uint_field(msg, "inc"sv, hb.inc, hb.error) || !uint_field(msg, "gen"sv, hb.gen, hb.error))
        return hb;
    if (kind == "full")
        hb.kind = Kind::Full;
    else if (kind == "delta")
        hb.kind = Kind::Delta;
    else if (kind == "ping")
        hb.kind = Kind::Ping;
    else if (kind == "event")
        hb.kind = Kind::Event;
    else
        hb.error = "unknown heartbeat kind '" + std::string(kind) + "'";
    if (hb.error.empty()) hb.error = read_payload(msg, kind, hb, max_ops);
    return hb;
}

} // namespace om::broker
