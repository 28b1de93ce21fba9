// Tests of lib/config: the committed files, defaults, and every kind of bad input.
#include "config.hpp"
#include "curve.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

using namespace om;

namespace {
// Removes the files temp_file made when the tests end.
struct Cleanup {
    std::vector<std::string> files;
    ~Cleanup() {
        for (const auto& f : files)
            std::filesystem::remove(f);
    }
} g_cleanup;

// Writes text to a fresh temporary file and returns its path.
std::string temp_file(const std::string& text) {
    static int n = 0;
    auto path =
        std::filesystem::temp_directory_path() /
        ("ombus-config-test-" + std::to_string(::getpid()) + "-" + std::to_string(n++) + ".toml");
    std::ofstream(path) << text;
    g_cleanup.files.push_back(path.string());
    return path.string();
}
} // namespace

TEST_CASE("the committed conf files load without warnings and hold the defaults") {
    std::vector<std::string> warnings;
    auto b = load_broker_config(OMBUS_SOURCE_DIR "/conf/broker.toml", warnings);
    auto n = load_node_config(OMBUS_SOURCE_DIR "/conf/node.toml", warnings);
    CHECK(warnings.empty());
    BrokerConfig bd;
    CHECK(b.ingest == bd.ingest);
    CHECK(b.pub == bd.pub);
    CHECK(b.api == bd.api);
    CHECK(b.nodes == bd.nodes);
    CHECK(b.hb_timeout == bd.hb_timeout);
    CHECK(b.hb_grace == bd.hb_grace);
    CHECK(b.replay_max_events == bd.replay_max_events);
    CHECK(b.replay_max_age == bd.replay_max_age);
    CHECK(b.replay_journal == bd.replay_journal);
    CHECK(b.max_message_bytes == bd.max_message_bytes);
    CHECK(b.pub_sndhwm == bd.pub_sndhwm);
    CHECK(b.tick == bd.tick);
    NodeConfig nd;
    CHECK(n.brokers == nd.brokers);
    CHECK(n.interval == nd.interval);
    CHECK(n.sub_pub == nd.sub_pub);
    CHECK(n.sub_api == nd.sub_api);
    CHECK(n.connect_timeout == nd.connect_timeout);
    CHECK(n.resend_events == nd.resend_events);
    CHECK(n.resend_age == nd.resend_age);
}

TEST_CASE("values override defaults") {
    std::vector<std::string> warnings;
    auto b = load_broker_config(
        temp_file("[broker]\nname = \"b1\"\n[heartbeat]\ntimeout = \"2s\"\ngrace = 3\n"), warnings);
    CHECK(b.name == "b1");
    CHECK(b.hb_timeout == Millis(2000));
    CHECK(b.hb_grace == Millis(3000));
    auto n = load_node_config(temp_file("[node]\nbrokers = \"tcp://h:1\"\ninterval = \"500ms\"\n"
                                        "resend_events = 0\nresend_age = \"1m\"\n"),
                              warnings);
    CHECK(n.brokers == std::vector<std::string>{"tcp://h:1"});
    CHECK(n.interval == Millis(500));
    CHECK(n.resend_events == 0);
    CHECK(n.resend_age == Millis(60000));
    CHECK(warnings.empty());
}

TEST_CASE("broker.nodes: a list of valid nodenames, empty allowed") {
    std::vector<std::string> w;
    CHECK(load_broker_config(temp_file("[broker]\nnodes = [\"n1\", \"n2\"]\n"), w).nodes ==
          std::vector<std::string>{"n1", "n2"});
    CHECK(load_broker_config(temp_file("[broker]\nnodes = []\n"), w).nodes.empty());
    auto path = temp_file("[broker]\nname = \"b\"\nnodes = [\"n1\", \"a/b\"]\n");
    CHECK_THROWS_WITH(
        load_broker_config(path, w),
        Catch::StartsWith(path + ":3: 'broker.nodes': 'a/b' is not a valid nodename"));
    path = temp_file("[node]\nbrokers = []\n"); // elsewhere a list must hold something
    CHECK_THROWS_WITH(load_node_config(path, w), path + ":2: 'node.brokers' must not be empty");
    CHECK(w.empty());
}

TEST_CASE("malformed TOML is one line with file:line") {
    std::vector<std::string> w;
    auto path = temp_file("[broker]\nname = \"x\"\ningest = \n");
    CHECK_THROWS_WITH(load_broker_config(path, w), Catch::StartsWith(path + ":3: "));
    try {
        load_broker_config(path, w);
    } catch (const ConfigError& e) {
        CHECK(std::string(e.what()).find('\n') == std::string::npos);
    }
}

