// PatchWriter: builds the body of one patch message op by op, so that the cost of a patch
// is the size of its ops, never the size of the document it applies to.
#pragma once

#include "json_path.hpp"

#include <cstdint>
#include <initializer_list>
#include <string>

namespace om {

class PatchWriter {
  public:
    // Appends [[path...], value].
    void set(const Path& path, const json& value);
    // Appends [[path...], VALUE] where value_json is VALUE already serialized.
    void set_text(const Path& path, std::string_view value_json);
    // The same for a path of keys only, given as they are: no Path is built.
    void set_text(std::initializer_list<std::string_view> keys, std::string_view value_json);
    // The same for the path `prefix` then `rest` (a node's op under its subtree), without
    // a Path built of the two.
    void set_text(std::initializer_list<std::string_view> prefix, const Path& rest,
                  std::string_view value_json);
    // Appends [[prefix..., rest...]].
    void del(std::initializer_list<std::string_view> prefix, const Path& rest);
    // Appends [[path...]].
    void del(const Path& path);

    // The ops as a JSON list: [OP,...].
    std::string ops() const { return "[" + data_ + "]"; }

    bool empty() const { return count_ == 0; }
    std::size_t size() const { return count_; }
    void clear();

    // The patch message body:
    //   {"nodename":N,"kind":"patch","id":ID,"ts":TS,"data":[OP,...]}
    std::string body(std::string_view nodename, std::uint64_t id, double ts) const;
    // The same body, appended to out (a buffer whose capacity is reused).
    void append_body(std::string& out, std::string_view nodename, std::uint64_t id,
                     double ts) const;

  private:
    // Writes an op's opening and its path (prefix, then rest), up to the path's closing
    // bracket: every op goes through it.
    void path(std::initializer_list<std::string_view> prefix, const Path& rest);
    // Writes one step of a path: a key as a JSON string, an index as a number.
    void step(const PathElem& e);
    std::string data_; // the ops, comma separated, without the enclosing brackets
    std::size_t count_ = 0;
};

// Formats a timestamp with microseconds, as in "ts".
std::string format_ts(double ts);
// The same, appended to out.
void append_ts(std::string& out, double ts);

} // namespace om
