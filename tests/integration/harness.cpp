// Implementation of the integration test harness.
#include "harness.hpp"

#include "curve.hpp"
#include "wire.hpp"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <poll.h>
#include <sstream>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <zmq.hpp>

extern char** environ;

namespace it {

namespace fs = std::filesystem;

TempDir::TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "ombus-it-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
}

TempDir::~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
}

namespace {
// Starts argv with stdout and stderr on the given descriptors and stdin on /dev/null; the
// child is killed when the thread that started it ends, so a test binary that is killed or
// crashes leaves no broker or publisher behind to load the machine. Returns its pid.
int spawn(const std::vector<std::string>& argv, int out_fd, int err_fd,
          const std::vector<std::string>& env) {
    // Everything the child needs is built before the vfork: it may only make system calls.
    std::vector<char*> args;
    for (const auto& a : argv)
        args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    std::vector<std::string> envs;
    for (char** e = environ; *e; ++e)
        envs.emplace_back(*e);
    envs.insert(envs.end(), env.begin(), env.end());
    std::vector<char*> envp;
    for (auto& e : envs)
        envp.push_back(e.data());
    envp.push_back(nullptr);
    // vfork rather than fork: the start-to-exit benchmarks time this, and posix_spawn has no
    // way to set the parent-death signal.
    volatile int child_errno = 0; // shared with the vforked child: why it could not exec
    const pid_t pid = ::vfork();
    if (pid == 0) {
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        const int in = ::open("/dev/null", O_RDONLY);
        if (in >= 0 && ::dup2(in, 0) >= 0 && ::dup2(out_fd, 1) >= 0 && ::dup2(err_fd, 2) >= 0)
            ::execve(args[0], args.data(), envp.data());
        child_errno = errno;
        ::_exit(127);
    }
    if (pid < 0 || child_errno != 0) {
        if (pid > 0) ::waitpid(pid, nullptr, 0);
        throw std::runtime_error("cannot start " + argv[0] + ": " +
                                 std::strerror(pid < 0 ? errno : child_errno));
    }
    return pid;
}

int decode(int status) {
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// Reaps `pid` if it exits within `timeout` and returns its raw wait status. A pidfd makes
// the wake-up exact, which the start-to-exit benchmarks need; polling waitpid is the
// fallback where pidfds are not available.
std::optional<int> reap(int pid, std::chrono::milliseconds timeout) {
    int st = 0;
    const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
    if (pidfd >= 0) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (true) {
            if (::waitpid(pid, &st, WNOHANG) == pid) break;
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left.count() < 0) {
                ::close(pidfd);
                return std::nullopt;
            }
            pollfd p{pidfd, POLLIN, 0};
            ::poll(&p, 1, static_cast<int>(left.count()) + 1);
        }
        ::close(pidfd);
        return st;
    }
    if (eventually([&] { return ::waitpid(pid, &st, WNOHANG) == pid; }, timeout)) return st;
    return std::nullopt;
}
} // namespace

Process::Process(std::vector<std::string> argv, std::string log, std::vector<std::string> env) {
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd < 0) throw std::runtime_error("cannot open " + log);
    pid_ = spawn(argv, fd, fd, env);
    ::close(fd);
}

Process::~Process() {
    if (!status_) {
        ::kill(pid_, SIGKILL);
        int st;
        ::waitpid(pid_, &st, 0);
    }
}

void Process::signal(int sig) {
    if (!status_) ::kill(pid_, sig);
}

bool Process::running() {
    if (status_) return false;
    int st;
    if (::waitpid(pid_, &st, WNOHANG) == pid_) {
        status_ = decode(st);
        return false;
    }
    return true;
}

std::optional<int> Process::wait(std::chrono::milliseconds timeout) {
    if (status_) return status_;
    if (const auto st = reap(pid_, timeout)) status_ = decode(*st);
    return status_;
}

RunResult run(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
    TempDir dir;
    const auto out = dir.file("out"), err = dir.file("err");
    const int ofd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int efd = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int pid = spawn(argv, ofd, efd, {});
    ::close(ofd);
    ::close(efd);
    RunResult r;
    if (const auto st = reap(pid, timeout)) {
        r.code = decode(*st);
    } else {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, nullptr, 0);
        r.code = -1;
    }
    r.out = read_file(out);
    r.err = read_file(err);
    return r;
}

bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
        if (pred()) return true;
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(2ms); // a polling interval, not a wait for an outcome
    }
}

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void write_file(const std::string& path, const std::string& text) {
    std::ofstream(path) << text;
}

