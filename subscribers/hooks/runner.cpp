// Spawning, feeding, watching and reaping hook processes.
#include "runner.hpp"

#include "file_text.hpp"
#include "log.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <utility>

extern char** environ;

namespace om::hooks {

namespace {
constexpr std::size_t kTailBytes = 4096; // stderr kept per execution for the log

std::string last_lines(const std::string& tail) {
    std::string t = tail;
    while (!t.empty() && (t.back() == '\n' || t.back() == ' '))
        t.pop_back();
    for (auto& c : t)
        if (c == '\n') c = '|'; // one log line per execution
    return t;
}

// "hook NAME event ID seq EPOCH:SEQ": how every log line names an execution.
std::string label(const Job& job) {
    return fmt::format("hook {} event {} seq {}:{}", job.hook->name, job.id, job.epoch, job.seq);
}

// A job's serialization lane: its hook and its key.
std::string lane_key(const Job& job) {
    return job.hook->name + '\n' + job.key;
}

std::string joined(const std::vector<std::string>& argv) {
    std::string s;
    for (const auto& a : argv)
        s += (s.empty() ? "" : " ") + a;
    return s;
}

// A memory file holding `body`, read from its start: the hook's stdin. Written whole before
// the hook exists, it never blocks the runner, whether the hook reads it or not, and a
// runner killed after the spawn never leaves a hook with half an event. -1 on failure.
int stdin_file(const std::string& body) {
    const int fd = ::memfd_create("om-event", MFD_CLOEXEC);
    if (fd < 0) return -1;
    if (!write_all(fd, body)) {
        ::close(fd);
        return -1;
    }
    if (::lseek(fd, 0, SEEK_SET) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

} // namespace

Runner::Runner(std::size_t concurrency, std::size_t queue,
               std::function<void(const std::string&)> log)
    : concurrency_(concurrency), queue_max_(queue), log_(std::move(log)) {
    std::signal(SIGPIPE, SIG_IGN); // a closed stderr must not kill the runner: write fails
}

Runner::~Runner() {
    for (auto& r : running_) {
        if (r->err_fd >= 0) ::close(r->err_fd);
        if (r->pidfd >= 0) ::close(r->pidfd);
    }
}

void Runner::set_limits(std::size_t concurrency, std::size_t queue) {
    concurrency_ = concurrency;
    queue_max_ = queue;
}

void Runner::submit(Job job) {
    if (job.key.empty()) {
        dispatch(std::move(job));
        return;
    }
    const auto now = Clock::now();
    auto& lane = lanes_[lane_key(job)];
    const auto coalesce = lane.coalesce = job.hook->coalesce;
    const bool cooling =
        coalesce.count() > 0 && lane.last_start && now < *lane.last_start + coalesce;
    if (!lane.out && !cooling && lane.waiting.empty()) {
        lane.out = true;
        dispatch(std::move(job));
        return;
    }
    if (coalesce.count() > 0 && !lane.waiting.empty()) {
        // Merged: one next run, with the latest event; the other is done. The latest is the
        // one that came last, unless its node numbered it before the one waiting: an event
        // resent after a broker restart can come after those its node made since.
        Job& waiting = lane.waiting.back();
        const bool older = job.eid != 0 && job.nodename == waiting.nodename &&
                           job.inc == waiting.inc && job.eid < waiting.eid;
        Job replaced = older ? std::move(job) : std::exchange(waiting, std::move(job));
        ++stats_.coalesced;
        log_(fmt::format("{} coalesced into seq {}:{} (key {})", label(replaced),
                         lane.waiting.back().epoch, lane.waiting.back().seq, replaced.key));
        if (on_done) on_done(replaced);
        return;
    }
    if (queue_.size() + throttled_ + held_ >= queue_max_) {
        ++stats_.dropped;
        log_(fmt::format("{} dropped: queue full ({} waiting, {} dropped so far)", label(job),
                         queue_max_, stats_.dropped));
        if (on_done) on_done(job);
        return;
    }
    ++stats_.serialized;
    ++held_;
    lane.waiting.push_back(std::move(job));
}

void Runner::done(const Job& job) {
    if (on_done) on_done(job);
    if (job.key.empty()) return;
    const auto it = lanes_.find(lane_key(job));
    if (it == lanes_.end()) return;
    it->second.out = false;
    advance(it, Clock::now());
}

void Runner::advance(Lanes::iterator it, Clock::time_point now) {
    auto& lane = it->second;
    if (lane.out) return;
    if (lane.waiting.empty()) {
        // Kept while a coalesce period runs: the next event of the key must wait for it.
        if (!lane.last_start || now >= *lane.last_start + lane.coalesce) lanes_.erase(it);
        return;
    }
    Job& next = lane.waiting.front();
    if (lane.last_start && now < *lane.last_start + next.hook->coalesce) return;
    Job j = std::move(next);
    lane.waiting.pop_front();
    --held_;
    lane.out = true;
    dispatch(std::move(j)); // may end at once (done): nothing of `lane` is used after it
}

void Runner::dispatch(Job job) {
    const auto& hook = *job.hook;
    if (hook.rate_count == 0 && running_.size() < concurrency_) {
        start(std::move(job));
        return;
    }
    if (queue_.size() + throttled_ + held_ < queue_max_) {
        if (hook.rate_count == 0) {
            queue_.push_back(std::move(job));
            return;
        }
        auto it = throttles_.find(hook.name);
        if (it == throttles_.end() || !it->second.limit.is(hook.rate_count, hook.rate_period)) {
            // New, or changed by a reload: a new window (the waiting keep their turn).
            Throttle t{RateLimit(hook.rate_count, hook.rate_period), {}};
            if (it != throttles_.end()) t.waiting = std::move(it->second.waiting);
            it = throttles_.insert_or_assign(hook.name, std::move(t)).first;
        }
        auto& t = it->second;
        const auto now = Clock::now();
        if (t.waiting.empty() && !t.limit.allows(now))
            log_(fmt::format("hook {} rate limit {}/{} reached: executions wait their turn",
                             hook.name, hook.rate_count, format_duration(hook.rate_period)));
        if (!t.waiting.empty() || !t.limit.allows(now)) ++stats_.throttled;
        t.waiting.push_back(std::move(job));
        ++throttled_;
        start_throttled(now);
        return;
    }
    ++stats_.dropped;
    log_(fmt::format("{} dropped: queue full ({} waiting, {} dropped so far)", label(job),
                     queue_max_, stats_.dropped));
    done(job);
}

void Runner::start(Job job) {
    const int in = stdin_file(job.body);
    int err[2];
    if (in < 0 || ::pipe2(err, O_CLOEXEC) != 0) {
        const auto why = std::string(in < 0 ? "stdin file: " : "pipe: ") + std::strerror(errno);
        if (in >= 0) ::close(in);
        ++stats_.spawn_errors;
        log_("hook " + job.hook->name + ": " + why);
        done(job);
        return;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in, 0);
    posix_spawn_file_actions_adddup2(&fa, err[1], 2);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    posix_spawnattr_setpgroup(&attr, 0); // its own process group, killed as a whole
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&attr, &none);
    sigset_t defaults;
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGPIPE);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                        POSIX_SPAWN_SETSIGDEF);

