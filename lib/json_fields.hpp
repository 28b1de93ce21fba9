// Reading a field of a JSON object that may be missing or of another type: the value, or
// a default. Outside input (api answers, heartbeats' data, events) is read this way, so
// that a wrong shape is a default and never an exception.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace om {

// The string `key` of `j`, or nullptr when `j` is no object, or the key is missing or no
// string.
inline const std::string* string_at(const nlohmann::json& j, const char* key) {
    if (!j.is_object()) return nullptr;
    const auto it = j.find(key);
    return it != j.end() && it->is_string() ? &it->get_ref<const std::string&>() : nullptr;
}

// The string `key` of `j`, or `fallback`.
inline std::string string_or(const nlohmann::json& j, const char* key,
                             std::string_view fallback = {}) {
    const auto* s = string_at(j, key);
    return s ? *s : std::string(fallback);
}

// The unsigned number `key` of `j`, or `fallback`.
inline std::uint64_t unsigned_or(const nlohmann::json& j, const char* key,
                                 std::uint64_t fallback = 0) {
    if (!j.is_object()) return fallback;
    const auto it = j.find(key);
    return it != j.end() && it->is_number_unsigned() ? it->get<std::uint64_t>() : fallback;
}

// The number `key` of `j` (any numeric type), or `fallback`.
inline double number_or(const nlohmann::json& j, const char* key, double fallback = 0) {
    if (!j.is_object()) return fallback;
    const auto it = j.find(key);
    return it != j.end() && it->is_number() ? it->get<double>() : fallback;
}

// A value as a person reads it: a string bare, anything else as compact JSON.
inline std::string scalar_text(const nlohmann::json& v) {
    return v.is_string() ? v.get<std::string>() : v.dump();
}

} // namespace om
