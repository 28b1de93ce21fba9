// Node facts read from /proc (load, memory, uptime), published under the dataset's `stats`.
#pragma once

#include "json_path.hpp"

namespace om::publisher {

// Reads /proc/loadavg, /proc/meminfo and /proc/uptime. Missing files give missing keys.
// Keys: load_1m, load_5m, load_15m, mem_total_mb, mem_avail_mb, mem_avail_pct,
// swap_total_mb, swap_avail_mb, uptime_s.
json read_node_facts();

} // namespace om::publisher
