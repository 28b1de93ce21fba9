// Tests of lib/wire: topics, the one-frame message, META and tick parts, user values,
// string escaping.
#include "wire.hpp"

#include <catch2/catch.hpp>

using namespace om;

TEST_CASE("topics end with a slash so that prefixes stop at whole names") {
    CHECK(wire::patch_topic("n1") == "patch/n1/");
    CHECK(wire::event_topic("hb_stale") == "event/hb_stale/");
    CHECK_FALSE(wire::event_topic("hb_stale_x").starts_with(wire::event_topic("hb_stale")));
}

TEST_CASE("META and tick frames round-trip and are JSON") {
    wire::Meta m{1795830572293323, 5, 3, 2};
    const auto text = wire::format_meta(m);
    CHECK(json::parse(text) ==
          json{{"epoch", 1795830572293323ULL}, {"seq", 5}, {"kseq", 3}, {"tseq", 2}});
    auto back = wire::parse_meta(text);
    REQUIRE(back);
    CHECK(back->epoch == m.epoch);
    CHECK(back->kseq == 3);
    auto t = wire::parse_tick(wire::format_tick({7, 8, 9, 10}));
    REQUIRE(t);
    CHECK(t->eseq == 10);
    CHECK_FALSE(wire::parse_meta("{\"epoch\":1}"));
    CHECK_FALSE(wire::parse_meta("garbage"));
    // "eid":0 is no origin (events are numbered from 1), as format_meta writes it: found by
    // fuzz_meta, which parsed an origin that did not survive a round trip.
    const auto no_origin =
        wire::parse_meta(R"({"epoch":1,"seq":2,"kseq":3,"tseq":4,"inc":9,"eid":0})");
    REQUIRE(no_origin);
    CHECK(no_origin->inc == 0);
    CHECK(no_origin->eid == 0);
}

TEST_CASE("a node's event carries its origin in META - a broker's own event none") {
    const auto text = wire::format_meta({17, 5, 3, 2, 1795830570000001, 42});
    CHECK(json::parse(text).value("inc", 0ULL) == 1795830570000001ULL);
    const auto back = wire::parse_meta(text);
    REQUIRE(back);
    CHECK((back->tseq == 2 && back->inc == 1795830570000001 && back->eid == 42));
    CHECK_FALSE(back->resent);
    const auto resent = wire::parse_meta(wire::format_meta({17, 6, 4, 3, 9, 1, true}));
    REQUIRE(resent);
    CHECK((resent->eid == 1 && resent->resent));
    auto own = wire::parse_meta(wire::format_meta({17, 6, 4, 1}));
    REQUIRE(own);
    CHECK(own->eid == 0);
    CHECK(own->inc == 0);
    CHECK_FALSE(own->resent);
    // The broker's own event of a previous run, published again from its journal.
    const auto own_again = wire::format_meta({17, 7, 5, 2, 0, 0, true});
    CHECK(own_again == R"({"epoch":17,"seq":7,"kseq":5,"tseq":2,"resent":1})");
    const auto back_again = wire::parse_meta(own_again);
    REQUIRE(back_again);
    CHECK((back_again->eid == 0 && back_again->inc == 0 && back_again->resent));
    // An eid without its incarnation names nothing.
    CHECK_FALSE(wire::parse_meta(R"({"epoch":1,"seq":1,"kseq":1,"tseq":1,"eid":3})"));
}

TEST_CASE("META of the largest numbers, every field, is written whole") {
    // Every field at 20 digits overflows the writer's stack buffer once: what it flushed
    // early and what it wrote after must join into the same text.
    const std::uint64_t m = UINT64_MAX;
    const std::string n = std::to_string(m);
    const auto text = wire::format_meta({m, m, m, m, m, m, true});
    CHECK(text == "{\"epoch\":" + n + ",\"seq\":" + n + ",\"kseq\":" + n + ",\"tseq\":" + n +
                      ",\"inc\":" + n + ",\"eid\":" + n + ",\"resent\":1}");
    const auto back = wire::parse_meta(text);
    REQUIRE(back);
    CHECK((back->epoch == m && back->eid == m && back->resent));
    // Appended after what the string held, as the broker writes META after the topic.
    std::string frame = "event/x/\n";
    wire::append_meta(frame, {1, 2, 3, 4});
    CHECK(frame == "event/x/\n{\"epoch\":1,\"seq\":2,\"kseq\":3,\"tseq\":4}");
}

TEST_CASE("a user value is JSON when it parses - else a string") {
    CHECK(wire::parse_user_value("1") == 1);
    CHECK(wire::parse_user_value("true") == true);
    CHECK(wire::parse_user_value("[1,2]") == json::parse("[1,2]"));
    CHECK(wire::parse_user_value("up") == "up");
    CHECK(wire::parse_user_value("{broken") == "{broken");
    CHECK(wire::parse_user_value("") == "");
}

