// Tests of subscribers/common/api_client against a REP socket in the test: the requests'
// shapes, the answers of docs/protocol.md parsed, any other answer taken as none, and a
// fresh socket after a request that got no answer.
#include "api_client.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <thread>
#include <zmq_addon.hpp>

using namespace om;
using namespace om::sub;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {
// A broker's api that answers each request with the frames `answer` gives for it.
struct FakeApi {
    zmq::context_t ctx;
    zmq::socket_t rep{ctx, zmq::socket_type::rep};
    std::string endpoint = "inproc://api";
    std::vector<json> requests;
    FakeApi() { rep.bind(endpoint); }

    // Answers the next request from a thread while `ask` runs here.
    template <class Ask> auto serve(std::vector<std::string> answer, Ask ask) {
        std::thread t([&] {
            zmq::message_t m;
            if (!rep.recv(m)) return;
            requests.push_back(json::parse(m.to_string()));
            for (std::size_t i = 0; i < answer.size(); ++i)
                rep.send(zmq::buffer(answer[i]),
                         i + 1 < answer.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
        });
        auto result = ask();
        t.join();
        return result;
    }
};
} // namespace

TEST_CASE("api client: ping and snapshot give the run's position") {
    FakeApi api;
    ApiClient c(api.ctx, {}, 2000ms);
    c.connect(api.endpoint);
    const auto at =
        api.serve({R"({"status":"ok","protocol":2,"epoch":7,"seq":5,"pseq":3,"eseq":2})"},
                  [&] { return c.ping(); });
    REQUIRE(at);
    CHECK(at->epoch == 7);
    CHECK(at->seq == 5);
    CHECK(at->pseq == 3);
    CHECK(at->eseq == 2);
    CHECK(api.requests.back() == json{{"op", "ping"}});

    const auto s = api.serve(
        {R"({"status":"ok","protocol":2,"epoch":7,"seq":5,"pseq":3,"eseq":2})", R"({"a":1})"},
        [&] { return c.snapshot(); });
    REQUIRE(s);
    CHECK(s->at.pseq == 3);
    CHECK(s->doc() == R"({"a":1})");
    CHECK(api.requests.back() == json{{"op", "snapshot"}, {"protocol", 2}});
}

TEST_CASE("api client: an answer of another shape is no answer") {
    FakeApi api;
    ApiClient c(api.ctx, {}, 2000ms);
    c.connect(api.endpoint);
    for (const std::string bad :
         {"not json", "[1]", R"({"status":"ok"})", R"({"status":"error","epoch":7})",
          R"({"status":"ok","epoch":"7"})",
          // a broker of protocol 1 (three frames per message), or of a later one
          R"({"status":"ok","epoch":7,"seq":5,"pseq":3,"eseq":2})",
          R"({"status":"ok","protocol":3,"epoch":7,"seq":5,"pseq":3,"eseq":2})"}) {
        INFO(bad);
        CHECK_FALSE(api.serve({bad}, [&] { return c.ping(); }));
    }
    // A snapshot without its document.
    CHECK_FALSE(
        api.serve({R"({"status":"ok","protocol":2,"epoch":7})"}, [&] { return c.snapshot(); }));
}

TEST_CASE("api client: replay gives the events, too_old its oldest, epoch another run") {
    FakeApi api;
    ApiClient c(api.ctx, {}, 2000ms);
    c.connect(api.endpoint);
    auto r = api.serve({R"({"status":"ok","protocol":2,"epoch":7,"count":3})",
                        "event/a/\n"
                        R"({"epoch":7,"seq":9,"kseq":4,"tseq":1})"
                        "\n"
                        R"({"x":1})",
                        "event/b/\nbad meta\n{}", "event/c/ no newline"},
                       [&] { return c.replay(7, 3); });
    CHECK(api.requests.back() ==
          json{{"op", "replay"}, {"protocol", 2}, {"epoch", 7}, {"after", 3}});
    REQUIRE(r.status == Replay::Status::ok);
    REQUIRE(r.events.size() == 1); // the entries with a malformed META or frame are left out
    CHECK(r.events[0].topic == "event/a/");
    CHECK(r.events[0].meta.kseq == 4);
    CHECK(r.events[0].body == R"({"x":1})");

    r = api.serve({R"({"status":"error","code":"too_old","oldest":12})"},
                  [&] { return c.replay(7, 3); });
    CHECK(r.status == Replay::Status::too_old);
    CHECK(r.oldest == 12);
    r = api.serve({R"({"status":"error","code":"epoch","epoch":8})"},
                  [&] { return c.replay(7, 3); });
    CHECK(r.status == Replay::Status::other_run);
    r = api.serve({R"({"status":"error","code":"what"})"}, [&] { return c.replay(7, 3); });
    CHECK(r.status == Replay::Status::failed);
    // Events of protocol 1 (TOPIC, META, BODY frames) would be misread: not taken at all.
    r = api.serve({R"({"status":"ok","epoch":7,"count":1})", "event/a/",
                   R"({"epoch":7,"seq":9,"kseq":4,"tseq":1})", R"({"x":1})"},
                  [&] { return c.replay(7, 3); });
    CHECK(r.status == Replay::Status::failed);
}

TEST_CASE("api client: after a request with no answer, the next one goes out on a fresh socket") {
    FakeApi api;
    ApiClient c(api.ctx, {}, 100ms);
    c.connect(api.endpoint);
    // The fake takes the request and never answers: the client gives up after its timeout.
    zmq::message_t m;
    std::thread t([&] { (void)api.rep.recv(m); });
    CHECK_FALSE(c.ping());
    t.join();
    // Its answer comes late, to the socket the client gave up. Had the client kept that
    // REQ socket, it could not send again (a REQ socket waits for its answer first).
    api.rep.send(zmq::str_buffer("late"));
    const auto at =
        api.serve({R"({"status":"ok","protocol":2,"epoch":7})"}, [&] { return c.ping(); });
    CHECK(at);
}
