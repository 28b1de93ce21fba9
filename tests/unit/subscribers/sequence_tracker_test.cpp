// Tests of subscribers/common/sequence_tracker: each loss rule of docs/protocol.md
// ("Following the state") as a verdict on sequences, without sockets.
#include "sequence_tracker.hpp"

#include <catch2/catch.hpp>

using namespace om;
using namespace om::sub;
using EV = SequenceTracker::EventVerdict;

namespace {
constexpr std::uint64_t E = 1000; // the run followed

wire::Meta meta(std::uint64_t kseq, std::uint64_t tseq = 0, std::uint64_t epoch = E) {
    wire::Meta m;
    m.epoch = epoch;
    m.seq = kseq;
    m.kseq = kseq;
    m.tseq = tseq ? tseq : kseq;
    return m;
}

wire::Tick tick(std::uint64_t pseq, std::uint64_t eseq, std::uint64_t epoch = E) {
    return {epoch, pseq + eseq, pseq, eseq};
}
} // namespace

TEST_CASE("sequence tracker: subscriptions are prefixes, the first that matches") {
    SequenceTracker t({"event/hb_stale/", "patch/"}, false);
    REQUIRE(t.subscription("patch/n1/"));
    CHECK(*t.subscription("patch/n1/") == "patch/");
    CHECK(*t.subscription("event/hb_stale/") == "event/hb_stale/");
    CHECK(t.subscription("event/hb_stale_x/") == nullptr); // a topic segment ends with '/'
    CHECK(t.subscription("tick/") == nullptr);
}

TEST_CASE("sequence tracker: a new epoch is another run, whose numbers start again") {
    SequenceTracker t({""}, false);
    CHECK(t.epoch() == 0);
    t.follow(E, 7, 3);
    CHECK(t.same_run(E));
    CHECK_FALSE(t.same_run(E + 1));
    CHECK(t.on_tick(tick(3, 7, E + 1), std::nullopt).other_run);
    t.restart(E + 1);
    CHECK(t.last_event() == 0);
    CHECK(t.on_event("event/x/", meta(1, 1, E + 1)) == EV::deliver);
}

TEST_CASE("sequence tracker: events in sequence are delivered, a jump asks for a replay") {
    SequenceTracker t({"event/"}, false);
    t.follow(E, 10, 0); // a start: events up to 10 came before the subscriber, not lost
    CHECK(t.on_event("event/a/", meta(11)) == EV::deliver);
    t.event_handled("event/a/", meta(11));
    CHECK(t.on_event("event/a/", meta(11)) == EV::ignore); // delivered already
    CHECK(t.on_event("event/a/", meta(9)) == EV::ignore);  // older
    CHECK(t.on_event("event/a/", meta(14)) == EV::replay); // 12, 13 missed
    // The replay brings 12..14; 14 is then had, and the live copy is not delivered again.
    for (std::uint64_t k = 12; k <= 14; ++k)
        t.event_handled("event/a/", meta(k));
    CHECK(t.had(14));
    CHECK(t.on_event("event/a/", meta(15)) == EV::deliver);
    CHECK(t.on_event("patch/n1/", meta(99)) == EV::ignore); // not subscribed
}

TEST_CASE("sequence tracker: one whole topic is checked on its own sequence") {
    SequenceTracker t({"event/hb_stale/"}, false);
    t.follow(E, 10, 0);
    // Before one of its events was had, any event since the last may have been one of its.
    CHECK(t.on_event("event/hb_stale/", meta(12, 4)) == EV::replay);
    CHECK(t.on_event("event/hb_stale/", meta(11, 4)) == EV::deliver);
    t.event_handled("event/hb_stale/", meta(11, 4));
    // Then its tseq: other topics' events in between are not a loss.
    CHECK(t.on_event("event/hb_stale/", meta(20, 5)) == EV::deliver);
    CHECK(t.on_event("event/hb_stale/", meta(20, 6)) == EV::replay);
    // An event of the replay on another topic is passed, not delivered.
    t.event_passed(25);
    CHECK(t.had(25));
    CHECK(t.last_event() == 25);
}

