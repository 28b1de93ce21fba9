// om-sub events: prints the stream of patches and events, human-readable or as JSON lines.
#include "common/human_format.hpp"
#include "filter.hpp"
#include "verbs.hpp"
#include "wire.hpp"

#include <algorithm>
#include <cstdio>
#include <iostream>

namespace om::sub {

CLI::App* add_events(CLI::App& app, EventsOptions& o) {
    auto* c = app.add_subcommand("events", "Print the stream of patches and events as they happen");
    add_common_options(*c, o.common);
    c->add_option("--format", o.format,
                  "human (default): readable, each patch with the values it replaced "
                  "(PATH OLD => NEW, (new), (deleted)); json: one message body per line, as "
                  "published")
        ->check(CLI::IsMember({"human", "json"}));
    c->add_option("--filter", o.filters,
                  "Only messages where COND holds (repeatable, ANDed), e.g. kind=event, "
                  "data.id=hb_stale, nodename=n1");
    c->add_option("--count", o.count, "Exit after printing N messages")->check(CLI::PositiveNumber);
    c->add_option("--duration", o.duration, "Exit after this long (e.g. 30s)");
    return c;
}

namespace {

// The narrowest topic prefixes that cannot miss a message the filters accept: only plain
// `kind=`, `nodename=` and `data.id=` conditions narrow; anything else keeps everything.
std::vector<std::string> topics_for(const std::vector<Filter>& filters) {
    std::string kind, node, id;
    for (const auto& f : filters) {
        if (f.negated() || f.op() != FilterOp::Eq || !f.is_simple_path()) continue;
        const auto path = to_dotted(f.simple_path());
        if (path == "kind")
            kind = f.literal().text;
        else if (path == "nodename")
            node = f.literal().text;
        else if (path == "data.id")
            id = f.literal().text;
    }
    if (!id.empty() && id.find('/') == std::string::npos) return {wire::event_topic(id)};
    std::vector<std::string> t;
    if (kind != "event")
        t.push_back(node.empty() || node.find('/') != std::string::npos
                        ? std::string(wire::kPatchPrefix)
                        : wire::patch_topic(node));
    if (kind != "patch") t.push_back(std::string(wire::kEventPrefix));
    return t;
}

} // namespace

int run_events(const EventsOptions& o) {
    std::vector<Filter> filters;
    ConnectionOptions copts;
    Millis duration{0};
    try {
        for (const auto& f : o.filters)
            filters.push_back(Filter::parse(f));
        copts = connection_options(o.common);
        if (!o.duration.empty()) duration = parse_duration(o.duration);
    } catch (const std::exception& e) {
        std::cerr << "om-sub events: " << e.what() << "\n";
        return kUsage;
    }
    copts.topics = topics_for(filters);
    const bool json_lines = o.format == "json";
    // The human format shows what each patch replaced: that takes a replica (a snapshot at
    // start), kept only when patches are printed. It then gets every patch, and prints
    // those of its topics.
    const auto wanted = copts.topics;
    const auto wants = [&wanted](const std::string& topic) {
        return std::any_of(wanted.begin(), wanted.end(),
                           [&](const std::string& t) { return topic.starts_with(t); });
    };
    copts.state = !json_lines && std::any_of(wanted.begin(), wanted.end(), [](const auto& t) {
        return std::string(wire::kPatchPrefix).starts_with(t) || t.starts_with(wire::kPatchPrefix);
    });
    copts.old_values = copts.state;
    long printed = 0;
    bool done = false;
    Connection conn(copts);
    conn.on_message = [&](const Message& m) {
        if (done || (copts.state && m.is_patch && !wants(m.topic))) return;
        json msg;
        if (!filters.empty() || !json_lines) msg = to_json(m.parsed);
        for (const auto& f : filters)
            if (!f.matches(msg)) return;
        if (json_lines) {
            // Exactly the body the broker published, one per line, flushed per line.
            std::fwrite(m.body.data(), 1, m.body.size(), stdout);
            std::fputc('\n', stdout);
        } else {
            const auto text = format_human(msg, m.old);
            std::fwrite(text.data(), 1, text.size(), stdout);
        }
        std::fflush(stdout);
        if (o.count > 0 && ++printed >= o.count) done = true;
    };
    conn.on_notice = [&](const std::string& text) {
        if (json_lines) {
            // {"kind":"notice","ts":T,"data":{"message":TEXT}}: never a broker message.
            std::cout << json{{"kind", "notice"},
                              {"ts", wire::now_ts()},
                              {"data", {{"message", text}}}}
                             .dump()
                      << std::endl;
        } else {
            std::cout << format_notice(text) << std::flush;
        }
    };
    if (!conn.start()) {
        std::cerr << unreachable_message(copts) << "\n";
        return kUnreachable;
    }
    const auto start = std::chrono::steady_clock::now();
    while (!done) {
        Millis slice{200};
        if (duration.count() > 0) {
            const auto left = duration - std::chrono::duration_cast<Millis>(
                                             std::chrono::steady_clock::now() - start);
            if (left.count() <= 0) break;
            slice = std::min(slice, left);
        }
        conn.poll(slice);
    }
    return 0;
}

} // namespace om::sub
