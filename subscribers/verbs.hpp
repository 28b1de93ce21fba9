// The om-sub verbs: each adds its subcommand and options, and runs it, returning the exit
// code (common/options.hpp).
#pragma once

#include "common/options.hpp"

namespace om::sub {

struct EventsOptions {
    CommonOptions common;
    std::string format = "human";
    std::vector<std::string> filters;
    long count = 0;
    std::string duration;
    std::string since; // SEQ or DURATION
    long last = 0;
};
CLI::App* add_events(CLI::App& app, EventsOptions& o);
int run_events(const EventsOptions& o);

struct StatusOptions {
    CommonOptions common;
    std::string filter;
    std::string format = "human";
    bool watch = false; // the live view (mon.cpp)
};
CLI::App* add_status(CLI::App& app, StatusOptions& o);
int run_status(const StatusOptions& o);
// `om-sub mon`: the same options, the live view.
CLI::App* add_mon(CLI::App& app, StatusOptions& o);
int run_watch(const StatusOptions& o);

struct WaitOptions {
    CommonOptions common;
    std::vector<std::string> filters, fail_on;
    std::string event;
    std::string duration;
    bool any = false; // the --filter conditions are ORed
    bool verbose = false;
};
CLI::App* add_wait(CLI::App& app, WaitOptions& o);
int run_wait(const WaitOptions& o);

struct StatsOptions {
    CommonOptions common;
    std::string format = "human";
};
CLI::App* add_stats(CLI::App& app, StatsOptions& o);
int run_stats(const StatsOptions& o);

struct HooksOptions {
    CommonOptions common;
    bool catch_up = false;
};
CLI::App* add_hooks(CLI::App& app, HooksOptions& o);
int run_hooks(const HooksOptions& o);

} // namespace om::sub
