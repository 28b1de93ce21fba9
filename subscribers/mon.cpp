// om-sub mon (om-sub status --watch): the live cluster view, redrawn from the replica on
// each change, at most 10 times a second (and each second on a terminal, for the ages).
// While the replica is not in step with the broker (at start, after a loss or a broker
// restart, while no broker answers) it shows why instead of a stale picture.
#include "mon/cluster_view.hpp"
#include "mon/screen.hpp"
#include "verbs.hpp"

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <unistd.h>

namespace om::sub {

namespace {
std::atomic<bool> g_stop{false};
void on_stop(int) {
    g_stop = true;
}
using Clock = std::chrono::steady_clock;
constexpr Millis kMinFrame{100};      // 10 frames a second at most
constexpr Millis kNoticeShown{10000}; // a notice stays in the view this long
} // namespace

CLI::App* add_mon(CLI::App& app, StatusOptions& o) {
    auto* c = app.add_subcommand(
        "mon", "The live cluster view (om-sub status --watch): nodes and services, redrawn on\n"
               "each change; Ctrl-C quits. Piped, one frame per change, without escapes.");
    add_common_options(*c, o.common);
    c->add_option("--filter", o.filter,
                  "Only the services where COND holds at a path under monitor.services.SVC or "
                  "monitor.nodes.*.services.status.SVC (monitor.services.*.avail=down)");
    return c;
}

int run_watch(const StatusOptions& o) {
    ConnectionOptions copts;
    ViewOptions view;
    try {
        if (o.format != "human") throw std::runtime_error("--watch draws a view: no --format");
        if (!o.filter.empty()) view.filter = Filter::parse(o.filter);
        copts = connection_options(o.common);
    } catch (const std::exception& e) {
        std::cerr << "om-sub mon: " << e.what() << "\n";
        return kUsage;
    }
    copts.state = true;
    copts.topics = {};
    Connection conn(copts);
    bool dirty = true;
    std::string notice;
    Clock::time_point notice_at{};
    conn.on_message = [&](const Message&) { dirty = true; };
    conn.on_synced = [&] { dirty = true; };
    conn.on_notice = [&](const std::string& text) {
        notice = text;
        notice_at = Clock::now();
        dirty = true;
    };
    std::signal(SIGINT, on_stop);
    std::signal(SIGTERM, on_stop);
    if (!conn.start()) {
        std::cerr << unreachable_message(copts) << "\n";
        return kUnreachable;
    }
    const bool tty = ::isatty(STDOUT_FILENO) == 1;
    view.colour = tty && !std::getenv("NO_COLOR");
    Screen screen(tty);
    auto last_draw = Clock::now() - kMinFrame;
    while (!g_stop) {
        conn.poll(kMinFrame);
        if (Screen::resized()) dirty = true;
        const auto now = Clock::now();
        // On a terminal the ages move: a frame each second even without a change.
        if (tty && now - last_draw >= std::chrono::seconds(1)) dirty = true;
        if (!dirty || now - last_draw < kMinFrame) continue;
        std::tie(view.width, view.height) = screen.size();
        view.now = wire::now_ts();
        view.epoch = conn.epoch();
        view.notice = now - notice_at < kNoticeShown ? notice : "";
        const auto lines =
            conn.synced()
                ? render_view(conn.replica().doc(), view)
                : render_waiting(view, "resyncing with the broker" +
                                           (notice.empty() ? std::string() : ": " + notice));
        if (!screen.draw(lines)) break; // the reader went away
        last_draw = now;
        dirty = false;
    }
    return 0;
}

} // namespace om::sub
