// The control protocol of om-pub: parsing of the verbs that local programs send
// (set, unset, load, emit, get), shared by the daemon (which executes them) and the CLI
// (which sends them). Frames after the REQ envelope: VERB | ARG | ARG ...
#pragma once

#include "json_path.hpp"

#include <stdexcept>
#include <string>
#include <vector>

namespace om::publisher {

struct ControlError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Splits `PATH=VALUE` at the first '=' outside single quotes; the value is JSON when it
// parses as JSON, else a string. Throws ControlError on a missing '=' or a bad path.
std::pair<Path, json> parse_assignment(const std::string& arg);

// Builds the data of an emitted event from `ID` and `KEY=VALUE` arguments: {"id":ID, KEY:VALUE...}.
// Throws ControlError on a bad id or argument.
json parse_emit(const std::vector<std::string>& args);

} // namespace om::publisher
