// Reading /proc/self/statm.
#include "process_rss.hpp"

#include <fstream>
#include <unistd.h>

namespace om {

std::uint64_t resident_bytes() {
    // statm: size resident shared text lib data dt, in pages.
    std::ifstream in("/proc/self/statm");
    std::uint64_t size = 0, resident = 0;
    if (!(in >> size >> resident)) return 0;
    const long page = ::sysconf(_SC_PAGESIZE);
    return resident * static_cast<std::uint64_t>(page > 0 ? page : 4096);
}

} // namespace om
