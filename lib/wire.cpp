// Wire helpers: topics, meta and tick frames, user values, JSON string escaping.
#include "wire.hpp"

#include <charconv>
#include <chrono>
#include <cstdio>
#include <simdjson.h>

namespace om::wire {

std::string patch_topic(std::string_view nodename) {
    std::string t(kPatchPrefix);
    t.append(nodename).push_back('/');
    return t;
}

std::string event_topic(std::string_view event_id) {
    std::string t(kEventPrefix);
    t.append(event_id).push_back('/');
    return t;
}

std::string format_meta(const Meta& m) {
    // {"epoch":E,"seq":S,"kseq":K,"tseq":T}
    char buf[160];
    const int n = std::snprintf(
        buf, sizeof buf, "{\"epoch\":%llu,\"seq\":%llu,\"kseq\":%llu,\"tseq\":%llu}",
        static_cast<unsigned long long>(m.epoch), static_cast<unsigned long long>(m.seq),
        static_cast<unsigned long long>(m.kseq), static_cast<unsigned long long>(m.tseq));
    return std::string(buf, static_cast<std::size_t>(n));
}

std::string format_tick(const Tick& t) {
    // {"epoch":E,"seq":S,"pseq":P,"eseq":V}
    char buf[160];
    const int n = std::snprintf(
        buf, sizeof buf, "{\"epoch\":%llu,\"seq\":%llu,\"pseq\":%llu,\"eseq\":%llu}",
        static_cast<unsigned long long>(t.epoch), static_cast<unsigned long long>(t.seq),
        static_cast<unsigned long long>(t.pseq), static_cast<unsigned long long>(t.eseq));
    return std::string(buf, static_cast<std::size_t>(n));
}

namespace {
// Reads the unsigned integer that follows `"key":` in a small flat JSON object.
std::optional<std::uint64_t> field(std::string_view frame, std::string_view key) {
    std::string pat = "\"";
    pat.append(key).append("\":");
    const auto at = frame.find(pat);
    if (at == std::string_view::npos) return std::nullopt;
    const char* b = frame.data() + at + pat.size();
    const char* e = frame.data() + frame.size();
    std::uint64_t v;
    auto [p, ec] = std::from_chars(b, e, v);
    if (ec != std::errc()) return std::nullopt;
    return v;
}
} // namespace

std::optional<Meta> parse_meta(std::string_view frame) {
    auto e = field(frame, "epoch"), s = field(frame, "seq"), k = field(frame, "kseq"),
         t = field(frame, "tseq");
    if (!e || !s || !k || !t) return std::nullopt;
    return Meta{*e, *s, *k, *t};
}

std::optional<Tick> parse_tick(std::string_view frame) {
    auto e = field(frame, "epoch"), s = field(frame, "seq"), p = field(frame, "pseq"),
         v = field(frame, "eseq");
    if (!e || !s || !p || !v) return std::nullopt;
    return Tick{*e, *s, *p, *v};
}

json parse_user_value(std::string_view text) {
    if (text.empty()) return json("");
    const char c = text.front();
    // Only text that can start a JSON value is tried, so words stay strings cheaply.
    if (c == '{' || c == '[' || c == '"' || c == '-' || (c >= '0' && c <= '9') || text == "true" ||
        text == "false" || text == "null") {
        auto j = json::parse(text, nullptr, false);
        if (!j.is_discarded()) return j;
    }
    return json(std::string(text));
}

void append_json_string(std::string& out, std::string_view s) {
    out.push_back('"');
    for (char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        default:
            if (c < 0x20) {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\u%04x", c);
                out += buf;
            } else {
                out.push_back(ch);
            }
        }
    }
    out.push_back('"');
}

double now_ts() {
    using namespace std::chrono;
    return duration<double>(system_clock::now().time_since_epoch()).count();
}

} // namespace om::wire
