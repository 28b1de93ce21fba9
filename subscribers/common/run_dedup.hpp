// RunDedup: which events to skip as had when one broker run's numbers say nothing of
// another's (a restarted broker, the next broker of the list, a cursor of an earlier run).
// A node's event is named by its origin on every broker (Origins); a resent one, or one
// from another run's window, is also checked against the time this subscriber started.
// The broker's own events replayed from another run's window are skipped when stamped
// before the last message heard from the previous run, which reported them already.
#pragma once

#include "json_parse.hpp"
#include "origins.hpp"
#include "wire.hpp"

namespace om::sub {

class RunDedup {
  public:
    // `had`: the node events handled before (a cursor's); `floor_ts`: events emitted
    // before this time predate the subscriber (0: none do).
    explicit RunDedup(Origins had = {}, double floor_ts = 0)
        : had_(std::move(had)), floor_ts_(floor_ts) {}

    void set_floor(double ts) { floor_ts_ = ts; }
    // While replaying another run's window: its own events up to `own_before` were heard
    // from the previous run.
    void begin_other_run(double own_before) {
        other_run_ = true;
        own_before_ = own_before;
    }
    void end_other_run() { other_run_ = false; }
    bool in_other_run() const { return other_run_; }

    // True when the event is to be delivered; records a node event's origin (by the body's
    // nodename). `replayed`: it comes from the replay window.
    bool keep(const wire::Meta& meta, simdjson::dom::element body, bool replayed);

  private:
    Origins had_;
    double floor_ts_;
    bool other_run_ = false;
    double own_before_ = 0;
};

} // namespace om::sub
