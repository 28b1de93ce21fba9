// Options every om-sub verb shares: config file, broker endpoints, connect timeout, and
// the documented exit codes.
#pragma once

#include "config.hpp"
#include "connection.hpp"

#include <CLI/CLI.hpp>

namespace om::sub {

// Exit codes of every om-sub verb.
enum Exit : int {
    kSatisfied = 0,
    kTimeout = 1,
    kUsage = 2,
    kUnreachable = 3,
    kFailed = 4,
    kTooOld = 5, // events --since SEQ: events asked for have left the replay window
};

struct CommonOptions {
    std::string config;
    std::vector<std::string> pub, api;
    std::string connect_timeout;
};

// Adds --config, --pub, --api and --connect-timeout to a verb.
void add_common_options(CLI::App& app, CommonOptions& o);

// Loads the node config (if any) and applies the flags. Throws ConfigError or
// DurationError (usage errors) with a one-line message.
ConnectionOptions connection_options(const CommonOptions& o, NodeConfig* config_out = nullptr);

// Connects `api` to the first broker of the list that answers a ping, trying each in turn
// until o.connect_timeout; false when none did.
bool connect_first_answering(ApiClient& api, const ConnectionOptions& o);

// The line printed when no broker answers, for exit code 3.
std::string unreachable_message(const ConnectionOptions& o);

} // namespace om::sub
