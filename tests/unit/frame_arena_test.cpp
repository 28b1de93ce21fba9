// Tests of lib/frame_arena: messages hold their bytes, outlive their arena, are released on
// any thread, and a steady stream of kept-then-released frames reuses its blocks.
#include "frame_arena.hpp"

#include <catch2/catch.hpp>
#include <deque>
#include <string>
#include <thread>
#include <vector>

using om::FrameArena;

namespace {
std::string frame(std::size_t size, int n) {
    std::string s(size, static_cast<char>('a' + n % 26));
    if (size > 0) s[0] = static_cast<char>('0' + n % 10);
    return s;
}
} // namespace

TEST_CASE("frame arena: each message holds a copy of its bytes") {
    FrameArena arena;
    std::vector<zmq::message_t> kept;
    std::vector<std::string> texts;
    for (int i = 0; i < 500; ++i) {
        texts.push_back(frame(static_cast<std::size_t>(i * 7 % 1000), i));
        kept.push_back(arena.message(texts.back()));
    }
    texts.push_back(frame(FrameArena::kMaxFrame + 1, 1)); // its own allocation
    kept.push_back(arena.message(texts.back()));
    for (std::size_t i = 0; i < kept.size(); ++i)
        CHECK(kept[i].to_string() == texts[i]);
    // A copy shares the bytes and keeps them after the original is closed.
    zmq::message_t copy;
    copy.copy(kept[3]);
    CHECK(copy.data() == kept[3].data());
    kept[3].rebuild();
    CHECK(copy.to_string() == texts[3]);
}

TEST_CASE("frame arena: messages outlive the arena and are released on another thread") {
    std::vector<zmq::message_t> kept;
    {
        FrameArena arena;
        for (int i = 0; i < 20000; ++i) // several blocks of 2 MiB
            kept.push_back(arena.message(frame(300, i)));
    }
    std::thread([&] {
        for (std::size_t i = 0; i < kept.size(); i += 2)
            kept[i].rebuild(); // the last copy, closed here
    }).join();
    // New frames take recycled blocks only: a block given back while its odd messages
    // live would be overwritten here (and ASan would see the use after free).
    FrameArena again;
    std::vector<zmq::message_t> fresh;
    for (int i = 0; i < 20000; ++i)
        fresh.push_back(again.message(std::string(300, '#')));
    for (std::size_t i = 1; i < kept.size(); i += 2)
        REQUIRE(kept[i].to_string() == frame(300, static_cast<int>(i)));
}

TEST_CASE("frame arena: a window that keeps N frames reuses its blocks") {
    FrameArena arena;
    std::deque<zmq::message_t> window;
    const auto before = FrameArena::blocks_allocated();
    // 100 blocks' worth of 500-byte frames through a window of about 2 blocks.
    for (int i = 0; i < 400000; ++i) {
        window.push_back(arena.message(frame(500, i)));
        if (window.size() > 8000) window.pop_front();
    }
    CHECK(FrameArena::blocks_allocated() - before <= 4);
    CHECK(window.back().to_string() == frame(500, 399999));
}

TEST_CASE("frame arena: a message crosses a ZeroMQ socket") {
    zmq::context_t ctx;
    zmq::socket_t out(ctx, zmq::socket_type::pair), in(ctx, zmq::socket_type::pair);
    out.bind("inproc://frame-arena");
    in.connect("inproc://frame-arena");
    FrameArena arena;
    auto msg = arena.message("event/x/\n{}\n{}");
    zmq::message_t kept;
    kept.copy(msg);
    REQUIRE(out.send(msg, zmq::send_flags::none));
    zmq::message_t got;
    REQUIRE(in.recv(got));
    CHECK(got.to_string() == "event/x/\n{}\n{}");
    CHECK(kept.to_string() == "event/x/\n{}\n{}");
}
