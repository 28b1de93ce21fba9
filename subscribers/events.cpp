// om-sub events: prints the stream of patches and events, human-readable or as JSON lines.
#include "common/flag_checks.hpp"
#include "common/human_format.hpp"
#include "common/past_events.hpp"
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
    c->add_option("--count", o.count, "Exit after printing N messages")->check(count_check(1));
    c->add_option("--duration", o.duration, "Exit after this long (e.g. 30s)");
    auto* since = c->add_option(
        "--since", o.since,
        "First the events after event sequence SEQ, or those of the last DURATION (10m), still "
        "in the broker's replay window, then the live stream. Patches are not replayed (the "
        "window holds events). Exit 5 when events after SEQ have left the window; a DURATION "
        "the window covers only in part is a warning");
    c->add_option("--last", o.last,
                  "First the last N events still in the replay window that the filters let "
                  "through, then the live stream (patches are not replayed)")
        ->check(count_check(1))
        ->excludes(since);
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

namespace {
// Sets copts.resume where the past asked for starts; an exit code when it cannot.
std::optional<int> start_in_past(const PastRequest& past, const std::vector<Filter>& filters,
                                 ConnectionOptions& copts) {
    zmq::context_t ctx(1);
    ApiClient api(ctx, copts.curve, std::min(copts.api_timeout, copts.connect_timeout));
    if (!connect_first_answering(api, copts)) {
        std::cerr << unreachable_message(copts) << "\n";
        return kUnreachable;
    }
    const SequenceTracker topics(copts.topics, false);
    const auto wanted = [&](const std::string& topic, const std::string& body) {
        if (!topics.subscription(topic)) return false;
        const auto msg = json::parse(body, nullptr, false);
        return std::all_of(filters.begin(), filters.end(),
                           [&](const Filter& f) { return f.matches(msg); });
    };
    const auto start = find_past_start(api, past, wanted);
    for (const auto& w : start.warnings)
        std::cerr << "om-sub events: warning: " << w << "\n";
    if (!start.resume) {
        std::cerr << "om-sub events: " << start.error << "\n";
        return start.too_old ? kTooOld : kUnreachable;
    }
    copts.resume = start.resume;
    return std::nullopt;
}
} // namespace

int run_events(const EventsOptions& o) {
    std::vector<Filter> filters;
    ConnectionOptions copts;
    Millis duration{0};
    PastRequest past;
    try {
        for (const auto& f : o.filters)
            filters.push_back(Filter::parse(f));
        copts = connection_options(o.common);
        if (!o.duration.empty()) duration = parse_duration(o.duration);
        if (!o.since.empty()) past = parse_since(o.since);
        if (o.last > 0) {
            past.kind = PastRequest::Kind::last;
            past.last = static_cast<std::uint64_t>(o.last);
        }
    } catch (const std::exception& e) {
        std::cerr << "om-sub events: " << e.what() << "\n";
        return kUsage;
    }
    copts.topics = topics_for(filters);
    if (past.kind != PastRequest::Kind::none)
        if (const auto code = start_in_past(past, filters, copts)) return *code;
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
