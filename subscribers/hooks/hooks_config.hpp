// Hook definitions from the node's TOML file: `[hook.N]` tables and the runner-wide
// `[hooks]` table (the original's `[hook#N]` sections, written as TOML).
#pragma once

#include "duration.hpp"
#include "json_path.hpp"

#include <string>
#include <vector>

namespace om {

struct HookConfig {
    std::string name;                 // "hook.N"
    bool all_events = false;          // events = "all"
    std::vector<std::string> events;  // else these ids
    std::vector<std::string> command; // argv, run without a shell
    Millis timeout{30000};
    int retries = 0;          // runs again after a failure (exit != 0, signal, timeout)
    Millis retry_delay{1000}; // before the first retry; doubled each time, at most 5 min
    // rate_limit = "COUNT/PERIOD": at most COUNT starts in any PERIOD; 0: no limit.
    std::size_t rate_count = 0;
    Millis rate_period{0};
    std::string filter; // filter grammar on the event message, "" for none
    // serialize_by = PATH of the event message: executions whose values there are equal run
    // one at a time, in event order; an event without a value there runs unserialized.
    std::string serialize_by;
    Path serialize_path;
    // coalesce = DURATION (with serialize_by): the next execution of a key starts at least
    // this long after its previous one, with the latest of the events that came meanwhile.
    Millis coalesce{0};
    std::string where; // file:line of the table, for logs
};

struct HooksConfig {
    std::size_t concurrency = 4;   // hooks running at once
    std::size_t queue = 1000;      // executions waiting for a slot; more are dropped
    std::string log;               // the node log; "" means stderr
    std::string cursor;            // "" means default_cursor_path()
    std::vector<HookConfig> hooks; // the valid ones
};

// Loads [hooks] and every [hook.N] of a node config. A bad [hook.N] is reported in
// `errors` as `file:line: ...` and skipped; the others are kept. An unknown key is reported
// there too, and ignored (the policy of every config file: toml_reader.hpp). Throws
// ConfigError for a file that cannot be read or parsed, or a bad [hooks] table.
HooksConfig load_hooks_config(const std::string& path, std::vector<std::string>& errors);

// Splits a command line like a shell does words (single and double quotes, backslash
// escapes), without running a shell. Throws ConfigError on an unterminated quote.
std::vector<std::string> split_command(const std::string& line);

// $XDG_STATE_HOME/ombus/hooks.cursor, else $HOME/.local/state/ombus/hooks.cursor.
std::string default_cursor_path();

} // namespace om
