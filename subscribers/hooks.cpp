// om-sub hooks: the hook runner. Follows the broker's events and runs the [hook.N]
// commands of the node config on the matching ones (hooks/runner.hpp), with at-least-once
// delivery through a persisted cursor (hooks/cursor.hpp).
#include "file_watch.hpp"
#include "filter.hpp"
#include "hooks/cursor.hpp"
#include "hooks/hooks_config.hpp"
#include "hooks/runner.hpp"
#include "json_fields.hpp"
#include "log.hpp"
#include "verbs.hpp"
#include "wire.hpp"

#include <algorithm>
#include <atomic>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>

namespace om::sub {

namespace {

std::atomic<bool> g_stop{false}, g_reload{false};
void on_stop(int) {
    g_stop = true;
}
void on_hup(int) {
    g_reload = true;
}

struct LoadedHooks {
    HooksConfig config;
    std::vector<std::shared_ptr<const HookConfig>> hooks;
    std::vector<std::optional<Filter>> filters;
};

// Loads the hooks; bad [hook.N] entries are appended to `errors` and skipped.
LoadedHooks load_hooks(const std::string& file, std::vector<std::string>& errors) {
    LoadedHooks l;
    l.config = load_hooks_config(file, errors);
    for (const auto& h : l.config.hooks) {
        l.hooks.push_back(std::make_shared<const HookConfig>(h));
        l.filters.push_back(h.filter.empty() ? std::nullopt
                                             : std::optional<Filter>(Filter::parse(h.filter)));
    }
    return l;
}

} // namespace

CLI::App* add_hooks(CLI::App& app, HooksOptions& o) {
    auto* c = app.add_subcommand(
        "hooks", "Run the [hook.N] commands of the node config on matching events.\n"
                 "Each handled event is recorded in a cursor file: a restart runs the\n"
                 "events it missed (within the broker's replay window) and none twice.");
    add_common_options(*c, o.common);
    c->add_flag("--catch-up", o.catch_up,
                "At first start (no cursor yet), run the hooks for the events already in "
                "the broker's replay window too");
    return c;
}

namespace {

// The hook runner as a daemon: its config, cursor, runner and connection, and what it
// does at load, on each event, on reload and at the stop.
class HooksDaemon {
  public:
    explicit HooksDaemon(const HooksOptions& o) : options_(o) {}

    // Finds and loads the config and the cursor; an exit code when that fails.
    std::optional<int> load();
    // Connects, then runs until SIGINT or SIGTERM; the exit code.
    int run();

  private:
    void on_event(const Message& m);
    void reload();
    void log_stop();