    std::vector<std::string> env;
    for (char** e = environ; *e; ++e)
        if (std::strncmp(*e, "OM_EVENT_", 9) != 0 && std::strncmp(*e, "OM_HOOK_", 8) != 0)
            env.emplace_back(*e);
    env.push_back("OM_EVENT_ID=" + job.id);
    env.push_back("OM_EVENT_NODENAME=" + job.nodename);
    env.push_back(fmt::format("OM_EVENT_SEQ={}", job.seq));
    env.push_back(fmt::format("OM_EVENT_EPOCH={}", job.epoch));
    env.push_back(fmt::format("OM_HOOK_ATTEMPT={}", job.attempt));
    // The same on every broker and broker run: the key for idempotence across a failover.
    if (job.eid != 0)
        env.push_back(fmt::format("OM_EVENT_ORIGIN={}:{}:{}", job.nodename, job.inc, job.eid));
    std::vector<char*> envp, argv;
    for (auto& e : env)
        envp.push_back(e.data());
    envp.push_back(nullptr);
    std::vector<std::string> args = job.hook->command;
    for (auto& a : args)
        argv.push_back(a.data());
    argv.push_back(nullptr);

    pid_t pid = -1;
    const int rc = posix_spawnp(&pid, argv[0], &fa, &attr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    ::close(in);
    ::close(err[1]);
    if (rc != 0) {
        ::close(err[0]);
        ++stats_.spawn_errors;
        const auto line = label(job) + " cmd " + joined(job.hook->command) +
                          ": cannot execute: " + std::strerror(rc);
        log_(line + retry_or_done(job));
        return;
    }
    ::fcntl(err[0], F_SETFL, O_NONBLOCK);
    auto r = std::make_unique<Running>();
    r->job = std::move(job);
    r->pid = pid;
    r->err_fd = err[0];
    // A hook's stderr reaches EOF before the hook can be reaped; its pidfd wakes the loop
    // exactly when it can, which is what keeps a slot from idling until the next tick.
    r->pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
    r->start = Clock::now();
    if (!r->job.key.empty())
        if (const auto it = lanes_.find(lane_key(r->job)); it != lanes_.end())
            it->second.last_start = r->start;
    ++stats_.started;
    running_.push_back(std::move(r));
}

void Runner::finish(Running& r, int status) {
    const auto ms = std::chrono::duration<double, std::milli>(Clock::now() - r.start).count();
    std::string outcome;
    bool failed = true;
    if (r.killed) {
        outcome = "killed at timeout " + format_duration(r.job.hook->timeout);
        ++stats_.timed_out;
    } else if (WIFEXITED(status)) {
        outcome = fmt::format("exit {}", WEXITSTATUS(status));
        failed = WEXITSTATUS(status) != 0;
        if (failed) ++stats_.failed;
    } else if (WIFSIGNALED(status)) {
        outcome = fmt::format("signal {}", WTERMSIG(status));
        ++stats_.failed;
    }
    ++stats_.finished;
    auto line = fmt::format("{} pid {} {} in {:.1f}ms cmd {}", label(r.job), r.pid, outcome, ms,
                            joined(r.job.hook->command));
    if (r.job.hook->retries > 0)
        line += fmt::format(" attempt {}/{}", r.job.attempt, r.job.hook->retries + 1);
    if (!r.err_tail.empty()) line += " stderr: " + last_lines(r.err_tail);
    if (failed) {
        log_(line + retry_or_done(r.job));
        return;
    }
    log_(line);
    done(r.job);
}

std::string Runner::retry_or_done(Job& job) {
    if (job.attempt > job.hook->retries) {
        done(job);
        return "";
    }
    // Exponential backoff from retry_delay, capped: a hook that keeps failing is retried
    // every 5 minutes at most, and an event waits in the cursor until its last attempt.
    constexpr Millis kMaxDelay{300000};
    Millis delay = job.hook->retry_delay;
    for (int i = 1; i < job.attempt && delay < kMaxDelay; ++i)
        delay *= 2;
    delay = std::min(delay, kMaxDelay);
    ++stats_.retried;
    const auto note = "; retry in " + format_duration(delay);
    ++job.attempt;
    delayed_.emplace(Clock::now() + delay, std::move(job));
    return note;
}

Millis Runner::sleep_limit() const {
    // A hook's exit and its stderr wake the poll (fds()); what is left to wake for is the
    // next timeout, retry or rate-limited start. Queued jobs start when a hook is reaped.
    const auto now = Clock::now();
    auto wake = now + Millis(200);
    for (const auto& r : running_) {
        if (r->pidfd < 0) return Millis(5); // no pidfd: reaping is polled
        if (!r->killed) wake = std::min(wake, r->start + r->job.hook->timeout);
    }
    if (!delayed_.empty()) wake = std::min(wake, delayed_.begin()->first);
    for (const auto& [name, t] : throttles_)
        if (!t.waiting.empty()) wake = std::min(wake, t.limit.next(now));
    for (const auto& [key, lane] : lanes_)
        if (!lane.out && !lane.waiting.empty() && lane.last_start)
            wake = std::min(wake, *lane.last_start + lane.waiting.front().hook->coalesce);
    return std::clamp(std::chrono::ceil<Millis>(wake - now), Millis(0), Millis(200));
}

void Runner::start_throttled(Clock::time_point now) {
    for (auto& [name, t] : throttles_) {
        while (running_.size() < concurrency_ && !t.waiting.empty() && t.limit.allows(now)) {
            t.limit.take(now);
            Job j = std::move(t.waiting.front());
            t.waiting.pop_front();
            --throttled_;
            start(std::move(j));
        }
    }
}

void Runner::service() {
    const auto now = Clock::now();
    bool reaped = false;
    for (std::size_t i = 0; i < running_.size();) {
        auto& r = *running_[i];
        if (r.err_fd >= 0) {
            char buf[4096];
            while (true) {
                const auto n = ::read(r.err_fd, buf, sizeof buf);
                if (n > 0) {
                    r.err_tail.append(buf, static_cast<std::size_t>(n));
                    if (r.err_tail.size() > kTailBytes)
                        r.err_tail.erase(0, r.err_tail.size() - kTailBytes);
                    continue;
                }
                if (n == 0) {
                    ::close(r.err_fd);
                    r.err_fd = -1;
                }
                break;
            }
        }
        if (!r.killed && now - r.start > r.job.hook->timeout) {
            ::kill(-r.pid, SIGKILL); // the whole group: its children too
            r.killed = true;
        }
        int status = 0;
        if (::waitpid(r.pid, &status, WNOHANG) == r.pid) {
            if (r.killed) ::kill(-r.pid, SIGKILL); // stragglers of the group
            if (r.err_fd >= 0) {
                char buf[4096];
                ssize_t n;
                while ((n = ::read(r.err_fd, buf, sizeof buf)) > 0)
                    r.err_tail.append(buf, static_cast<std::size_t>(n));
                ::close(r.err_fd);
            }
            if (r.pidfd >= 0) ::close(r.pidfd);
            auto done = std::move(running_[i]);
            running_.erase(running_.begin() + static_cast<long>(i));
            finish(*done, status);
            reaped = true;
            continue;
        }
        ++i;
    }
    if (reaped && on_reaped) on_reaped();
    // Due retries go ahead of the queue: their events are the oldest waiting.
    const auto due_now = Clock::now();
    std::vector<Job> due;
    while (!delayed_.empty() && delayed_.begin()->first <= due_now) {
        due.push_back(std::move(delayed_.begin()->second));
        delayed_.erase(delayed_.begin());
    }
    queue_.insert(queue_.begin(), std::make_move_iterator(due.begin()),
                  std::make_move_iterator(due.end()));
    start_throttled(due_now);
    // Lanes whose coalesce period is over send their next job; idle ones are removed.
    for (auto it = lanes_.begin(); it != lanes_.end();) {
        const auto next = std::next(it);
        advance(it, due_now);
        it = next;
    }
    while (running_.size() < concurrency_ && !queue_.empty()) {
        Job j = std::move(queue_.front());
        queue_.pop_front();
        start(std::move(j));
    }
}

std::vector<int> Runner::fds() const {
    std::vector<int> out;
    for (const auto& r : running_) {
        if (r->pidfd >= 0) out.push_back(r->pidfd);
        if (r->err_fd >= 0) out.push_back(r->err_fd);
    }
    return out;
}

} // namespace om::hooks
