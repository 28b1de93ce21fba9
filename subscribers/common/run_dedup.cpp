// Skipping the events had from another broker run: by origin, by emission time, by time heard.
#include "run_dedup.hpp"

namespace om::sub {

bool RunDedup::keep(const wire::Meta& meta, simdjson::dom::element body, bool replayed) {
    const bool other_window = replayed && other_run_;
    double ts;
    if (meta.eid != 0) {
        // A node's event: the same origin on every broker it was sent to.
        std::string_view node;
        if (body["nodename"].get_string().get(node)) node = {};
        if (!had_.record(node, meta.inc, meta.eid)) return false;
        // Sent again, or from another run's window: it may predate this subscriber. Its ts
        // is then its emission time (or when that broker published it).
        return !((meta.resent || other_window) && !body["ts"].get_double().get(ts) &&
                 ts < floor_ts_);
    }
    // The broker's own, from the window of another run (its journal's events of earlier
    // runs included: published at its start, they reach us only by replay): what it saw
    // before the previous run went silent, that run reported too.
    return !(other_window && !body["ts"].get_double().get(ts) && ts <= own_before_);
}

} // namespace om::sub
