// Checks of flag values run while the command line is parsed, so that a bad value is a
// usage error (exit 2) with a one-line message naming the flag: for om-sub and om-relay.
#pragma once

#include <CLI/CLI.hpp>

namespace om::sub {

// A count: a whole number of at least `min` ("--count: must be a whole number of at least 1").
CLI::Validator count_check(long long min);

// A duration of the grammar of lib/duration (500ms, 1h10m, bare seconds), more than 0.
CLI::Validator duration_check();

} // namespace om::sub
