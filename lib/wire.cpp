// Wire helpers: topics, the one-frame message, meta and tick parts, user values, JSON string
// escaping.
#include "wire.hpp"

#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <simdjson.h>

namespace om::wire {

bool valid_nodename(std::string_view name) {
    if (name.empty() || name.size() > 255) return false;
    for (unsigned char c : name)
        if (c == '/' || c <= ' ' || c == 0x7f) return false;
    return true;
}

bool valid_event_id(std::string_view id) {
    return !id.empty() && id.size() <= 128 && valid_nodename(id);
}

void append_message(std::string& out, std::string_view topic, std::string_view meta,
                    std::string_view body) {
    // TOPIC \n META \n BODY: one frame (protocol 2)
    out.reserve(out.size() + topic.size() + meta.size() + body.size() + 2);
    out.append(topic).push_back('\n');
    out.append(meta).push_back('\n');
    out.append(body);
}

std::optional<Parts> split_message(std::string_view frame) {
    const auto a = frame.find('\n');
    if (a == std::string_view::npos) return std::nullopt;
    const auto b = frame.find('\n', a + 1);
    if (b == std::string_view::npos) return std::nullopt;
    return Parts{frame.substr(0, a), frame.substr(a + 1, b - a - 1), frame.substr(b + 1)};
}

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

namespace {
// A flat JSON object of unsigned numbers, written field by field at the end of a string:
// {"k1":N1,"k2":N2,...}. The fields go through a buffer on the stack and reach the string
// in one append: an append per key and per number cost more than the numbers themselves.
class FlatObject {
  public:
    explicit FlatObject(std::string& out) : out_(out) { *end_++ = '{'; }
    // `key` is a literal of a few characters, so that a field always fits the buffer.
    template <std::size_t N> FlatObject& add(const char (&key)[N], std::uint64_t v) {
        static_assert(N <= 16, "a FlatObject key is a short literal");
        constexpr std::size_t len = N - 1;
        // Room for a comma, the quoted key, the colon and 20 digits, else flush first.
        if (static_cast<std::size_t>(buf_ + sizeof buf_ - end_) < len + 25) flush();
        if (!first_) *end_++ = ',';
        first_ = false;
        *end_++ = '"';
        std::memcpy(end_, key, len);
        end_ += len;
        *end_++ = '"';
        *end_++ = ':';
        end_ = std::to_chars(end_, buf_ + sizeof buf_, v).ptr;
        return *this;
    }
    // Closes the object; called once, last.
    void close() {
        if (end_ == buf_ + sizeof buf_) flush();
        *end_++ = '}';
        flush();
    }

  private:
    void flush() {
        out_.append(buf_, end_);
        end_ = buf_;
    }
    std::string& out_;
    char buf_[192]; // a META (6 fields) fits whole
    char* end_ = buf_;
    bool first_ = true;
};
} // namespace

void append_meta(std::string& out, const Meta& m) {
    // {"epoch":E,"seq":S,"kseq":K,"tseq":T}, plus "inc":I,"eid":N for a node's event, plus
    // "resent":1 for an event published again
    FlatObject o(out);
    o.add("epoch", m.epoch).add("seq", m.seq).add("kseq", m.kseq).add("tseq", m.tseq);
    if (m.eid != 0) o.add("inc", m.inc).add("eid", m.eid);
    if (m.resent) o.add("resent", 1);
    o.close();
}

std::string format_meta(const Meta& m) {
    std::string out;
    append_meta(out, m);
    return out;
}

void append_tick(std::string& out, const Tick& t) {
    // {"epoch":E,"seq":S,"pseq":P,"eseq":V}
    FlatObject o(out);
    o.add("epoch", t.epoch).add("seq", t.seq).add("pseq", t.pseq).add("eseq", t.eseq);
    o.close();
}

void append_tick_message(std::string& out, const Tick& t) {
    // tick/ \n {"epoch","seq","pseq","eseq"} \n {}
    out.append(kTickTopic).push_back('\n');
    append_tick(out, t);
    out += "\n{}";
}

std::string format_tick(const Tick& t) {
    std::string out;
    append_tick(out, t);
    return out;
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
    Meta m{*e, *s, *k, *t};
    // The origin is optional: both or nothing. Event numbers start at 1: "eid":0 is no
    // origin, as format_meta writes it.
    if (auto eid = field(frame, "eid"); eid && *eid != 0) {
        auto inc = field(frame, "inc");
        if (!inc) return std::nullopt;
        m.inc = *inc;
        m.eid = *eid;
    }
    m.resent = field(frame, "resent").value_or(0) != 0;
    return m;
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
    // Plain integers, the most common values of a control verb, without the JSON parser:
    // the same value and type it would give (unsigned when not negative).
    if (const auto digits = text.substr(c == '-' ? 1 : 0);
        !digits.empty() && digits.size() <= 18 && (digits[0] != '0' || digits.size() == 1) &&
        digits.find_first_not_of("0123456789") == std::string_view::npos) {
        std::int64_t v = 0;
        std::from_chars(text.data(), text.data() + text.size(), v);
        return c == '-' ? json(v) : json(static_cast<std::uint64_t>(v));
    }
    // Only text that can start a JSON value is tried, so words stay strings cheaply.
    if (c == '{' || c == '[' || c == '"' || c == '-' || (c >= '0' && c <= '9') || text == "true" ||
        text == "false" || text == "null") {
        auto j = json::parse(text, nullptr, false);
        if (!j.is_discarded()) return j;
    }
    return json(std::string(text));
}

namespace {
// True when one of the 8 bytes of `w` needs escaping in a JSON string: a '"', a '\\' or a
// control character (< 0x20). Exact as a whole (the classic "has a zero byte" test).
bool word_needs_escape(std::uint64_t w) {
    constexpr std::uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
    const auto has_zero = [](std::uint64_t v) { return (v - ones) & ~v & highs; };
    const std::uint64_t below_space = (w - ones * 0x20) & ~w & highs;
    return (below_space | has_zero(w ^ (ones * '"')) | has_zero(w ^ (ones * '\\'))) != 0;
}
} // namespace

void append_json_string(std::string& out, std::string_view s) {
    out.push_back('"');
    std::size_t run = 0; // start of the current run of characters that need no escape
    for (std::size_t i = 0; i < s.size(); ++i) {
        // Skip 8 plain bytes at a time: most strings (ids, names, padding) need no escape.
        while (i + 8 <= s.size()) {
            std::uint64_t w;
            std::memcpy(&w, s.data() + i, 8);
            if (word_needs_escape(w)) break;
            i += 8;
        }
        if (i >= s.size()) break;
        const auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        out.append(s.data() + run, i - run);
        run = i + 1;
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
        default: {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", c);
            out += buf;
        }
        }
    }
    out.append(s.data() + run, s.size() - run);
    out.push_back('"');
}

double now_ts() {
    using namespace std::chrono;
    return duration<double>(system_clock::now().time_since_epoch()).count();
}

std::uint64_t now_us() {
    using namespace std::chrono;
    return static_cast<std::uint64_t>(
        duration_cast<microseconds>(system_clock::now().time_since_epoch()).count());
}

} // namespace om::wire
