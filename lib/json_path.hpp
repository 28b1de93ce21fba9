// JSON paths: a list of object keys and list indexes into a JSON document, and their dotted
// text form (`monitor.services.'ns/svc/x'.avail`) shared by patches, filters and the CLIs.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace om {

using json = nlohmann::json;

// One step of a path: an object key or a list index.
using PathElem = std::variant<std::string, std::size_t>;
using Path = std::vector<PathElem>;

// Thrown for a path that cannot be parsed or followed; what() is one line.
struct PathError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Formats a path in dotted form. Keys that hold a dot, a slash, a quote, a space, an
// operator character or nothing at all are single-quoted so that parse_dotted() and the
// filter grammar read them back unchanged.
std::string to_dotted(const Path& path);

// Parses dotted text into a path of keys (all elements are strings: whether "0" is an
// index is decided by the document it is applied to). A leading '.' is ignored; quoted keys
// use single quotes. Throws PathError naming the position on bad input.
Path parse_dotted(std::string_view text);

// Converts a patch path (a JSON array of strings and non-negative integers).
// Throws PathError when the JSON is not such an array.
Path path_from_json(const json& j);
json path_to_json(const Path& path);

// Returns the value at path, or nullptr when any step is missing. String steps address list
// elements when they are decimal numbers, so dotted paths reach into lists too.
const json* find(const json& doc, const Path& path);
// The same, for changing the value found in place.
json* find(json& doc, const Path& path);

// True if a bare key must be quoted in dotted form.
bool key_needs_quotes(std::string_view key);

} // namespace om
