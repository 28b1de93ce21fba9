// om-sub wait: blocks until conditions hold on the cluster status (or an event matches).
//
// The conditions are evaluated on the snapshot first, then after every applied patch, all
// of them on the same state: the replica's, which is never used while it is not in step
// with the broker (a lost message makes it resync first).
#include "filter.hpp"
#include "verbs.hpp"

#include <algorithm>
#include <iostream>

namespace om::sub {

CLI::App* add_wait(CLI::App& app, WaitOptions& o) {
    auto* c =
        app.add_subcommand("wait", "Wait until conditions hold on the cluster status.\n"
                                   "Exit codes: 0 satisfied, 1 timeout, 2 usage or bad filter,\n"
                                   "3 broker unreachable, 4 a --fail-on condition held first.");
    add_common_options(*c, o.common);
    c->add_option("--filter", o.filters,
                  "A condition [!]PATH[OP VALUE] (repeatable, all must hold on the same state)");
    c->add_flag("--any", o.any,
                "Satisfied when any one --filter holds (OR), not all of them (AND)");
    c->add_option("--fail-on", o.fail_on, "Exit 4 if this condition holds first (repeatable, any)");
    c->add_option("--event", o.event,
                  "Wait for an event message matching this condition instead (data.id=hb_stale)");
    c->add_option("--duration", o.duration,
                  "Give up after this long, printing 'timeout' (0: check the current state "
                  "once; default: wait forever)");
    c->add_flag("--verbose", o.verbose,
                "Print the condition that held (with --any) and the elapsed time on success");
    return c;
}

int run_wait(const WaitOptions& o) {
    std::vector<Filter> filters, fail_on;
    std::optional<Filter> event;
    ConnectionOptions copts;
    Millis duration{-1};
    try {
        for (const auto& f : o.filters)
            filters.push_back(Filter::parse(f));
        for (const auto& f : o.fail_on)
            fail_on.push_back(Filter::parse(f));
        if (!o.event.empty()) event = Filter::parse(o.event);
        if (filters.empty() && !event)
            throw std::runtime_error("expected --filter COND or --event COND");
        if (o.any && filters.empty()) throw std::runtime_error("--any needs --filter COND");
        copts = connection_options(o.common);
        if (!o.duration.empty()) duration = parse_duration(o.duration);
    } catch (const std::exception& e) {
        std::cerr << "om-sub wait: " << e.what() << "\n";
        return kUsage;
    }
    const auto start = std::chrono::steady_clock::now();
    int result = -1;
    auto evaluate = [&](const json& doc) {
        if (result >= 0) return;
        for (const auto& f : fail_on)
            if (f.matches(doc)) {
                std::cerr << "failed: " << f.text() << "\n";
                result = kFailed;
                return;
            }
        if (filters.empty()) return;
        if (o.any) {
            const auto held = std::find_if(filters.begin(), filters.end(),
                                           [&](const Filter& f) { return f.matches(doc); });
            if (held == filters.end()) return;
            if (o.verbose) std::cerr << "satisfied: " << held->text() << "\n";
        } else {
            for (const auto& f : filters)
                if (!f.matches(doc)) return;
        }
        result = kSatisfied;
    };
    copts.state = !filters.empty() || !fail_on.empty();
    copts.topics = event ? std::vector<std::string>{std::string(wire::kEventPrefix)}
                         : std::vector<std::string>{};
    Connection conn(copts);
    conn.on_synced = [&] { evaluate(conn.replica().doc()); };
    conn.on_message = [&](const Message& m) {
        if (m.is_patch) {
            if (conn.replica().synced()) evaluate(conn.replica().doc());
        } else if (event && result < 0 && event->matches(to_json(m.parsed))) {
            result = kSatisfied;
        }
    };
    conn.on_notice = [&](const std::string& text) {
        if (o.verbose) std::cerr << "om-sub wait: " << text << "\n";
    };
    if (!conn.start()) {
        std::cerr << unreachable_message(copts) << "\n";
        return kUnreachable;
    }
    while (result < 0) {
        Millis slice{500};
        if (duration.count() >= 0) {
            const auto left = duration - std::chrono::duration_cast<Millis>(
                                             std::chrono::steady_clock::now() - start);
            if (left.count() <= 0) break;
            slice = std::min(slice, left);
        }
        conn.poll(slice);
    }
    if (result < 0) {
        std::cerr << "timeout\n";
        return kTimeout;
    }
    if (o.verbose && result == kSatisfied)
        std::cerr << "elapsed "
                  << std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()
                  << " seconds\n";
    return result;
}

} // namespace om::sub
