// Tests of subscribers/common/huge_page_arena: inside a scope, memory comes from mappings
// advised as huge pages (the kernel's VmFlags say "hg"); outside, or when not wanted, it
// does not; memory allocated inside may be freed outside. In a build without jemalloc (the
// sanitizers') the scope does nothing, and says so.
#include "huge_page_arena.hpp"

#include <catch2/catch.hpp>
#include <cstdint>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

using om::sub::HugePageScope;

namespace {

// True when the mapping that holds `p` is advised MADV_HUGEPAGE, from /proc/self/smaps.
bool advised_huge(const void* p) {
    const auto at = reinterpret_cast<std::uintptr_t>(p);
    std::ifstream smaps("/proc/self/smaps");
    std::string line;
    bool inside = false;
    while (std::getline(smaps, line)) {
        std::uintptr_t start = 0, end = 0;
        char dash = 0;
        std::istringstream head(line);
        // A mapping's first line: "start-end perms offset dev inode [path]", in hex.
        if (head >> std::hex >> start >> dash >> end && dash == '-') {
            inside = start <= at && at < end;
        } else if (inside && line.starts_with("VmFlags:")) {
            return (line + " ").find(" hg ") != std::string::npos;
        }
    }
    return false;
}

// 8 MiB: a large allocation, served from an extent of its own arena.
constexpr std::size_t kBlock = std::size_t(8) << 20;

} // namespace

TEST_CASE("huge page arena: inside a scope memory is advised huge, outside it is not",
          "[huge_page_arena]") {
    if (!HugePageScope::available()) {
        const HugePageScope scope;
        CHECK_FALSE(scope.active());
        return;
    }
    std::unique_ptr<char[]> inside;
    {
        const HugePageScope scope;
        REQUIRE(scope.active());
        inside = std::make_unique<char[]>(kBlock);
        CHECK(advised_huge(inside.get()));
    }
    const auto after = std::make_unique<char[]>(kBlock);
    CHECK_FALSE(advised_huge(after.get()));
    {
        const HugePageScope scope(false);
        CHECK_FALSE(scope.active());
        const auto unwanted = std::make_unique<char[]>(kBlock);
        CHECK_FALSE(advised_huge(unwanted.get()));
    }
    inside.reset(); // freed outside the scope, into the arena it came from
}

TEST_CASE("huge page arena: small objects built inside live and die outside", "[huge_page_arena]") {
    std::vector<std::string> words;
    {
        const HugePageScope scope;
        for (int i = 0; i < 10000; ++i)
            words.push_back("a word longer than the small-string buffer " + std::to_string(i));
    }
    REQUIRE(words.size() == 10000);
    CHECK(words[9999] == "a word longer than the small-string buffer 9999");
    words.clear();
    words.shrink_to_fit();
}
