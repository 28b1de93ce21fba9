// HugePageScope: while one is alive, the allocations of its thread come from a jemalloc
// arena whose memory is advised as transparent huge pages. A late joiner (om-sub, or
// om-relay at its resync) builds the tree of a large cluster's snapshot in one go, hundreds
// of MiB of small nodes; in 4 KiB pages, page faults were most of its time on this kind of
// machine (docs/performance.md, "The late joiner's tree in huge pages"). Only a large
// snapshot asks for it: a small process keeps 4 KiB pages, and memory freed later goes
// back to the arena it came from.
//
// Without jemalloc (the sanitizer and fuzzing builds, whose allocator must serve every
// call), or when jemalloc refuses the arena, it does nothing.
#pragma once

#include "json_parse.hpp"

#include <cstddef>
#include <string_view>

namespace om::sub {

// A JSON text this large (a snapshot) has its tree built in huge pages: one 2 MiB page's
// worth. Below it the tree is a few MiB at most, and 4 KiB pages cost little.
inline constexpr std::size_t kHugeTreeFrom = std::size_t(2) << 20;

class HugePageScope {
  public:
    // Routes this thread's allocations to the huge-page arena if `wanted`, until destroyed.
    explicit HugePageScope(bool wanted = true);
    ~HugePageScope();
    HugePageScope(const HugePageScope&) = delete;
    HugePageScope& operator=(const HugePageScope&) = delete;

    // True when this thread's allocations go to the huge-page arena now.
    bool active() const { return switched_; }

    // True when the program has the arena (built with jemalloc, which created it).
    static bool available();

  private:
    // The thread's arena before, given back on destruction (unused without jemalloc).
    [[maybe_unused]] unsigned previous_ = 0;
    bool switched_ = false;
};

// The tree of a snapshot's text, parsed by `parser`; a text of kHugeTreeFrom bytes or more
// is parsed and built in the huge-page arena. Throws simdjson::simdjson_error on bad JSON.
json snapshot_tree(JsonParser& parser, std::string_view text);

} // namespace om::sub