TEST_CASE("sequence tracker: a replay refused as too old moves past the range lost") {
    SequenceTracker t({""}, false);
    t.follow(E, 10, 0);
    const auto lost = t.too_old(21);
    REQUIRE(lost);
    CHECK(lost->from == 11);
    CHECK(lost->to == 20);
    CHECK(t.last_event() == 20);
    // A broker answering too_old with nothing newer would loop: no range, no move.
    CHECK_FALSE(t.too_old(21));
    CHECK_FALSE(t.too_old(5));
    CHECK(t.last_event() == 20);
}

TEST_CASE("sequence tracker: patches without a replica, by id, reported lost for good") {
    SequenceTracker t({"patch/"}, false);
    t.follow(E, 0, 5);
    auto v = t.on_patch("patch/n1/", meta(6));
    CHECK(v.deliver);
    CHECK_FALSE(v.lost.any());
    CHECK_FALSE(t.on_patch("patch/n2/", meta(6)).deliver); // had
    v = t.on_patch("patch/n2/", meta(9));
    CHECK(v.deliver);
    CHECK(v.lost.from == 7);
    CHECK(v.lost.to == 8);
    CHECK_FALSE(t.on_patch("event/x/", meta(10)).deliver); // not subscribed
}

TEST_CASE("sequence tracker: one node's patches, by their topic's sequence") {
    SequenceTracker t({"patch/n1/"}, false);
    t.follow(E, 0, 0);
    CHECK_FALSE(t.on_patch("patch/n1/", meta(40, 3)).lost.any()); // the first seen
    CHECK_FALSE(t.on_patch("patch/n1/", meta(45, 4)).lost.any());
    const auto v = t.on_patch("patch/n1/", meta(50, 7));
    CHECK(v.deliver);
    CHECK(v.lost.count == 2);
    CHECK_FALSE(t.on_patch("patch/n2/", meta(51, 1)).deliver);
}

TEST_CASE("sequence tracker: a tick reveals what an idle stream missed") {
    SECTION("events: its eseq above the last handled asks for a replay") {
        SequenceTracker t({"event/"}, false);
        t.follow(E, 10, 0);
        CHECK_FALSE(t.on_tick(tick(0, 10), std::nullopt).replay);
        CHECK(t.on_tick(tick(0, 12), std::nullopt).replay);
    }
    SECTION("a subscriber to one event topic cannot tell from eseq") {
        SequenceTracker t({"event/hb_stale/"}, false);
        t.follow(E, 10, 0);
        CHECK_FALSE(t.on_tick(tick(0, 12), std::nullopt).replay);
    }
    SECTION("patches without a replica: those before its pseq passed") {
        SequenceTracker t({""}, false);
        t.follow(E, 0, 5);
        const auto v = t.on_tick(tick(8, 0), std::nullopt);
        CHECK(v.patches_lost.from == 6);
        CHECK(v.patches_lost.to == 8);
        CHECK_FALSE(t.on_tick(tick(8, 0), std::nullopt).patches_lost.any()); // said once
    }
    SECTION("a replica behind the tick's pseq resyncs") {
        SequenceTracker t({"event/"}, true);
        t.follow(E, 0, 0);
        auto v = t.on_tick(tick(8, 0), std::uint64_t{8});
        CHECK_FALSE(v.replica_behind.any());
        v = t.on_tick(tick(9, 0), std::uint64_t{8});
        CHECK(v.replica_behind.from == 9);
        CHECK(v.replica_behind.to == 9);
        CHECK_FALSE(v.patches_lost.any()); // the replica's own rule, not the stream's
        // A replica already resyncing has no patch id to compare.
        CHECK_FALSE(t.on_tick(tick(20, 0), std::nullopt).replica_behind.any());
    }
}
