// Tests of subscribers/common/event_text: the readable line of known event ids.
#include "event_text.hpp"

#include <catch2/catch.hpp>

using om::json;
using om::sub::event_text;

TEST_CASE("event_text: templates by id and reason, filled from the event's data") {
    CHECK(event_text(json{{"id", "hb_stale"}, {"nodename", "n2"}}) ==
          "node n2 hb status beating => stale");
    CHECK(event_text(
              json{{"id", "hb_stale"}, {"nodename", "n2"}, {"reason", "not_heard_since_start"}}) ==
          "node n2 hb status stale: not heard from since the broker started");
    // A reason without a template of its own falls back to the id's.
    CHECK(event_text(json{{"id", "hb_stale"}, {"nodename", "n2"}, {"reason", "other"}}) ==
          "node n2 hb status beating => stale");
    CHECK(event_text(json{{"id", "instance_start"},
                          {"reason", "target"},
                          {"instance",
                           {{"topology", "failover"},
                            {"avail", "down"},
                            {"monitor", {{"global_expect", "started"}}}}}}) ==
          "start failover down instance to satisfy the started target");
}

TEST_CASE("event_text: an unknown id is no text, a missing field a question mark") {
    CHECK(event_text(json{{"id", "custom"}}).empty());
    CHECK(event_text(json{{"nodename", "n1"}}).empty());
    CHECK(event_text(json{{"id", 5}}).empty());
    CHECK(event_text(json{{"id", "hb_beating"}}) == "node ? hb status stale => beating");
}
