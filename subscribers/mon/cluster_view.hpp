// The live cluster view of `om-sub mon` (`om-sub status --watch`), in the spirit of
// OpenSVC's `om mon`: a nodes section (one column per node: heartbeat state and age,
// frozen, load, free memory) and a services section (one row per service: its aggregate
// avail, overall, placement and frozen state, then one cell per node with the instance's
// glyph). Rendered from a status document into lines of text, colour optional; the caller
// puts them on a terminal or a pipe.
#pragma once

#include "filter.hpp"

#include <optional>
#include <string>
#include <vector>

namespace om::sub {

struct ViewOptions {
    bool colour = false;
    std::size_t width = 0, height = 0; // the terminal's; 0: unbounded (a pipe)
    std::optional<Filter> filter;      // only the services it selects
    double now = 0;                    // wall clock, for heartbeat ages
    std::uint64_t epoch = 0;           // the broker run followed
    std::string notice;                // a line about the connection (loss, resync), or ""
};

// The instance glyphs: O up, X down, ! warn, / n/a, ? anything else; then ^ when it is
// the placement leader and * when it is frozen.
std::string instance_glyph(const nlohmann::json& instance);

// True when the filter selects service `name`: it holds at a path under
// monitor.services.NAME or monitor.nodes.*.services.status.NAME (a negated filter: at none).
bool selects_service(const Filter& f, const nlohmann::json& doc, const std::string& name);

// The whole view of `doc`. A terminal too small for it shows what fits, its last line
// saying so.
std::vector<std::string> render_view(const nlohmann::json& doc, const ViewOptions& o);

// The view while no state can be shown (no snapshot yet, or a resync): the header and why.
std::vector<std::string> render_waiting(const ViewOptions& o, const std::string& why);

} // namespace om::sub
