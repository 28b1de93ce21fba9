// om-pub: the node publisher (daemon), and the client verbs of its control socket.
#include "config.hpp"
#include "control_client.hpp"
#include "file_text.hpp"
#include "log.hpp"
#include "publisher.hpp"
#include "stats_text.hpp"

#include <CLI/CLI.hpp>
#include <csignal>
#include <iostream>
#include <unistd.h>

namespace {

std::atomic<bool> g_stop{false}, g_reload{false};
void on_signal(int) {
    g_stop = true;
}
void on_hup(int) {
    g_reload = true;
}

// Exit codes of the client verbs.
enum Exit { kOk = 0, kRefused = 1, kUsage = 2, kUnreachable = 3 };

int client(const std::string& endpoint, const std::vector<std::string>& frames) {
    auto r = om::publisher::control_request(endpoint, frames, std::chrono::milliseconds(3000));
    if (!r.reached) {
        std::cerr << "om-pub: no answer from the control socket " << endpoint
                  << " (is om-pub running?)\n";
        return kUnreachable;
    }
    if (r.text == "ok") return kOk;
    if (r.text.starts_with("ok ")) {
        std::cout << r.text.substr(3) << "\n";
        return kOk;
    }
    std::cerr << "om-pub: " << r.text << "\n";
    return kRefused;
}

std::string host_name() {
    char buf[256] = {};
    if (gethostname(buf, sizeof buf - 1) != 0) return "localhost";
    return buf;
}

// The daemon's flags, which override the config file's values.
struct Flags {
    std::string config, nodename, control, interval;
    std::vector<std::string> brokers;
};

void add_flags(CLI::App& app, Flags& f) {
    app.add_option("--config", f.config,
                   "Config file (else $OM_CONFIG, ./conf/node.toml, /etc/om/node.toml)");
    app.add_option("--nodename", f.nodename, "This node's name (default: the host name)");
    app.add_option("--broker", f.brokers,
                   "A broker's ingest endpoint, repeatable (default tcp://127.0.0.1:1215)");
    app.add_option("--control", f.control,
                   "Control socket (default ipc://$XDG_RUNTIME_DIR/om-pub.sock)");
    app.add_option("--interval", f.interval, "Ping and node facts period (default 5s)");
}

// The client verbs of the control socket and their arguments.
struct Verbs {
    CLI::App *set = nullptr, *unset = nullptr, *load = nullptr, *emit = nullptr, *get = nullptr,
             *stats = nullptr;
    std::vector<std::string> set_args, unset_args, load_args, emit_args;
    std::string reason, svcname, get_path, stats_format = "human";
};

void add_verbs(CLI::App& app, Verbs& v) {
    v.set =
        app.add_subcommand("set", "Set values in this node's dataset: om-pub set PATH=VALUE...\n"
                                  "VALUE is JSON when it parses as JSON, else a string.");
    v.set->add_option("assignment", v.set_args, "PATH=VALUE")->required();
    v.unset = app.add_subcommand("unset", "Remove a path from this node's dataset");
    v.unset->add_option("path", v.unset_args, "PATH")->required()->expected(1);
    v.load = app.add_subcommand(
        "load", "Set PATH to the content of a JSON file: om-pub load PATH FILE.json");
    v.load->add_option("args", v.load_args, "PATH FILE.json")->required()->expected(2);
    v.emit = app.add_subcommand(
        "emit", "Emit a local event: om-pub emit ID [--reason R] [--svcname S] [KEY=VALUE...]");
    v.emit->add_option("args", v.emit_args, "ID [KEY=VALUE...]")->required();
    v.emit->add_option("--reason", v.reason, "Why the event happened");
    v.emit->add_option("--svcname", v.svcname,
                       "The service it concerns (adds service and instance snapshots)");
    v.get = app.add_subcommand("get", "Print this node's dataset, or the value at PATH, as JSON");
    v.get->add_option("path", v.get_path, "PATH");
    v.stats = app.add_subcommand(
        "stats", "Print the daemon's counters: heartbeats sent by kind, sends dropped, fulls\n"
                 "asked, control requests, the brokers and whether each is connected, memory");
    v.stats
        ->add_option("--format", v.stats_format,
                     "human (default); json; prometheus: the text exposition format "
                     "(ombus_node_* metrics), for node_exporter's textfile collector")
        ->check(CLI::IsMember({"human", "json", "prometheus"}));
}

// om-pub stats: asks the daemon and prints its answer in `format`.
int print_stats(const std::string& control, const std::string& format) {
    auto r = om::publisher::control_request(control, {"stats"}, std::chrono::milliseconds(3000));
    if (!r.reached) return client(control, {"stats"}); // says so, the same way
    const auto s = r.text.starts_with("ok ")
                       ? nlohmann::json::parse(r.text.substr(3), nullptr, false)
                       : nlohmann::json();
    if (!s.is_object()) {
        std::cerr << "om-pub: stats: unexpected answer: " << r.text << "\n";
        return kRefused;
    }
    if (format == "json")
        std::cout << s.dump(4) << "\n";
    else if (format == "prometheus")
        std::cout << om::publisher::node_stats_prometheus(s);
    else
        std::cout << om::publisher::node_stats_human(s);
    return kOk;
}

// The file's values with the command line's flags on top: at start and at a reload.
om::NodeConfig load_config(const std::optional<std::string>& file, const Flags& f,
                           std::vector<std::string>& warnings) {
    om::NodeConfig c;
    if (file) c = om::load_node_config(*file, warnings);
    if (!f.control.empty()) c.control = f.control;
    if (c.control.empty()) c.control = om::default_control_endpoint();
    if (!f.nodename.empty()) c.nodename = f.nodename;
    if (c.nodename.empty()) c.nodename = host_name();
    if (!f.brokers.empty()) c.brokers = f.brokers;
    if (!f.interval.empty()) c.interval = om::parse_duration(f.interval);
    if (c.interval.count() <= 0) throw std::runtime_error("--interval must be more than 0");
    return c;
}

// Runs the verb given, if any, against the daemon at `control`: its exit code.
std::optional<int> run_verb(const Verbs& v, const std::string& control) {
    if (*v.set) {
        auto f = v.set_args;
        f.insert(f.begin(), "set");
        return client(control, f);
    }
    if (*v.unset) return client(control, {"unset", v.unset_args[0]});
    if (*v.load) {
        const auto text = om::read_file_text(v.load_args[1]);
        if (!text) {
            std::cerr << "om-pub: load: cannot read " << v.load_args[1] << "\n";
            return kUsage;
        }
        if (nlohmann::json::parse(*text, nullptr, false).is_discarded()) {
            std::cerr << "om-pub: load: " << v.load_args[1] << " is not valid JSON\n";
            return kUsage;
        }
        return client(control, {"load", v.load_args[0], *text});
    }
    if (*v.emit) {
        std::vector<std::string> f{"emit"};
        f.insert(f.end(), v.emit_args.begin(), v.emit_args.end());
        if (!v.reason.empty()) f.push_back("reason=" + v.reason);
        if (!v.svcname.empty()) f.push_back("svcname=" + v.svcname);
        return client(control, f);
    }
    if (*v.stats) return print_stats(control, v.stats_format);
    if (*v.get)
        return client(control, v.get_path.empty() ? std::vector<std::string>{"get"}
                                                  : std::vector<std::string>{"get", v.get_path});
    return std::nullopt;
}

// Runs the daemon until SIGINT or SIGTERM; SIGHUP reloads its config.
int run_daemon(const om::NodeConfig& config, const std::optional<std::string>& file,
               const Flags& flags, const std::vector<std::string>& warnings) {
    for (const auto& w : warnings)
        om::log_warning(w);
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    std::signal(SIGHUP, on_hup);
    om::set_log_program("om-pub[" + config.nodename + "]");
    om::publisher::Publisher pub(config, file.value_or(""), [&] {
        std::vector<std::string> reload_warnings;
        auto c = load_config(file, flags, reload_warnings);
        for (const auto& w : reload_warnings)
            om::log_warning(w);
        return c;
    });
    pub.run(g_stop, g_reload);
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    om::set_log_program("om-pub");
    CLI::App app{
        "om-pub: the node publisher. Without a verb, runs the daemon that owns this node's\n"
        "dataset and sends heartbeats to the brokers. With a verb, talks to the running daemon.\n"
        "The daemon applies a change of its config file within a second (SIGHUP: at once).\n"
        "Client exit codes: 0 done, 1 refused by om-pub, 2 usage, 3 om-pub not reachable."};
    app.require_subcommand(0, 1);
    Flags flags;
    add_flags(app, flags);
    app.set_version_flag("--version", std::string("om-pub ") + OMBUS_VERSION);
    Verbs verbs;
    add_verbs(app, verbs);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e) == 0 ? 0 : kUsage;
    }
    try {
        const auto file = om::find_config(flags.config, "node.toml");
        std::vector<std::string> warnings;
        const om::NodeConfig config = load_config(file, flags, warnings);
        if (const auto code = run_verb(verbs, config.control)) return *code;
        return run_daemon(config, file, flags, warnings);
    } catch (const om::DurationError& e) {
        std::cerr << "om-pub: --interval: " << e.what() << "\n";
        return kUsage;
    } catch (const std::exception& e) {
        om::log_error(e.what());
        return 1;
    }
}
