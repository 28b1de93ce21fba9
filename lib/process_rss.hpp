// The resident memory of this process, for the daemons' stats.
#pragma once

#include <cstdint>

namespace om {

// Resident set size in bytes (/proc/self/statm); 0 when it cannot be read.
std::uint64_t resident_bytes();

} // namespace om