TEST_CASE("a user integer takes the JSON parser's value and type, without it") {
    // The fast path for plain integers must agree with json::parse on every form.
    for (const char* text :
         {"0", "7", "-0", "-12", "123456789012345678", "-123456789012345678", "1234567890123456789",
          "18446744073709551615", "01", "-", "--1", "1-", "1.5", "1e3", "-01"}) {
        INFO(text);
        const auto got = wire::parse_user_value(text);
        const auto want = json::parse(text, nullptr, false);
        if (want.is_discarded()) {
            CHECK(got == std::string(text));
        } else {
            CHECK(got == want);
            CHECK(got.type() == want.type());
            CHECK(got.dump() == want.dump());
        }
    }
}

TEST_CASE("JSON string escaping") {
    std::string out;
    wire::append_json_string(out, "a\"b\\c\nd\x01");
    CHECK(out == R"("a\"b\\c\nd\u0001")");
    CHECK(json::parse(out) == "a\"b\\c\nd\x01");
}

TEST_CASE("JSON string escaping: any bytes, at any position of a word, round-trip") {
    // Seeded: the same strings on every run. Bytes that need escaping ('"', '\\', control
    // characters) land in every position of the 8-byte words the escaper skips over.
    std::uint64_t state = 42;
    const auto next = [&] {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        return static_cast<unsigned>(state >> 33);
    };
    const char* specials[] = {"\"", "\\", "\n", "\x01", "\x1f", " ", "~", "\xc3\xa9" /* é */};
    for (int n = 0; n < 2000; ++n) {
        std::string s;
        for (unsigned k = next() % 40; k > 0; --k)
            s += next() % 4 == 0 ? std::string(specials[next() % std::size(specials)])
                                 : std::string(1, static_cast<char>(0x20 + next() % 0x5f));
        std::string out;
        wire::append_json_string(out, s);
        INFO("input of " << s.size() << " bytes: " << json(s).dump());
        REQUIRE(json::parse(out).get<std::string>() == s);
        CHECK(out == json(s).dump()); // the same escapes as nlohmann's
    }
}

TEST_CASE("valid_nodename: 1 to 255 characters, no '/', space or control character") {
    CHECK(wire::valid_nodename("n1"));
    CHECK(wire::valid_nodename("node-1.example.com"));
    CHECK(wire::valid_nodename(std::string(255, 'a')));
    CHECK_FALSE(wire::valid_nodename(""));
    CHECK_FALSE(wire::valid_nodename(std::string(256, 'a')));
    CHECK_FALSE(wire::valid_nodename("a/b"));
    CHECK_FALSE(wire::valid_nodename("a b"));
    CHECK_FALSE(wire::valid_nodename("a\tb"));
    CHECK_FALSE(wire::valid_nodename("a\x7f"));
}

TEST_CASE("wire: a published message is one frame, split at its first two newlines") {
    std::string frame;
    wire::append_message(frame, "event/x/", R"({"epoch":1,"seq":2,"kseq":3,"tseq":4})",
                         R"({"data":{"text":"a\nb"}})");
    CHECK(frame == "event/x/\n{\"epoch\":1,\"seq\":2,\"kseq\":3,\"tseq\":4}\n"
                   "{\"data\":{\"text\":\"a\\nb\"}}");
    const auto p = wire::split_message(frame);
    REQUIRE(p);
    CHECK(p->topic == "event/x/");
    CHECK(wire::parse_meta(p->meta)->kseq == 3);
    CHECK(p->body == R"({"data":{"text":"a\nb"}})");
    // A body may hold newlines of its own: only the first two split.
    const auto raw = wire::split_message("tick/\n{}\n{\n}");
    REQUIRE(raw);
    CHECK(raw->body == "{\n}");
    // Protocol 1's frames, one at a time, are not messages of protocol 2.
    CHECK_FALSE(wire::split_message("event/x/"));
    CHECK_FALSE(wire::split_message(R"({"epoch":1,"seq":2,"kseq":3,"tseq":4})"));
    CHECK_FALSE(wire::split_message("event/x/\nno body"));
}

TEST_CASE("wire: event ids are topic segments") {
    CHECK(wire::valid_event_id("instance_thaw"));
    CHECK(wire::valid_event_id(std::string(128, 'a')));
    CHECK_FALSE(wire::valid_event_id(std::string(129, 'a')));
    for (const char* bad : {"", "a/b", "a b", "a\nb", "a\tb"})
        CHECK_FALSE(wire::valid_event_id(bad));
}
