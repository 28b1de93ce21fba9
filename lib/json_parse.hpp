// Fast parsing of incoming messages with simdjson, converted to nlohmann values where the
// program keeps them. One JsonParser per thread; it reuses its buffers.
#pragma once

#include "json_path.hpp"

#include <array>
#include <cstddef>
#include <optional>
#include <simdjson.h>
#include <string>
#include <string_view>

namespace om {

class JsonParser {
  public:
    // Parses text (copied into a padded buffer); throws simdjson::simdjson_error on bad JSON.
    // The returned element lives until the next parse.
    simdjson::dom::element parse(std::string_view text);

  private:
    simdjson::dom::parser parser_;
    std::string buffer_;
};

// Converts a simdjson element into an nlohmann value.
json to_json(simdjson::dom::element e);

// Appends the element as compact JSON text to `out`: the same text as simdjson::minify,
// written straight into the caller's string (the broker splices it into what it publishes).
void append_json(std::string& out, simdjson::dom::element e);

// The text of member `key` of the object `object_text`, JSON that a parser accepted, as it
// is written there; nullopt when the member is absent, or its text holds a byte below 0x20
// (whitespace a published frame could not carry: the caller writes it again instead).
// One pass over the text, without a parse: the broker splices an event's data from it.
// `last`: the caller knows from the parse that `key` is the object's last member and its
// only one (members() tells); the value then runs to the object's closing brace, and its
// text is not walked through.
std::optional<std::string_view> raw_member(std::string_view object_text, std::string_view key,
                                           bool last = false);

// The members named `keys` of `object`, found in one pass over it: element i is the first
// member named keys[i] (as a lookup by key would find it), nullopt when there is none. A
// lookup per key scans the object from its first member, and all of it for a key absent;
// the hot paths read a handful of keys of every message this way instead. `last_key`, when
// given, is set to i when the object's last member is keys[i] and has no namesake before
// it, else to N.
template <std::size_t N>
std::array<std::optional<simdjson::dom::element>, N>
members(simdjson::dom::object object, const std::array<std::string_view, N>& keys,
        std::size_t* last_key = nullptr) {
    std::array<std::optional<simdjson::dom::element>, N> found;
    std::size_t last = N;
    for (const auto field : object) {
        last = N;
        const std::string_view key = field.key;
        for (std::size_t i = 0; i < N; ++i)
            // Length and first byte before the bytes: most keys differ there, without a call.
            if (key.size() == keys[i].size() && (key.empty() || key[0] == keys[i][0]) &&
                key == keys[i]) {
                if (!found[i]) {
                    found[i] = field.value;
                    last = i;
                }
                break;
            }
    }
    if (last_key) *last_key = last;
    return found;
}

// Converts a simdjson patch path (list of strings and non-negative integers) into a Path
// appended to `out`; returns false when it is not one.
bool append_path(simdjson::dom::element e, Path& out);

} // namespace om