    const HooksOptions& options_;
    ConnectionOptions copts_;
    std::string file_;
    std::optional<FileWatch> watch_;
    LoadedHooks loaded_;
    std::optional<hooks::Cursor> cursor_;
    std::optional<hooks::Runner> runner_;
};

std::optional<int> HooksDaemon::load() {
    std::vector<std::string> errors;
    bool resumed;
    try {
        copts_ = connection_options(options_.common);
        auto found = find_config(options_.common.config, "node.toml");
        if (!found)
            throw ConfigError(
                "no node config found (--config, $OM_CONFIG, ./conf/node.toml, /etc/om/node.toml)");
        file_ = *found;
        // Seen before it is loaded: a change made meanwhile is a change to reload.
        watch_.emplace(file_);
        watch_->check();
        loaded_ = load_hooks(file_, errors);
        set_log_program("om-sub hooks");
        set_log_file(loaded_.config.log); // the node log, or stderr
        cursor_.emplace(loaded_.config.cursor.empty() ? default_cursor_path()
                                                      : loaded_.config.cursor);
        std::filesystem::create_directories(std::filesystem::path(cursor_->path()).parent_path());
        resumed = cursor_->load();
    } catch (const std::exception& e) {
        std::cerr << "om-sub hooks: " << e.what() << "\n";
        return kUsage;
    }
    for (const auto& e : errors)
        log_warning(e);
    auto& cursor = *cursor_;
    if (resumed)
        copts_.resume =
            Resume{cursor.epoch(), cursor.seq(), cursor.had(), cursor.ts(), cursor.since()};
    else if (options_.catch_up)
        copts_.resume = Resume{};
    else
        cursor.set_since(wire::now_ts()); // a first start: what came before is not ours
    copts_.topics = {std::string(wire::kEventPrefix)};
    log_info("started with {} hook(s) from {}, cursor {}{}", loaded_.hooks.size(), file_,
             cursor.path(),
             resumed ? fmt::format(" at {}:{}", cursor.epoch(), cursor.seq()) : " (new)");
    return std::nullopt;
}

void HooksDaemon::on_event(const Message& m) {
    if (m.is_patch) return;
    auto& cursor = *cursor_;
    const auto epoch = m.meta.epoch, seq = m.meta.kseq;
    if (cursor.handled(epoch, seq)) return; // ran before a restart: never twice
    std::optional<json> msg;                // for the filters, converted once if one needs it
    // Fields of another type than the protocol's read as absent: never a crash.
    std::string_view id_view, node_view;
    double ts = 0;
    if (m.parsed["data"]["id"].get_string().get(id_view)) id_view = {};
    if (m.parsed["nodename"].get_string().get(node_view)) node_view = {};
    if (m.parsed["ts"].get_double().get(ts)) ts = 0;
    const std::string id(id_view), nodename(node_view);
    std::vector<hooks::Job> jobs;
    for (std::size_t i = 0; i < loaded_.hooks.size(); ++i) {
        const auto& h = *loaded_.hooks[i];
        if (!h.all_events && std::find(h.events.begin(), h.events.end(), id) == h.events.end())
            continue;
        if (loaded_.filters[i]) {
            if (!msg) msg = to_json(m.parsed);
            if (!loaded_.filters[i]->matches(*msg)) continue;
        }
        hooks::Job job{loaded_.hooks[i], m.body,     id, nodename, epoch, seq,
                       m.meta.inc,       m.meta.eid, 1,  {}};
        if (!h.serialize_path.empty()) {
            // The key is the value at serialize_by; an event without one runs unserialized.
            if (!msg) msg = to_json(m.parsed);
            if (const json* v = find(*msg, h.serialize_path); v && !v->is_null())
                job.key = scalar_text(*v);
        }
        jobs.push_back(std::move(job));
    }
    hooks::EventOrigin origin{nodename, m.meta.inc, m.meta.eid, ts};
    cursor.begin(epoch, seq, static_cast<int>(jobs.size()), std::move(origin));
    for (auto& j : jobs)
        runner_->submit(std::move(j));
}

void HooksDaemon::reload() {
    watch_->check(); // a SIGHUP's reload: its content is not a change to reload again
    try {
        std::vector<std::string> errors;
        auto next = load_hooks(file_, errors);
        for (const auto& e : errors)
            log_warning(e);
        loaded_ = std::move(next); // queued executions keep the hook they were made for
        runner_->set_limits(loaded_.config.concurrency, loaded_.config.queue);
        log_info("reloaded {} hook(s) from {}", loaded_.hooks.size(), file_);
    } catch (const std::exception& e) {
        log_error("reload failed, keeping the previous hooks: {}", e.what());
    }
}

int HooksDaemon::run() {
    auto& cursor = *cursor_;
    runner_.emplace(loaded_.config.concurrency, loaded_.config.queue,
                    [](const std::string& l) { log_info(l); });
    auto& runner = *runner_;
    runner.on_done = [&](const hooks::Job& j) { cursor.finish(j.epoch, j.seq); };
    runner.on_reaped = [&] { cursor.flush(); }; // one write for the hooks reaped together

    Connection conn(copts_);
    conn.on_notice = [](const std::string& text) { log_warning(text); };
    conn.on_message = [this](const Message& m) { on_event(m); };
    // Had already, from another broker run: handled, so the cursor passes it.
    conn.on_skip = [&](const wire::Meta& meta) {
        if (!cursor.handled(meta.epoch, meta.kseq)) cursor.begin(meta.epoch, meta.kseq, 0);
    };
    std::signal(SIGINT, on_stop);
    std::signal(SIGTERM, on_stop);
    std::signal(SIGHUP, on_hup);
    if (!conn.start()) {
        std::cerr << unreachable_message(copts_) << "\n";
        return kUnreachable;
    }
    // From here on every event published is handled (live, or fetched from the replay
    // window when a gap shows): tests and operators wait for this line.
    log_info("connected to {}, broker epoch {}, events after {}", conn.broker().pub, conn.epoch(),
             conn.last_event_seq());
    auto next_check = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    while (!g_stop) {
        conn.poll(runner.sleep_limit(), runner.fds()); // or a hook's exit wakes it
        runner.service();
        cursor.flush();
        const auto now = std::chrono::steady_clock::now();
        if (now >= next_check) {
            next_check = now + std::chrono::seconds(1);
            if (!runner.busy()) cursor.compact(); // idle: the snapshot alone is exact
            if (watch_->check() == FileWatch::State::changed) g_reload = true;
        }
        if (g_reload.exchange(false)) reload();
    }
    cursor.flush();
    cursor.compact();
    log_stop();
    return 0;
}

void HooksDaemon::log_stop() {
    const auto& st = runner_->stats();
    log_info("stopping; {} started, {} failed, {} timed out, {} retried, {} held by a rate limit, "
             "{} dropped",
             st.started, st.failed, st.timed_out, st.retried, st.throttled, st.dropped);
}

} // namespace

int run_hooks(const HooksOptions& o) {
    HooksDaemon daemon(o);
    if (const auto failed = daemon.load()) return *failed;
    return daemon.run();
}

} // namespace om::sub
