// Tests of lib/hooks_config: [hook.N] tables, command splitting, bad entries skipped.
#include "config.hpp"
#include "hooks/hooks_config.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <unistd.h>

using namespace om;

namespace {
struct TempToml {
    std::string path;
    explicit TempToml(const std::string& text) {
        path = (std::filesystem::temp_directory_path() /
                ("ombus-hooks-" + std::to_string(::getpid()) + ".toml"))
                   .string();
        std::ofstream(path) << text;
    }
    ~TempToml() { std::filesystem::remove(path); }
};
} // namespace

TEST_CASE("commands split like a shell line - without a shell") {
    CHECK(split_command("/root/on_event") == std::vector<std::string>{"/root/on_event"});
    CHECK(split_command("sh -c 'echo a b' \"x y\" z\\ w") ==
          std::vector<std::string>{"sh", "-c", "echo a b", "x y", "z w"});
    CHECK_THROWS_AS(split_command("sh -c 'oops"), ConfigError);
}

TEST_CASE("events take all - a list - or ids separated by spaces or commas") {
    TempToml t(
        "[hooks]\nconcurrency = 2\n[hook.1]\nevents = \"all\"\ncommand = \"/root/on_event\"\n"
        "[hook.2]\nevents = \"instance_thaw, hb_stale node_freeze\"\ncommand = [\"/bin/x\", \"a "
        "b\"]\ntimeout = \"5s\"\nretries = 3\nretry_delay = \"250ms\"\nrate_limit = \"20/1m\"\n"
        "[hook.3]\nevents = [\"hb_stale\"]\ncommand = \"y\"\nfilter = \"data.svcname=ha1\"\n");
    std::vector<std::string> errors;
    auto c = load_hooks_config(t.path, errors);
    CHECK(errors.empty());
    CHECK(c.concurrency == 2);
    REQUIRE(c.hooks.size() == 3);
    CHECK(c.hooks[0].all_events);
    CHECK(c.hooks[1].events ==
          std::vector<std::string>{"instance_thaw", "hb_stale", "node_freeze"});
    CHECK(c.hooks[1].command == std::vector<std::string>{"/bin/x", "a b"});
    CHECK(c.hooks[1].timeout == Millis(5000));
    CHECK(c.hooks[1].retries == 3);
    CHECK(c.hooks[1].retry_delay == Millis(250));
    CHECK(c.hooks[0].retries == 0); // by default a failed hook is not run again
    CHECK(c.hooks[1].rate_count == 20);
    CHECK(c.hooks[1].rate_period == Millis(60000));
    CHECK(c.hooks[0].rate_count == 0); // no limit by default
    CHECK(c.hooks[2].filter == "data.svcname=ha1");
}

TEST_CASE("bad hook entries are reported with file:line and skipped - the others kept") {
    TempToml t("[hook.ok]\nevents = \"all\"\ncommand = \"x\"\n"
               "[hook.nocmd]\nevents = \"all\"\n"
               "[hook.badfilter]\nevents = \"all\"\ncommand = \"x\"\nfilter = \"a..b\"\n"
               "[hook.badtimeout]\nevents = \"all\"\ncommand = \"x\"\ntimeout = \"soon\"\n"
               "[hook.typo]\nevents = \"all\"\ncomand = \"x\"\n"
               "[hook.badretries]\nevents = \"all\"\ncommand = \"x\"\nretries = -1\n"
               "[hook.baddelay]\nevents = \"all\"\ncommand = \"x\"\nretry_delay = -5\n"
               "[hook.badrate]\nevents = \"all\"\ncommand = \"x\"\nrate_limit = \"10\"\n"
               "[hook.zerorate]\nevents = \"all\"\ncommand = \"x\"\nrate_limit = \"0/1s\"\n"
               "[hook.rateperiod]\nevents = \"all\"\ncommand = \"x\"\nrate_limit = \"5/soon\"\n"
               // Quotes left open (found by fuzz_config: the error named no file:line).
               "[hook.openquote]\nevents = \"all\"\ncommand = \"/bin/echo 'a\"\n"
               "[hook.openevents]\nevents = \"'x\"\ncommand = \"x\"\n");
    std::vector<std::string> errors;
    auto c = load_hooks_config(t.path, errors);
    REQUIRE(c.hooks.size() == 1);
    CHECK(c.hooks[0].name == "hook.ok");
    // 11 hooks skipped, and the typo's unknown key: a warning, as in every config file.
    REQUIRE(errors.size() == 12);
    const auto typo = t.path + ":16: unknown key 'hook.typo.comand', ignored";
    CHECK(std::find(errors.begin(), errors.end(), typo) != errors.end());
    const auto open_quote =
        t.path + ":39: 'hook.openquote.command': unterminated ' quote (hook skipped)";
    INFO(Catch::Detail::stringify(errors));
    CHECK(std::find(errors.begin(), errors.end(), open_quote) != errors.end());
    for (const auto& e : errors) {
        CHECK(e.starts_with(t.path + ":"));
        CHECK((e.find("(hook skipped)") != std::string::npos || e == typo));
    }
}

TEST_CASE("serialize_by takes a path of the event - coalesce needs it") {
    TempToml t("[hook.1]\nevents = \"all\"\ncommand = \"x\"\nserialize_by = \"data.svcname\"\n"
               "coalesce = \"2s\"\n"
               "[hook.2]\nevents = \"all\"\ncommand = \"x\"\nserialize_by = \"data..x\"\n"
               "[hook.3]\nevents = \"all\"\ncommand = \"x\"\ncoalesce = \"2s\"\n"
               "[hook.4]\nevents = \"all\"\ncommand = \"x\"\nserialize_by = \"nodename\"\n");
    std::vector<std::string> errors;
    const auto c = load_hooks_config(t.path, errors);
    REQUIRE(c.hooks.size() == 2);
    CHECK(c.hooks[0].serialize_by == "data.svcname");
    CHECK(c.hooks[0].serialize_path == Path{std::string("data"), std::string("svcname")});
    CHECK(c.hooks[0].coalesce == Millis(2000));
    CHECK(c.hooks[1].name == "hook.4");
    CHECK(c.hooks[1].coalesce == Millis(0));
    REQUIRE(errors.size() == 2);
    INFO(errors[0] << "\n" << errors[1]);
    CHECK(errors[0].find(t.path + ":9: 'hook.2.serialize_by': ") == 0);
    CHECK(errors[1].find(t.path + ":13: 'hook.3.coalesce' needs serialize_by") == 0);
}