std::string broker_bin() {
    return OM_BROKER_BIN;
}
std::string pub_bin() {
    return OM_PUB_BIN;
}
std::string sub_bin() {
    return OM_SUB_BIN;
}
std::string relay_bin() {
    return OM_RELAY_BIN;
}
std::string source_dir() {
    return OMBUS_SOURCE_DIR;
}

BrokerProc::BrokerProc(const TempDir& dir, const std::string& extra_toml, const std::string& name,
                       om::ClientCurve keys)
    : ingest(dir.ipc(name + "-ingest")), pub(dir.ipc(name + "-pub")), api(dir.ipc(name + "-api")),
      log(dir.file(name + ".log")), curve(std::move(keys)), config_(dir.file(name + ".toml")) {
    // Ticks every 200 ms unless the test sets its own [pub] table. The keys of extra_toml
    // before its first table are [broker] keys.
    const bool own_pub = extra_toml.find("[pub]") != std::string::npos;
    const auto first_table = extra_toml.rfind('[', 0) == 0 ? 0 : extra_toml.find("\n[");
    const auto split = first_table == std::string::npos ? extra_toml.size() : first_table;
    write_file(config_, "[broker]\nname = \"" + name + "\"\ncluster = \"test\"\n" +
                            extra_toml.substr(0, split) + "\n" +
                            (own_pub ? "" : "[pub]\ntick = \"200ms\"\n") +
                            extra_toml.substr(split));
    start();
}

void BrokerProc::start() {
    proc = std::make_unique<Process>(std::vector<std::string>{broker_bin(), "--config", config_,
                                                              "--ingest", ingest, "--pub", pub,
                                                              "--api", api},
                                     log);
    if (!eventually([&] { return !api_call(json{{"op", "ping"}}, 200ms).empty(); }))
        throw std::runtime_error("broker did not answer: " + read_file(log));
}

void BrokerProc::stop() {
    proc->signal(SIGTERM);
    proc->wait(5s);
}

std::vector<std::string> api_request(const std::string& endpoint, const json& req,
                                     std::chrono::milliseconds timeout,
                                     const om::ClientCurve& curve) {
    zmq::context_t ctx(1);
    zmq::socket_t s(ctx, zmq::socket_type::req);
    s.set(zmq::sockopt::linger, 0);
    s.set(zmq::sockopt::rcvtimeo, static_cast<int>(timeout.count()));
    if (curve.enabled()) om::curve_client(s, curve.secret_key, curve.broker_public_key);
    s.connect(endpoint);
    const auto text = req.dump();
    s.send(zmq::buffer(text));
    std::vector<std::string> frames;
    while (true) {
        zmq::message_t m;
        if (!s.recv(m)) return {};
        frames.push_back(m.to_string());
        if (!m.more()) break;
    }
    return frames;
}

std::vector<std::string> BrokerProc::api_call(const json& req,
                                              std::chrono::milliseconds timeout) const {
    return api_request(api, req, timeout, curve);
}

json BrokerProc::snapshot() const {
    auto f = api_call(json{{"op", "snapshot"}, {"protocol", om::wire::kProtocol}});
    if (f.size() != 2) return nullptr;
    return json::parse(f[1]);
}

BrokerProc::ReplayAnswer BrokerProc::replay(const json& epoch, std::uint64_t after) const {
    const auto f = api_call(json{
        {"op", "replay"}, {"protocol", om::wire::kProtocol}, {"epoch", epoch}, {"after", after}});
    ReplayAnswer r;
    if (f.empty()) return r;
    r.header = json::parse(f[0]);
    for (std::size_t i = 1; i < f.size(); ++i) {
        const auto p = om::wire::split_message(f[i]);
        if (!p) throw std::runtime_error("replay: a frame not in protocol 2: " + f[i]);
        r.events.push_back({std::string(p->topic), json::parse(p->meta), std::string(p->body)});
    }
    return r;
}

json BrokerProc::stats() const {
    auto f = api_call(json{{"op", "stats"}});
    if (f.empty()) return nullptr;
    return json::parse(f[0]);
}

PubProc::PubProc(const TempDir& dir, std::string n, std::vector<std::string> brokers,
                 std::string interval, const std::string& config_toml)
    : name(std::move(n)), control(dir.ipc("ctl-" + name)), log(dir.file("pub-" + name + ".log")),
      brokers_(std::move(brokers)), interval_(std::move(interval)) {
    if (!config_toml.empty()) {
        config_ = dir.file("node-" + name + ".toml");
        write_file(config_, config_toml);
    }
    start();
}

