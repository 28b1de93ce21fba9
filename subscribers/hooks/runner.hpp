// Runner: executes hook commands for events, with bounded concurrency and queue.
//
// Each execution runs without a shell in its own process group, gets the event message
// on stdin (a memory file written whole before the spawn: a hook that never reads stdin
// stalls nothing, and a runner killed at any time never leaves a hook with half an event) and
// OM_EVENT_ID, OM_EVENT_NODENAME, OM_EVENT_SEQ, OM_EVENT_EPOCH, OM_HOOK_ATTEMPT, and for
// a node's event OM_EVENT_ORIGIN (NODE:INC:EID) in its environment. At its
// timeout the whole group is killed (SIGKILL). When `concurrency` executions run, new ones
// wait in a queue of `queue`; when the queue is full the new execution is dropped, counted
// and logged. Every execution is logged in the node log with the event, command, pid,
// exit status or signal, duration and the last lines of its stderr. A hook with `retries`
// runs again after a failure (exit status not 0, a signal, its timeout, or a command that
// cannot be executed), `retry_delay` later, the delay doubling each time (at most 5 min);
// the job is done (on_done) after its last attempt. A hook with a `rate_limit` starts at
// most COUNT executions in any PERIOD: the others wait their turn, in order, within the
// same `queue` bound (retries keep their own delays and are not counted). A hook with
// `serialize_by` gives each job a key (Job::key): jobs of one hook and key run one at a time,
// in submission order (a job's retries included), the others waiting in the `queue` bound;
// with `coalesce`, the next job of a key starts at least that long after the previous one,
// and a job arriving while one waits replaces it (the one replaced is done: on_done).
#pragma once

#include "hooks_config.hpp"
#include "rate_limit.hpp"

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace om::hooks {

struct Job {
    std::shared_ptr<const HookConfig> hook;
    std::string body; // the event message JSON
    std::string id, nodename;
    std::uint64_t epoch = 0, seq = 0;
    std::uint64_t inc = 0, eid = 0; // the origin of a node's event (wire.hpp), else 0
    int attempt = 1;                // 1 the first run, then 2... for retries (OM_HOOK_ATTEMPT)
    std::string key; // the event's value at the hook's serialize_by; "" runs unserialized
};

struct RunnerStats {
    std::uint64_t started = 0, finished = 0, failed = 0, timed_out = 0, dropped = 0,
                  spawn_errors = 0, retried = 0, throttled = 0, serialized = 0, coalesced = 0;
};

class Runner {
  public:
    using Clock = std::chrono::steady_clock;
    Runner(std::size_t concurrency, std::size_t queue, std::function<void(const std::string&)> log);
    ~Runner();

    // Starts the job now, or queues it, or drops it (then on_done is called at once).
    void submit(Job job);
    // Reads stderr, reaps, enforces timeouts, starts queued jobs.
    void service();
    // Descriptors worth waking up for: each hook's pidfd (readable once it has exited)
    // and its stderr pipe.
    std::vector<int> fds() const;
    bool busy() const {
        return !running_.empty() || !queue_.empty() || throttled_ > 0 || held_ > 0;
    }
    // How long the caller may wait for a message or an fd of fds() before calling service()
    // again: until the next timeout of a running hook, retry, or start a rate limit allows
    // (200 ms at most; 5 ms while a hook runs without a pidfd, since then reaping is polled).
    Millis sleep_limit() const;
    void set_limits(std::size_t concurrency, std::size_t queue);
    const RunnerStats& stats() const { return stats_; }

    std::function<void(const Job&)> on_done;
    // Called in service() after it reaped hooks and before it starts queued ones, so that
    // what finished is recorded (the cursor) before anything new runs.
    std::function<void()> on_reaped;

  private:
    struct Running {
        Job job;
        pid_t pid = -1;
        int err_fd = -1;
        int pidfd = -1; // -1 where pidfds are not available: then the caller's timeout reaps
        std::string err_tail;
        Clock::time_point start;
        bool killed = false;
    };
    // Starts the job now, or queues it (rate limit, concurrency), or drops it.
    void dispatch(Job job);
    void start(Job job);
    // A job is over (run, dropped, or replaced): on_done, then its key's next job may go.
    void done(const Job& job);
    // One serialization key's jobs: at most one out (running, queued, or awaiting a retry),
    // the others waiting in order.
    struct Lane {
        bool out = false;
        std::deque<Job> waiting;
        std::optional<Clock::time_point> last_start; // for coalesce
        Millis coalesce{0};                          // its hook's
    };
    using Lanes = std::map<std::string, Lane>;
    // Sends the lane's next job when it may go (nothing out, its coalesce period over);
    // removes a lane that has nothing left to wait for.
    void advance(Lanes::iterator it, Clock::time_point now);
    // Starts the executions of rate-limited hooks that their limits allow now, while a
    // slot is free.
    void start_throttled(Clock::time_point now);
    void finish(Running& r, int status);
    // After a failed attempt: schedules the next one and returns its note for the log
    // line, or calls on_done and returns "" when no attempt is left.
    std::string retry_or_done(Job& job);

    std::size_t concurrency_, queue_max_;
    std::function<void(const std::string&)> log_;
    std::deque<Job> queue_;
    std::multimap<Clock::time_point, Job> delayed_; // retries, by due time
    // Hooks with a rate limit, by name: their limit and their executions waiting for it.
    struct Throttle {
        RateLimit limit;
        std::deque<Job> waiting;
    };
    std::map<std::string, Throttle> throttles_;
    std::size_t throttled_ = 0; // jobs waiting in throttles_, counted in the queue bound
    Lanes lanes_;               // by hook name and key
    std::size_t held_ = 0;      // jobs waiting in lanes_, counted in the queue bound
    std::vector<std::unique_ptr<Running>> running_;
    RunnerStats stats_;
};

} // namespace om::hooks