TEST_CASE("a file that is not UTF-8 is refused with the line of the first bad byte") {
    std::vector<std::string> w;
    // In a literal key, a literal value, a basic value and a comment: toml11 read outside
    // its buffer on the first of these (the input fuzz_config found).
    for (const std::string line :
         {"'k\xca\xca' = 1", "name = 'b\xcar'", "name = \"\xff\"", "# \xe2\x82"}) {
        auto path = temp_file("[broker]\n# caf\xc3\xa9\n" + line + "\ncluster = \"c\"\n");
        CHECK_THROWS_WITH(load_broker_config(path, w), path + ":3: not valid UTF-8");
    }
    // The last line, with no newline after it.
    auto path = temp_file("[broker]\nname = 'x\x80'");
    CHECK_THROWS_WITH(load_broker_config(path, w), path + ":2: not valid UTF-8");
    // Valid UTF-8 beyond ASCII still loads.
    CHECK(load_broker_config(temp_file("[broker]\ncluster = \"caf\xc3\xa9\"\n"), w).cluster ==
          "caf\xc3\xa9");
}

TEST_CASE("wrong types name the key and the line") {
    std::vector<std::string> w;
    auto path = temp_file("[broker]\n\nname = 5\n");
    CHECK_THROWS_WITH(load_broker_config(path, w), path + ":3: 'broker.name' must be a string");
    path = temp_file("[replay]\nmax_events = \"many\"\n");
    CHECK_THROWS_WITH(load_broker_config(path, w),
                      path + ":2: 'replay.max_events' must be an integer >= 1");
    path = temp_file("broker = 1\n");
    CHECK_THROWS_WITH(load_broker_config(path, w), path + ":1: [broker] must be a table");
    path = temp_file("[node]\nbrokers = [1]\n");
    CHECK_THROWS_WITH(load_node_config(path, w),
                      Catch::StartsWith(path + ":2: 'node.brokers' must hold strings only"));
}

TEST_CASE("bad durations name the key and the line") {
    std::vector<std::string> w;
    auto path = temp_file("[heartbeat]\ntimeout = \"5 parsecs\"\n");
    CHECK_THROWS_WITH(load_broker_config(path, w),
                      Catch::StartsWith(path + ":2: 'heartbeat.timeout': duration '5 parsecs'"));
    path = temp_file("[node]\ninterval = true\n");
    CHECK_THROWS_WITH(load_node_config(path, w),
                      path + ":2: 'node.interval' must be a duration such as \"5s\"");
}

TEST_CASE("unknown keys are warnings with file:line") {
    std::vector<std::string> w;
    auto path = temp_file("[broker]\nname = \"b\"\nnmae = \"typo\"\n[extra]\nx = 1\n");
    load_broker_config(path, w);
    REQUIRE(w.size() == 2);
    CHECK(w[0] == path + ":3: unknown key 'broker.nmae', ignored");
    CHECK(w[1].find("unknown table or key 'extra'") != std::string::npos);
}

TEST_CASE("a missing file is an error") {
    std::vector<std::string> w;
    CHECK_THROWS_WITH(load_node_config("/nonexistent/node.toml", w),
                      "/nonexistent/node.toml:0: cannot open the file");
    CHECK_THROWS_WITH(find_config("/nonexistent/x.toml", "node.toml"),
                      Catch::Contains("no such config file (--config)"));
}

TEST_CASE("[security]: CURVE keys are checked, node keys bound to names") {
    std::vector<std::string> w;
    const auto b = curve_keypair(), n1 = curve_keypair(), r = curve_keypair();
    auto path =
        temp_file("[security]\ncurve_secret_key = \"" + b.secret_key + "\"\nsubscribers = [\"" +
                  r.public_key + "\"]\n[security.nodes]\nn1 = \"" + n1.public_key + "\"\n");
    const auto c = load_broker_config(path, w);
    CHECK(w.empty());
    CHECK(c.curve_secret_key == b.secret_key);
    CHECK(c.curve_nodes.at(n1.public_key) == "n1");
    CHECK(c.curve_subscribers == std::vector<std::string>{r.public_key});
    path = temp_file("[security]\n\ncurve_secret_key = \"not a key\"\n");
    CHECK_THROWS_WITH(load_broker_config(path, w),
                      path + ":3: 'security.curve_secret_key' must be a CURVE key: 40 characters "
                             "of Z85");
    path = temp_file("[security]\ncurve_secret_key = \"" + b.secret_key +
                     "\"\n[security.nodes]\nn1 = \"" + n1.public_key + "\"\nn2 = \"" +
                     n1.public_key + "\"\n");
    CHECK_THROWS_WITH(load_broker_config(path, w),
                      Catch::Contains("': this key is already bound to another node"));
    // While n1's key is replaced, both are bound to it; a list of anything else is refused.
    const auto n1_new = curve_keypair();
    path = temp_file("[security]\ncurve_secret_key = \"" + b.secret_key +
                     "\"\n[security.nodes]\nn1 = [\"" + n1.public_key + "\", \"" +
                     n1_new.public_key + "\"]\n");
    const auto rotating = load_broker_config(path, w);
    CHECK(rotating.curve_nodes.size() == 2);
    CHECK(rotating.curve_nodes.at(n1.public_key) == "n1");
    CHECK(rotating.curve_nodes.at(n1_new.public_key) == "n1");
    path = temp_file("[security]\ncurve_secret_key = \"" + b.secret_key +
                     "\"\n[security.nodes]\nn1 = [\"" + n1.public_key + "\", 3]\n");
    CHECK_THROWS_WITH(load_broker_config(path, w),
                      path + ":4: 'security.nodes.n1' must be a CURVE public key (40 characters "
                             "of Z85) or a list of them");
    path = temp_file("[security]\ncurve_secret_key = \"" + n1.secret_key + "\"\n");
    CHECK_THROWS_WITH(
        load_node_config(path, w),
        Catch::Contains("'security.curve_secret_key' and 'security.broker_public_key' "
                        "go together"));
    path = temp_file("[security]\ncurve_secret_key = \"" + n1.secret_key +
                     "\"\nbroker_public_key = \"" + b.public_key + "\"\n");
    const auto node = load_node_config(path, w);
    CHECK(node.curve.enabled());
    CHECK(node.curve.broker_public_key == b.public_key);
}

