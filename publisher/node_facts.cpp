// /proc readers for the node facts.
#include "node_facts.hpp"

#include <cmath>
#include <fstream>
#include <sstream>

namespace om::publisher {

namespace {
double round2(double v) {
    return std::round(v * 100) / 100;
}
} // namespace

json read_node_facts() {
    json s = json::object();
    if (std::ifstream f("/proc/loadavg"); f) {
        double l1, l5, l15;
        if (f >> l1 >> l5 >> l15) {
            s["load_1m"] = round2(l1);
            s["load_5m"] = round2(l5);
            s["load_15m"] = round2(l15);
        }
    }
    if (std::ifstream f("/proc/meminfo"); f) {
        std::string key, unit;
        long long kb;
        long long total = -1, avail = -1, swap_total = -1, swap_free = -1;
        while (f >> key >> kb) {
            std::getline(f, unit);
            if (key == "MemTotal:")
                total = kb;
            else if (key == "MemAvailable:")
                avail = kb;
            else if (key == "SwapTotal:")
                swap_total = kb;
            else if (key == "SwapFree:")
                swap_free = kb;
        }
        if (total > 0) s["mem_total_mb"] = total / 1024;
        if (avail >= 0) s["mem_avail_mb"] = avail / 1024;
        if (total > 0 && avail >= 0) s["mem_avail_pct"] = static_cast<int>(100 * avail / total);
        if (swap_total >= 0) s["swap_total_mb"] = swap_total / 1024;
        if (swap_free >= 0) s["swap_avail_mb"] = swap_free / 1024;
    }
    if (std::ifstream f("/proc/uptime"); f) {
        double up;
        if (f >> up) s["uptime_s"] = static_cast<long long>(up);
    }
    return s;
}

} // namespace om::publisher
