// Tests of broker/stream: the numbering of every message (seq, kseq, tseq), the frames
// published, the replay window (its answer, too_old, another epoch, its bound) and ticks,
// on an inproc PUB socket read by a SUB socket in the test.
#include "stream.hpp"

#include <catch2/catch.hpp>
#include <iterator>
#include <nlohmann/json.hpp>
#include <zmq_addon.hpp>

using namespace om;
using namespace om::broker;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {
constexpr std::uint64_t E = 42;

std::vector<std::string> parts(const zmq::message_t& frame);

struct Wire {
    zmq::context_t ctx;
    zmq::socket_t pub{ctx, zmq::socket_type::pub}, sub{ctx, zmq::socket_type::sub};
    Wire() {
        pub.bind("inproc://stream");
        sub.connect("inproc://stream");
        sub.set(zmq::sockopt::subscribe, "");
    }
    // The next message, one frame, as its TOPIC, META and BODY (inproc: a subscription is
    // in effect once connected, and what was sent is already queued).
    std::vector<std::string> next() {
        std::vector<zmq::message_t> frames;
        zmq::pollitem_t item{sub.handle(), 0, ZMQ_POLLIN, 0};
        zmq::poll(&item, 1, 2000ms);
        REQUIRE((item.revents & ZMQ_POLLIN));
        (void)zmq::recv_multipart(sub, std::back_inserter(frames));
        REQUIRE(frames.size() == 1);
        return parts(frames[0]);
    }
};

// TOPIC, META and BODY of one published frame.
std::vector<std::string> parts(const zmq::message_t& frame) {
    const auto p = wire::split_message(frame.to_string_view());
    REQUIRE(p);
    return {std::string(p->topic), std::string(p->meta), std::string(p->body)};
}

PatchWriter one_op(const std::string& key, int value) {
    PatchWriter w;
    w.set({key}, json(value));
    return w;
}
} // namespace

TEST_CASE("stream: every message numbered by epoch, seq, kind and topic") {
    Wire w;
    Stream s(w.pub, E, 100, 60s);
    s.publish_patch("n1", one_op("a", 1));
    s.publish_event("n1", "hb_stale", R"({"id":"hb_stale"})");
    s.publish_patch("n2", one_op("b", 2));
    s.publish_patch("n1", one_op("a", 3));

    auto f = w.next();
    REQUIRE(f.size() == 3);
    CHECK(f[0] == "patch/n1/");
    auto meta = json::parse(f[1]);
    CHECK(meta == json{{"epoch", E}, {"seq", 1}, {"kseq", 1}, {"tseq", 1}});
    auto body = json::parse(f[2]);
    CHECK(body["kind"] == "patch");
    CHECK(body["id"] == 1);
    CHECK(body["nodename"] == "n1");

    f = w.next();
    CHECK(f[0] == "event/hb_stale/");
    CHECK(json::parse(f[1]) == json{{"epoch", E}, {"seq", 2}, {"kseq", 1}, {"tseq", 1}});
    body = json::parse(f[2]);
    CHECK(body["kind"] == "event");
    CHECK(body["data"] == json{{"id", "hb_stale"}});

    f = w.next();
    CHECK(json::parse(f[1]) == json{{"epoch", E}, {"seq", 3}, {"kseq", 2}, {"tseq", 1}});
    f = w.next(); // n1's second patch: its topic's second
    CHECK(json::parse(f[1]) == json{{"epoch", E}, {"seq", 4}, {"kseq", 3}, {"tseq", 2}});

    s.tick();
    f = w.next();
    CHECK(f[0] == "tick/");
    CHECK(json::parse(f[1]) == json{{"epoch", E}, {"seq", 4}, {"pseq", 3}, {"eseq", 1}});
    CHECK(s.stats().patches == 3);
    CHECK(s.stats().events == 1);
}

TEST_CASE("stream: a node's event carries its origin in META") {
    Wire w;
    Stream s(w.pub, E, 100, 60s);
    wire::Origin o;
    o.inc = 7;
    o.eid = 3;
    o.resent = true;
    o.ts = 1000.5;
    s.publish_event("n1", "x", R"({"id":"x"})", o);
    const auto f = w.next();
    const auto meta = json::parse(f[1]);
    CHECK(meta["inc"] == 7);
    CHECK(meta["eid"] == 3);
    CHECK(meta["resent"] == 1);
    CHECK(json::parse(f[2])["ts"] == 1000.5); // its emission time
}

TEST_CASE("stream: the replay window answers after a sequence, bounded, per epoch") {
    Wire w;
    Stream s(w.pub, E, 3, 60s);
    for (int i = 1; i <= 5; ++i)
        s.publish_event("n1", "e", R"({"id":"e","n":)" + std::to_string(i) + "}");
    CHECK(s.replay_size() == 3); // events 3, 4, 5

    auto r = s.replay(E, 3);
    auto h = json::parse(r[0].to_string_view());
    CHECK(h["status"] == "ok");
    CHECK(h["protocol"] == wire::kProtocol);
    CHECK(h["count"] == 2);
    REQUIRE(r.size() == 1 + 2); // the header, then each event as one frame, as published
    const auto first = parts(r[1]);
    CHECK(first[0] == "event/e/");
    CHECK(json::parse(first[1])["kseq"] == 4);
    CHECK(json::parse(parts(r[2])[2])["data"]["n"] == 5);

    const auto header = [&](std::uint64_t epoch, std::uint64_t after) {
        return json::parse(s.replay(epoch, after)[0].to_string_view());
    };
    h = header(E, 1); // 2 has left the window
    CHECK(h["status"] == "error");
    CHECK(h["code"] == "too_old");
    CHECK(h["oldest"] == 3);
    CHECK(header(E, 2)["status"] == "ok"); // after oldest - 1: works

    h = header(E + 1, 0);
    CHECK(h["code"] == "epoch");
    CHECK(h["epoch"] == E);

    h = header(E, 5); // nothing newer
    CHECK(h["count"] == 0);
}