TEST_CASE("relay.toml: the committed file holds the defaults - its keys, CURVE and bad values") {
    std::vector<std::string> w;
    const auto committed = load_relay_config(OMBUS_SOURCE_DIR "/conf/relay.toml", w);
    CHECK(w.empty());
    CHECK(committed == RelayConfig{});
    CHECK(committed.upstream_pub == kDefaultPub);
    CHECK(committed.upstream_api == kDefaultApi);

    const auto path = temp_file("[relay]\nname = \"rack3\"\npub = \"ipc:///tmp/r.pub\"\n"
                                "[upstream]\npub = \"tcp://b1:1216\"\napi = \"tcp://b1:1217\"\n"
                                "silence = \"2s\"\napi_timeout = \"250ms\"\n"
                                "[replay]\nmax_events = 50\nmax_age = \"1m\"\n"
                                "[pub]\nsndhwm = 7\ncolour = 1\n");
    const auto c = load_relay_config(path, w);
    CHECK(c.name == "rack3");
    CHECK(c.pub == "ipc:///tmp/r.pub");
    CHECK(c.api == kDefaultRelayApi);
    CHECK(c.upstream_pub == "tcp://b1:1216");
    CHECK(c.upstream_api == "tcp://b1:1217");
    CHECK(c.silence == Millis(2000));
    CHECK(c.api_timeout == Millis(250));
    CHECK(c.replay_max_events == 50);
    CHECK(c.replay_max_age == Millis(60000));
    CHECK(c.pub_sndhwm == 7);
    REQUIRE(w.size() == 1);
    CHECK(w[0].find(path + ":14:") == 0);

    const auto relay = curve_keypair(), broker = curve_keypair(), reader = curve_keypair();
    const auto secure =
        load_relay_config(temp_file("[security]\ncurve_secret_key = \"" + relay.secret_key +
                                    "\"\nupstream_public_key = \"" + broker.public_key +
                                    "\"\nsubscribers = [\"" + reader.public_key + "\"]\n"),
                          w);
    CHECK(secure.curve_secret_key == relay.secret_key);
    CHECK(secure.upstream_public_key == broker.public_key);
    CHECK(secure.curve_subscribers == std::vector<std::string>{reader.public_key});
    auto bad = temp_file("[security]\nupstream_public_key = \"" + broker.public_key + "\"\n");
    CHECK_THROWS_WITH(load_relay_config(bad, w),
                      bad + ":2: 'security.upstream_public_key' needs 'security.curve_secret_key' "
                            "(the relay's own key, admitted by its upstream)");
    bad = temp_file("[security]\nsubscribers = [\"" + reader.public_key + "\"]\n");
    CHECK_THROWS_WITH(load_relay_config(bad, w),
                      Catch::Contains("'security.subscribers' needs 'security.curve_secret_key'"));
    bad = temp_file("[security]\ncurve_secret_key = \"" + relay.secret_key +
                    "\"\nsubscribers = [\"nope\"]\n");
    CHECK_THROWS_WITH(load_relay_config(bad, w),
                      bad + ":3: 'security.subscribers' must hold CURVE public keys");
    bad = temp_file("[upstream]\nsilence = \"0s\"\n");
    CHECK_THROWS_WITH(load_relay_config(bad, w),
                      Catch::Contains("'upstream.silence' must be more than 0"));
}
