// Tests of lib/huge_text: text appended across growth past one huge page, the same bytes
// in the message it becomes (sent and received over inproc), a move, and an empty text.
#include "huge_text.hpp"

#include <catch2/catch.hpp>
#include <cstdint>
#include <string>

using om::HugeText;

TEST_CASE("huge text: appended text grows from one page past a huge page, then is framed") {
    HugeText t(10); // one 4 KiB page to start with
    std::string expected;
    for (int i = 0; expected.size() < 5 * 1024 * 1024; ++i) {
        const std::string piece = std::to_string(i) + (i % 7 ? "," : "\n");
        t += piece;
        expected += piece;
        if (i % 1000 == 0) {
            t += '|';
            expected += '|';
        }
    }
    REQUIRE(t.view() == expected);
    CHECK(t.size() == expected.size());

    zmq::context_t ctx;
    zmq::socket_t out(ctx, zmq::socket_type::pair), in(ctx, zmq::socket_type::pair);
    out.bind("inproc://huge-text");
    in.connect("inproc://huge-text");
    auto m = t.to_message();
    CHECK(t.size() == 0);
    CHECK(m.to_string_view() == expected);
    REQUIRE(out.send(m, zmq::send_flags::none));
    zmq::message_t got;
    REQUIRE(in.recv(got));
    CHECK(got.to_string_view() == expected);
    t += ""; // nothing, to a text with no room
    CHECK(t.size() == 0);
    t += "again"; // an emptied text takes more
    CHECK(t.view() == "again");
}

TEST_CASE("huge text: a large text starts aligned to a huge page, a move takes it whole") {
    HugeText t(3 * 1024 * 1024);
    t += "{}";
    CHECK(reinterpret_cast<std::uintptr_t>(t.view().data()) % (2 * 1024 * 1024) == 0);
    HugeText moved(std::move(t));
    CHECK(moved.view() == "{}");
    CHECK(t.size() == 0); // NOLINT(bugprone-use-after-move): the moved-from state is empty
    HugeText empty(0);
    CHECK(empty.to_message().size() == 0);
}
