// simdjson parsing and conversion to nlohmann values.
#include "json_parse.hpp"

#include "wire.hpp"

#include <charconv>

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

} // namespace om
