// Reading heartbeats into their typed form.
#include "heartbeat.hpp"

#include "wire.hpp"

#include <fmt/format.h>

#include <optional>
#include <stdexcept>

namespace om::broker {

// Keys as string_views: simdjson's const char* lookups measure the key with strlen each time.
using namespace std::string_view_literals;

namespace {

// The members a heartbeat may carry, found in one pass over its object: a lookup by key
// scans the members from the first, the whole object for each key absent. Of a repeated
// key the first counts, as a lookup would find it.
struct Members {
    std::optional<simdjson::dom::element> kind, nodename, inc, gen, data, eid, resent, ts, ops;
};

// Each member a heartbeat may carry, by key.
using Slot = std::optional<simdjson::dom::element> Members::*;
constexpr std::pair<std::string_view, Slot> kMembers[] = {
    {"kind"sv, &Members::kind},     {"nodename"sv, &Members::nodename},
    {"inc"sv, &Members::inc},       {"gen"sv, &Members::gen},
    {"data"sv, &Members::data},     {"eid"sv, &Members::eid},
    {"resent"sv, &Members::resent}, {"ts"sv, &Members::ts},
    {"ops"sv, &Members::ops}};

Members members_of(simdjson::dom::object obj) {
    Members m;
    for (const auto field : obj)
        for (const auto& [key, slot] : kMembers)
            if (field.key == key) {
                if (!(m.*slot)) m.*slot = field.value;
                break;
            }
    return m;
}

std::string_view str_field(const std::optional<simdjson::dom::element>& e, std::string_view key) {
    std::string_view v;
    if (!e || e->get_string().get(v))
        throw std::runtime_error("missing or non-string '" + std::string(key) + "'");
    return v;
}

// Reads an unsigned member into out; false, with `error` set if it was empty, when missing.
bool uint_field(const std::optional<simdjson::dom::element>& e, std::string_view key,
                std::uint64_t& out, std::string& error) {
    if (e && !e->get_uint64().get(out)) return true;
    if (error.empty()) error = "missing or non-integer '" + std::string(key) + "'";
    return false;
}

// The kind's own part, or why it is missing (empty when all is there).
std::string read_payload(const Members& m, std::string_view kind, Heartbeat& hb,
                         std::size_t max_ops) {
    using Kind = Heartbeat::Kind;
    if (hb.kind == Kind::Full || hb.kind == Kind::Event) {
        if (!m.data || !m.data->is_object())
            return "'" + std::string(kind) + "' without a 'data' object";
        hb.data = *m.data;
        if (hb.kind == Kind::Full) return "";
        std::string_view id;
        // The id becomes a topic segment: no '/', space nor control character (a newline
        // would split the published frame).
        if (hb.data["id"sv].get_string().get(id) || !wire::valid_event_id(id))
            return "event without a valid 'data.id' (1 to 128 characters, no '/', space or "
                   "control character)";
        // eid is optional: a publisher that does not number its events.
        if (!m.eid || m.eid->get_uint64().get(hb.eid)) hb.eid = 0;
        bool resent = false;
        hb.resent = m.resent && !m.resent->get_bool().get(resent) && resent && m.ts &&
                    !m.ts->get_double().get(hb.ts);
    } else if (hb.kind == Kind::Delta) {
        if (!m.ops || m.ops->get_array().get(hb.ops)) return "'delta' without an 'ops' list";
        if (hb.ops.size() > max_ops)
            return fmt::format("delta of {} ops over max_ops_per_delta", hb.ops.size());
    }
    return "";
}

} // namespace

Heartbeat read_heartbeat(simdjson::dom::element msg, std::size_t max_ops) {
    simdjson::dom::object obj;
    if (msg.get_object().get(obj)) throw std::runtime_error("heartbeat is not a JSON object");
    const Members m = members_of(obj);
    using Kind = Heartbeat::Kind;
    Heartbeat hb;
    const auto kind = str_field(m.kind, "kind"sv);
    hb.nodename = std::string(str_field(m.nodename, "nodename"sv));
    if (!uint_field(m.inc, "inc"sv, hb.inc, hb.error) ||
        !uint_field(m.gen, "gen"sv, hb.gen, hb.error))
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
    if (hb.error.empty()) hb.error = read_payload(m, kind, hb, max_ops);
    return hb;
}

} // namespace om::broker
