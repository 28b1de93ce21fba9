// om-sub: the subscribers of the ombus stream, one verb per process.
#include "log.hpp"
#include "verbs.hpp"

#include <csignal>
#include <iostream>

int main(int argc, char** argv) {
    using namespace om::sub;
    om::set_log_program("om-sub");
    std::signal(SIGPIPE, SIG_IGN); // `om-sub events | head` ends with a write error, not a signal
    CLI::App app{
        "om-sub: follow the ombus cluster status and events.\n"
        "Verbs: events, status, mon, wait, hooks, stats. Exit codes: 0 ok, 1 timeout or no "
        "match, 2 usage,\n"
        "3 broker unreachable, 4 a --fail-on condition held, 5 events --since SEQ: events\n"
        "after SEQ have left the replay window."};
    app.set_version_flag("--version", std::string("om-sub ") + OMBUS_VERSION);
    app.require_subcommand(1);
    EventsOptions events;
    StatusOptions status, mon;
    mon.watch = true;
    WaitOptions wait;
    HooksOptions hooks;
    StatsOptions stats;
    auto* ev = add_events(app, events);
    auto* st = add_status(app, status);
    auto* mn = add_mon(app, mon);
    auto* wt = add_wait(app, wait);
    auto* hk = add_hooks(app, hooks);
    auto* sa = add_stats(app, stats);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int rc = app.exit(e);
        return rc == 0 ? 0 : kUsage;
    }
    try {
        if (*ev) return run_events(events);
        if (*st) return run_status(status);
        if (*mn) return run_watch(mon);
        if (*wt) return run_wait(wait);
        if (*hk) return run_hooks(hooks);
        if (*sa) return run_stats(stats);
    } catch (const std::exception& e) {
        std::cerr << "om-sub: " << e.what() << "\n";
        return kUsage;
    }
    return kUsage;
}
