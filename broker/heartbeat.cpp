// Reading heartbeats into their typed form.
#include "heartbeat.hpp"

#include "json_parse.hpp"
#include "wire.hpp"

#include <fmt/format.h>

#include <array>
#include <optional>
#include <stdexcept>

namespace om::broker {

// Keys as string_views: simdjson's const char* lookups measure the key with strlen each time.
using namespace std::string_view_literals;

namespace {

// The members a heartbeat may carry, read in one pass (json_parse.hpp, members()).
enum Member : std::size_t { kKind, kNodename, kInc, kGen, kData, kEid, kResent, kTs, kOps };
constexpr std::array<std::string_view, 9> kKeys{"kind"sv, "nodename"sv, "inc"sv, "gen"sv, "data"sv,
                                                "eid"sv,  "resent"sv,   "ts"sv,  "ops"sv};
using Members = std::array<std::optional<simdjson::dom::element>, kKeys.size()>;

std::string_view str_field(const Members& m, Member k) {
    std::string_view v;
    if (!m[k] || m[k]->get_string().get(v))
        throw std::runtime_error("missing or non-string '" + std::string(kKeys[k]) + "'");
    return v;
}

// Reads an unsigned member into out; false, with `error` set if it was empty, when missing.
bool uint_field(const Members& m, Member k, std::uint64_t& out, std::string& error) {
    if (m[k] && !m[k]->get_uint64().get(out)) return true;
    if (error.empty()) error = "missing or non-integer '" + std::string(kKeys[k]) + "'";
    return false;
}

// The kind's own part, or why it is missing (empty when all is there).
std::string read_payload(const Members& m, std::string_view kind, Heartbeat& hb,
                         std::size_t max_ops) {
    using Kind = Heartbeat::Kind;
    if (hb.kind == Kind::Full || hb.kind == Kind::Event) {
        if (!m[kData] || !m[kData]->is_object())
            return "'" + std::string(kind) + "' without a 'data' object";
        hb.data = *m[kData];
        if (hb.kind == Kind::Full) return "";
        std::string_view id;
        // The id becomes a topic segment: no '/', space nor control character (a newline
        // would split the published frame).
        if (hb.data["id"sv].get_string().get(id) || !wire::valid_event_id(id))
            return "event without a valid 'data.id' (1 to 128 characters, no '/', space or "
                   "control character)";
        // eid is optional: a publisher that does not number its events.
        if (!m[kEid] || m[kEid]->get_uint64().get(hb.eid)) hb.eid = 0;
        bool resent = false;
        hb.resent = m[kResent] && !m[kResent]->get_bool().get(resent) && resent && m[kTs] &&
                    !m[kTs]->get_double().get(hb.ts);
    } else if (hb.kind == Kind::Delta) {
        if (!m[kOps] || m[kOps]->get_array().get(hb.ops)) return "'delta' without an 'ops' list";
        if (hb.ops.size() > max_ops)
            return fmt::format("delta of {} ops over max_ops_per_delta", hb.ops.size());
    }
    return "";
}

} // namespace

Heartbeat read_heartbeat(simdjson::dom::element msg, std::size_t max_ops) {
    simdjson::dom::object obj;
    if (msg.get_object().get(obj)) throw std::runtime_error("heartbeat is not a JSON object");
    std::size_t last = kKeys.size();
    const Members m = members(obj, kKeys, &last);
    using Kind = Heartbeat::Kind;
    Heartbeat hb;
    hb.data_last = last == kData;
    const auto kind = str_field(m, kKind);
    hb.nodename = std::string(str_field(m, kNodename));
    if (!uint_field(m, kInc, hb.inc, hb.error) || !uint_field(m, kGen, hb.gen, hb.error)) return hb;
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
