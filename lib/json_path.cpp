// Dotted text form of JSON paths and lookup of a path in a document.
#include "json_path.hpp"

#include <fmt/format.h>

#include <charconv>

namespace om {

bool key_needs_quotes(std::string_view key) {
    if (key.empty()) return true;
    for (char c : key) {
        switch (c) {
        case '.':
        case '/':
        case '\'':
        case ' ':
        case '=':
        case '!':
        case '<':
        case '>':
        case '~':
        case '*':
        case '\t':
            return true;
        default:
            break;
        }
    }
    return false;
}

std::string to_dotted(const Path& path) {
    std::string out;
    for (std::size_t i = 0; i < path.size(); ++i) {
        if (i) out += '.';
        if (const auto* idx = std::get_if<std::size_t>(&path[i])) {
            out += std::to_string(*idx);
            continue;
        }
        const auto& key = std::get<std::string>(path[i]);
        if (key_needs_quotes(key)) {
            out += '\'';
            out += key;
            out += '\'';
        } else {
            out += key;
        }
    }
    return out;
}

Path parse_dotted(std::string_view text) {
    Path path;
    std::size_t i = 0;
    if (!text.empty() && text[0] == '.') i = 1;
    if (i == text.size()) return path; // "" or "." is the root
    while (true) {
        std::string key;
        if (i < text.size() && text[i] == '\'') {
            const auto close = text.find('\'', i + 1);
            if (close == std::string_view::npos)
                throw PathError(
                    fmt::format("path \'{}\': unterminated quote at position {}", text, i + 1));
            key.assign(text.substr(i + 1, close - i - 1));
            i = close + 1;
        } else {
            const auto end = text.find('.', i);
            const auto stop = end == std::string_view::npos ? text.size() : end;
            if (stop == i)
                throw PathError(fmt::format("path \'{}\': empty key at position {}", text, i + 1));
            key.assign(text.substr(i, stop - i));
            i = stop;
        }
        path.emplace_back(std::move(key));
        if (i == text.size()) break;
        if (text[i] != '.')
            throw PathError(fmt::format("path \'{}\': expected '.' at position {}", text, i + 1));
        ++i;
        if (i == text.size())
            throw PathError(fmt::format("path \'{}\': trailing '.' at position {}", text, i));
    }
    return path;
}

Path path_from_json(const json& j) {
    if (!j.is_array())
        throw PathError("path: expected a JSON list, got " + std::string(j.type_name()));
    Path path;
    path.reserve(j.size());
    for (const auto& e : j) {
        if (e.is_string())
            path.emplace_back(e.get<std::string>());
        else if (e.is_number_unsigned())
            path.emplace_back(e.get<std::size_t>());
        else if (e.is_number_integer() && e.get<long long>() >= 0)
            path.emplace_back(static_cast<std::size_t>(e.get<long long>()));
        else
            throw PathError("path " + j.dump() + ": element " + e.dump() +
                            " is neither a key nor a list index");
    }
    return path;
}

json path_to_json(const Path& path) {
    json j = json::array();
    for (const auto& e : path) {
        if (const auto* idx = std::get_if<std::size_t>(&e))
            j.push_back(*idx);
        else
            j.push_back(std::get<std::string>(e));
    }
    return j;
}

// Parses a whole string as a list index; false if it is not one.
static bool as_index(const std::string& s, std::size_t& out) {
    if (s.empty()) return false;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && p == s.data() + s.size();
}

const json* find(const json& doc, const Path& path) {
    const json* cur = &doc;
    for (const auto& e : path) {
        if (const auto* key = std::get_if<std::string>(&e)) {
            if (cur->is_object()) {
                auto it = cur->find(*key);
                if (it == cur->end()) return nullptr;
                cur = &*it;
                continue;
            }
            std::size_t idx;
            if (cur->is_array() && as_index(*key, idx) && idx < cur->size()) {
                cur = &(*cur)[idx];
                continue;
            }
            return nullptr;
        }
        const auto idx = std::get<std::size_t>(e);
        if (!cur->is_array() || idx >= cur->size()) return nullptr;
        cur = &(*cur)[idx];
    }
    return cur;
}

json* find(json& doc, const Path& path) {
    // doc is not const, so neither is anything inside it.
    return const_cast<json*>(find(static_cast<const json&>(doc), path));
}

} // namespace om
