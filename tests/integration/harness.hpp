// Integration test harness: temporary directories, child processes of the real programs,
// and polling for a condition with a deadline (never a sleep to wait for something).
#pragma once

#include "config.hpp"

#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace it {

using json = nlohmann::json;
using namespace std::chrono_literals;

// A fresh directory under $TMPDIR, removed with its content at destruction.
class TempDir {
  public:
    TempDir();
    ~TempDir();
    const std::string& path() const { return path_; }
    std::string ipc(const std::string& name) const { return "ipc://" + path_ + "/" + name; }
    std::string file(const std::string& name) const { return path_ + "/" + name; }

  private:
    std::string path_;
};

// A child process; stdout and stderr go to `log` (appended). Killed (SIGKILL) at destruction.
class Process {
  public:
    Process(std::vector<std::string> argv, std::string log, std::vector<std::string> env = {});
    ~Process();
    Process(const Process&) = delete;
    Process& operator=(const Process&) = delete;

    void signal(int sig);
    // Waits for the exit; returns the exit code (128+signal when killed), nullopt on timeout.
    std::optional<int> wait(std::chrono::milliseconds timeout);
    bool running();
    int pid() const { return pid_; }

  private:
    int pid_ = -1;
    std::optional<int> status_;
};

struct RunResult {
    int code = -1;
    std::string out, err;
};

// Runs a program to completion (killed after timeout); captures stdout and stderr.
RunResult run(const std::vector<std::string>& argv, std::chrono::milliseconds timeout = 20s);

// Polls pred every few milliseconds until it is true or the deadline passes.
bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds timeout = 10s);

std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& text);

// Paths of the programs under test (set by CMake).
std::string broker_bin();
std::string pub_bin();
std::string sub_bin();
std::string relay_bin();
std::string source_dir();

// A broker on ipc endpoints in `dir`, with a config of short timeouts for tests.
struct BrokerProc {
    std::string ingest, pub, api, log;
    std::unique_ptr<Process> proc;
    om::ClientCurve curve; // keys for api_call when the broker runs CURVE
    // extra_toml: appended to its config; keys before the first table go to [broker].
    BrokerProc(const TempDir& dir, const std::string& extra_toml = "",
               const std::string& name = "broker", om::ClientCurve curve = {});
    void start();
    void stop();
    // One api request; the answer frames, or empty on timeout.
    std::vector<std::string> api_call(const json& req,
                                      std::chrono::milliseconds timeout = 2s) const;
    json snapshot() const; // the status document (null on failure)
    json stats() const;
    // The replay window after event `after` of run `epoch`: the answer's header, and each
    // event split into its TOPIC, META (parsed) and BODY (as published).
    struct Replayed {
        std::string topic;
        json meta;
        std::string body;
    };
    struct ReplayAnswer {
        json header;
        std::vector<Replayed> events;
    };
    ReplayAnswer replay(const json& epoch, std::uint64_t after) const;
    const std::string& config_file() const { return config_; }

  private:
    std::string config_;
};

// An om-pub daemon for node `name`, connected to the given broker ingest endpoints.
struct PubProc {
    std::string name, control, log;
    std::unique_ptr<Process> proc;
    // config_toml: the node.toml it reads (none when empty).
    PubProc(const TempDir& dir, std::string name, std::vector<std::string> brokers,
            std::string interval = "200ms", const std::string& config_toml = "");
    void start();
    // Runs `om-pub --control C <args...>` and returns its result.
    RunResult cli(const std::vector<std::string>& args) const;
    // The node.toml it reads ("/dev/null" when none was given).
    const std::string& config_file() const { return config_; }

  private:
    std::vector<std::string> brokers_;
    std::string interval_;
    std::string config_ = "/dev/null";
};

// The `--pub EP --api EP` flags for a broker.
std::vector<std::string> sub_flags(const BrokerProc& b);

// One request to an api endpoint (with CURVE keys when enabled); the answer frames, or
// empty on timeout.
std::vector<std::string> api_request(const std::string& endpoint, const json& req,
                                     std::chrono::milliseconds timeout,
                                     const om::ClientCurve& curve);

// An om-relay on ipc endpoints in `dir`, following upstream_pub and upstream_api (a broker
// or another relay), with a 1 s silence; `extra` flags are appended.
struct RelayProc {
    std::string pub, api, log, upstream_pub, upstream_api;
    std::unique_ptr<Process> proc;
    om::ClientCurve curve; // keys for api_call when the relay runs CURVE
    RelayProc(const TempDir& dir, std::string upstream_pub, std::string upstream_api,
              const std::string& name, std::vector<std::string> extra = {},
              om::ClientCurve keys = {});
    void start();
    // One api request; the answer frames, or empty on timeout.
    std::vector<std::string> api_call(const json& req,
                                      std::chrono::milliseconds timeout = 2s) const;
    json stats() const;

  private:
    std::string name_;
    std::vector<std::string> extra_;
};

// How many times `needle` occurs in `text`.
int lines_with(const std::string& text, const std::string& needle);

// An `om-sub hooks` runner set up in `dir`: node.toml with the given hook tables (`extra`
// goes into its [hooks] table), a node log and a cursor.
struct HooksProc {
    const TempDir& dir;
    std::string config, log, cursor;
    std::unique_ptr<Process> proc;
    HooksProc(const TempDir& d, const BrokerProc& b, const std::string& hooks,
              const std::string& extra = "");
    void write(const BrokerProc& b, const std::string& hooks, const std::string& extra = "");
    // Starts it (again) and waits until its log says it connected once more.
    void start(std::vector<std::string> flags = {});
    std::string node_log() const { return read_file(log); }
    // True when its cursor's snapshot says it is idle at broker b's last event: every event
    // of b's run handled, none running.
    bool caught_up(const BrokerProc& b) const;
};

// A hook script that appends "<OM_EVENT_ID> <OM_EVENT_NODENAME> <"n":N from its stdin>" to
// the file `out` of `dir`: which event ran, whatever the broker that numbered it.
std::string namer(const TempDir& dir, const std::string& out);

} // namespace it