void PubProc::start() {
    std::vector<std::string> argv{pub_bin(),   "--config", config_,      "--nodename", name,
                                  "--control", control,    "--interval", interval_};
    for (const auto& b : brokers_) {
        argv.push_back("--broker");
        argv.push_back(b);
    }
    proc = std::make_unique<Process>(argv, log);
    if (!eventually([&] { return cli({"get", "frozen"}).code == 0; }))
        throw std::runtime_error("om-pub did not answer: " + read_file(log));
}

RunResult PubProc::cli(const std::vector<std::string>& args) const {
    std::vector<std::string> argv{pub_bin(), "--config", "/dev/null", "--control", control};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv, 10s);
}

std::vector<std::string> sub_flags(const BrokerProc& b) {
    return {"--pub", b.pub, "--api", b.api};
}

RelayProc::RelayProc(const TempDir& dir, std::string upstream_pub_ep, std::string upstream_api_ep,
                     const std::string& name, std::vector<std::string> extra, om::ClientCurve keys)
    : pub(dir.ipc(name + "-pub")), api(dir.ipc(name + "-api")), log(dir.file(name + ".log")),
      upstream_pub(std::move(upstream_pub_ep)), upstream_api(std::move(upstream_api_ep)),
      curve(std::move(keys)), name_(name), extra_(std::move(extra)) {
    start();
}

void RelayProc::start() {
    std::vector<std::string> argv{relay_bin(),  "--upstream-pub", upstream_pub, "--upstream-api",
                                  upstream_api, "--pub",          pub,          "--api",
                                  api,          "--name",         name_,        "--silence",
                                  "1s"};
    argv.insert(argv.end(), extra_.begin(), extra_.end());
    proc = std::make_unique<Process>(argv, log);
    if (!eventually([&] { return !api_call(json{{"op", "stats"}}, 200ms).empty(); }))
        throw std::runtime_error("relay did not answer: " + read_file(log));
}

std::vector<std::string> RelayProc::api_call(const json& req,
                                             std::chrono::milliseconds timeout) const {
    return api_request(api, req, timeout, curve);
}

json RelayProc::stats() const {
    // A relay waiting on its upstream answers later: asked again until it does.
    std::vector<std::string> f;
    eventually([&] { return !(f = api_call(json{{"op", "stats"}})).empty(); });
    return f.empty() ? json(nullptr) : json::parse(f[0]);
}

int lines_with(const std::string& text, const std::string& needle) {
    int n = 0;
    for (std::size_t at = text.find(needle); at != std::string::npos;
         at = text.find(needle, at + 1))
        ++n;
    return n;
}

HooksProc::HooksProc(const TempDir& d, const BrokerProc& b, const std::string& hooks,
                     const std::string& extra)
    : dir(d), config(d.file("node.toml")), log(d.file("node.log")), cursor(d.file("hooks.cursor")) {
    write(b, hooks, extra);
}

void HooksProc::write(const BrokerProc& b, const std::string& hooks, const std::string& extra) {
    write_file(config, "[subscriber]\npub = \"" + b.pub + "\"\napi = \"" + b.api +
                           "\"\n[hooks]\nlog = \"" + log + "\"\ncursor = \"" + cursor + "\"\n" +
                           extra + hooks);
}

void HooksProc::start(std::vector<std::string> flags) {
    std::vector<std::string> argv{sub_bin(), "hooks", "--config", config};
    argv.insert(argv.end(), flags.begin(), flags.end());
    // The log is kept across restarts: wait for one more "connected to" line than before.
    const auto connected = [&] { return lines_with(read_file(log), "connected to"); };
    const auto before = connected();
    proc = std::make_unique<Process>(argv, dir.file("hooks.err"));
    if (!eventually([&] { return connected() > before; }))
        throw std::runtime_error("hooks did not start: " + read_file(dir.file("hooks.err")));
}

bool HooksProc::caught_up(const BrokerProc& b) const {
    const auto c = json::parse(read_file(cursor), nullptr, false);
    const auto st = b.stats();
    return c.is_object() && st.is_object() && c["done"].empty() && c["epoch"] == st["epoch"] &&
           c["seq"] == st["eseq"];
}

std::string namer(const TempDir& dir, const std::string& out) {
    const auto path = dir.file("namer.sh");
    write_file(path,
               "#!/bin/sh\necho \"$OM_EVENT_ID $OM_EVENT_NODENAME $(grep -o '\"n\":[0-9]*')\" >> " +
                   dir.file(out) + "\n");
    ::chmod(path.c_str(), 0755);
    return path;
}

} // namespace it
