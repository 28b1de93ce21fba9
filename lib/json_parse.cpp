// simdjson parsing and conversion to nlohmann values.
#include "json_parse.hpp"

#include "wire.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstring>

namespace om {

simdjson::dom::element JsonParser::parse(std::string_view text) {
    // simdjson reads up to SIMDJSON_PADDING bytes past the end: ZeroMQ frames have no such
    // room, so the text is copied into a buffer that does.
    if (buffer_.capacity() < text.size() + simdjson::SIMDJSON_PADDING)
        buffer_.reserve(text.size() + simdjson::SIMDJSON_PADDING);
    buffer_.assign(text.data(), text.size());
    return parser_.parse(buffer_.data(), buffer_.size(), false).value();
}

json to_json(simdjson::dom::element e) {
    using T = simdjson::dom::element_type;
    switch (e.type()) {
    case T::OBJECT: {
        // Named locals, not temporaries: g++ 12 warns of dangling pointers otherwise.
        simdjson::dom::object obj;
        if (e.get_object().get(obj)) return json::object();
        json o = json::object();
        for (auto field : obj)
            o.emplace(std::string(field.key), to_json(field.value));
        return o;
    }
    case T::ARRAY: {
        simdjson::dom::array arr;
        if (e.get_array().get(arr)) return json::array();
        json a = json::array();
        for (auto v : arr)
            a.push_back(to_json(v));
        return a;
    }
    case T::STRING:
        return json(std::string(e.get_string().value_unsafe()));
    case T::INT64:
        return json(e.get_int64().value_unsafe());
    case T::UINT64:
        return json(e.get_uint64().value_unsafe());
    case T::DOUBLE:
        return json(e.get_double().value_unsafe());
    case T::BOOL:
        return json(e.get_bool().value_unsafe());
    case T::NULL_VALUE:
        return json(nullptr);
    }
    return json(nullptr);
}

void append_json(std::string& out, simdjson::dom::element e) {
    using T = simdjson::dom::element_type;
    char buf[32];
    switch (e.type()) {
    case T::OBJECT: {
        simdjson::dom::object obj = e.get_object().value_unsafe();
        out.push_back('{');
        bool first = true;
        for (auto field : obj) {
            if (!first) out.push_back(',');
            first = false;
            wire::append_json_string(out, field.key);
            out.push_back(':');
            append_json(out, field.value);
        }
        out.push_back('}');
        return;
    }
    case T::ARRAY: {
        simdjson::dom::array arr = e.get_array().value_unsafe();
        out.push_back('[');
        bool first = true;
        for (auto v : arr) {
            if (!first) out.push_back(',');
            first = false;
            append_json(out, v);
        }
        out.push_back(']');
        return;
    }
    case T::STRING:
        wire::append_json_string(out, e.get_string().value_unsafe());
        return;
    case T::INT64:
        out.append(buf, std::to_chars(buf, buf + sizeof buf, e.get_int64().value_unsafe()).ptr);
        return;
    case T::UINT64:
        out.append(buf, std::to_chars(buf, buf + sizeof buf, e.get_uint64().value_unsafe()).ptr);
        return;
    case T::DOUBLE: {
        // Shortest text that reads back as the same double; a ".0" keeps an integral value a
        // double for the reader (JSON has no infinities or NaN to meet here).
        const auto end = std::to_chars(buf, buf + sizeof buf, e.get_double().value_unsafe()).ptr;
        const std::string_view t(buf, static_cast<std::size_t>(end - buf));
        out.append(t);
        if (t.find_first_of(".e") == std::string_view::npos) out += ".0";
        return;
    }
    case T::BOOL:
        out += e.get_bool().value_unsafe() ? "true" : "false";
        return;
    case T::NULL_VALUE:
        out += "null";
        return;
    }
}

bool append_path(simdjson::dom::element e, Path& out) {
    simdjson::dom::array arr;
    if (e.get_array().get(arr)) return false;
    for (auto step : arr) {
        std::string_view key;
        if (!step.get_string().get(key)) {
            out.emplace_back(std::string(key));
            continue;
        }
        std::uint64_t idx;
        if (!step.get_uint64().get(idx)) {
            out.emplace_back(static_cast<std::size_t>(idx));
            continue;
        }
        return false;
    }
    return true;
}

namespace {
// The index just past the string that starts at i (a '"'), or npos. memchr jumps from
// quote to quote (an event's data is mostly string bytes); a quote after an odd run of
// backslashes is escaped.
std::size_t past_string(std::string_view t, std::size_t i) {
    const char* const first = t.data() + i + 1; // the string's first byte
    const char* const end = t.data() + t.size();
    // Keys and most values are short: a plain loop over the first 16 bytes ends them
    // without a call (bench_pipeline's event read 96 to 108 ns with it, 112 to 118 ns with
    // memchr alone, interleaved).
    const char* p = first;
    for (const char* stop = std::min(end, first + 16); p < stop; ++p) {
        if (*p == '\\') {
            ++p;
        } else if (*p == '"') {
            return std::size_t(p - t.data()) + 1;
        }
    }
    while (p < end) {
        const auto* q = static_cast<const char*>(std::memchr(p, '"', std::size_t(end - p)));
        if (!q) break;
        std::size_t slashes = 0;
        for (const char* b = q; b > first && b[-1] == '\\'; --b)
            ++slashes;
        if (slashes % 2 == 0) return std::size_t(q - t.data()) + 1;
        p = q + 1;
    }
    return std::string_view::npos;
}

// The index just past the value that starts at i, or npos.
std::size_t past_value(std::string_view t, std::size_t i) {
    if (i >= t.size()) return std::string_view::npos;
    if (t[i] == '"') return past_string(t, i);
    if (t[i] == '{' || t[i] == '[') {
        int depth = 0;
        while (i < t.size()) {
            const char c = t[i];
            if (c == '"') {
                i = past_string(t, i);
                if (i == std::string_view::npos) return i;
                continue;
            }
            if (c == '{' || c == '[') ++depth;
            if ((c == '}' || c == ']') && --depth == 0) return i + 1;
            ++i;
        }
        return std::string_view::npos;
    }
    // A number, true, false or null: up to the next delimiter.
    while (i < t.size() && t[i] != ',' && t[i] != '}' && t[i] != ']' &&
           static_cast<unsigned char>(t[i]) > ' ')
        ++i;
    return i;
}

std::size_t past_space(std::string_view t, std::size_t i) {
    while (i < t.size() && (t[i] == ' ' || t[i] == '\n' || t[i] == '\r' || t[i] == '\t'))
        ++i;
    return i;
}

// True when a byte of v is below 0x20, eight bytes at a time: (x - 0x20 per byte) & ~x has
// the high bit of a byte set where that byte was below 0x20 (exact for any bound <= 0x80).
bool has_control_byte(std::string_view v) {
    constexpr std::uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
    std::size_t i = 0;
    for (; i + 8 <= v.size(); i += 8) {
        std::uint64_t x;
        std::memcpy(&x, v.data() + i, 8);
        if ((x - ones * 0x20) & ~x & highs) return true;
    }
    for (; i < v.size(); ++i)
        if (static_cast<unsigned char>(v[i]) < 0x20) return true;
    return false;
}
} // namespace

std::optional<std::string_view> raw_member(std::string_view t, std::string_view key, bool last) {
    std::size_t i = past_space(t, 0);
    if (i >= t.size() || t[i] != '{') return std::nullopt;
    i = past_space(t, i + 1);
    while (i < t.size() && t[i] == '"') {
        const std::size_t key_end = past_string(t, i);
        if (key_end == std::string_view::npos) return std::nullopt;
        const auto name = t.substr(i + 1, key_end - i - 2);
        i = past_space(t, key_end);
        if (i >= t.size() || t[i] != ':') return std::nullopt;
        const std::size_t start = past_space(t, i + 1);
        if (last && name == key) {
            // The object's closing brace, then the value's end before it.
            std::size_t end = t.find_last_not_of(" \n\r\t");
            if (end == std::string_view::npos || end <= start || t[end] != '}') return std::nullopt;
            end = t.find_last_not_of(" \n\r\t", end - 1);
            if (end == std::string_view::npos || end < start) return std::nullopt;
            const auto v = t.substr(start, end + 1 - start);
            if (has_control_byte(v)) return std::nullopt;
            return v;
        }
        const std::size_t end = past_value(t, start);
        if (end == std::string_view::npos) return std::nullopt;
        if (name == key) {
            const auto v = t.substr(start, end - start);
            if (has_control_byte(v)) return std::nullopt;
            return v;
        }
        i = past_space(t, end);
        if (i < t.size() && t[i] == ',') i = past_space(t, i + 1);
    }
    return std::nullopt;
}

} // namespace om
