// The huge-page arena: jemalloc's own extent hooks, with every new extent advised
// MADV_HUGEPAGE (the kernel's transparent huge pages are "madvise" on Debian).
#include "huge_page_arena.hpp"

#include <cstddef>

#ifdef OMBUS_JEMALLOC
#include <jemalloc/jemalloc.h>
#include <sys/mman.h>
#endif

namespace om::sub {

json snapshot_tree(JsonParser& parser, std::string_view text) {
    const HugePageScope huge(text.size() >= kHugeTreeFrom);
    return to_json(parser.parse(text));
}

#ifdef OMBUS_JEMALLOC
namespace {

extent_hooks_t* default_hooks = nullptr;
extent_hooks_t huge_hooks;

// jemalloc's default allocation of an extent, then the advice. The advice is only advice:
// when the kernel declines it, the extent still serves, in 4 KiB pages.
void* alloc_advised(extent_hooks_t*, void* new_addr, std::size_t size, std::size_t alignment,
                    bool* zero, bool* commit, unsigned arena) {
    void* p = default_hooks->alloc(default_hooks, new_addr, size, alignment, zero, commit, arena);
    if (p != nullptr) madvise(p, size, MADV_HUGEPAGE);
    return p;
}

// The arena's index, created on first use with the default hooks but for their allocation;
// 0 when jemalloc refused (arena 0 is jemalloc's first arena, never this one).
unsigned huge_arena() {
    static const unsigned index = [] {
        std::size_t size = sizeof(default_hooks);
        if (mallctl("arena.0.extent_hooks", &default_hooks, &size, nullptr, 0) != 0 ||
            default_hooks == nullptr)
            return 0u;
        huge_hooks = *default_hooks;
        huge_hooks.alloc = alloc_advised;
        extent_hooks_t* hooks = &huge_hooks;
        unsigned created = 0;
        size = sizeof(created);
        if (mallctl("arenas.create", &created, &size, &hooks, sizeof(hooks)) != 0) return 0u;
        return created;
    }();
    return index;
}

} // namespace

bool HugePageScope::available() {
    return huge_arena() != 0;
}

HugePageScope::HugePageScope(bool wanted) {
    if (!wanted) return;
    unsigned arena = huge_arena();
    if (arena == 0) return;
    std::size_t size = sizeof(previous_);
    switched_ = mallctl("thread.arena", &previous_, &size, &arena, sizeof(arena)) == 0;
}

HugePageScope::~HugePageScope() {
    if (switched_) mallctl("thread.arena", nullptr, nullptr, &previous_, sizeof(previous_));
}

#else

bool HugePageScope::available() {
    return false;
}

HugePageScope::HugePageScope(bool) {}
HugePageScope::~HugePageScope() = default;

#endif

} // namespace om::sub
