// The systems ombus is measured against, in the same run on the same machine: NATS core
// (Debian's nats-server, its C client libnats), Redis pub/sub (redis-server, hiredis) and
// mosquitto's retained messages (mosquitto, libmosquitto).
// Each peer server is started here on a free loopback port and stopped with its object; a
// peer whose server or client library is not installed is reported missing, never faked
// (scripts/install-deps.sh --bench installs them).
#pragma once

#include "harness.hpp"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace peers {

// What one fan-out run gave: the messages/s each subscriber received (mean over them),
// and the fraction of the messages sent that the slowest subscriber received.
struct Fanout {
    double rate = 0;
    double received = 0;
};

// A peer's server process on 127.0.0.1:port.
class Server {
  public:
    virtual ~Server() = default;
    int port() const { return port_; }

  protected:
    int port_ = 0;
    std::unique_ptr<it::Process> proc_;
};

// Why NATS (Redis, mosquitto) cannot be measured here, or empty when it can.
std::string nats_missing();
std::string redis_missing();
std::string mosquitto_missing();

// Starts nats-server (unlimited pending bytes per subscriber, so that it never drops one as
// a slow consumer: like ombus's unlimited high-water marks here) or redis-server (no
// output-buffer limit for subscribers, no persistence). Throws when it does not answer.
std::unique_ptr<Server> start_nats(const it::TempDir& dir);
std::unique_ptr<Server> start_redis(const it::TempDir& dir);
// Starts mosquitto with no limit on the messages it queues for a client, no persistence.
std::unique_ptr<Server> start_mosquitto(const it::TempDir& dir);

// n messages of `payload` bytes published as fast as the client takes them, received by
// `subs` subscribers, each on its own connection and thread.
Fanout nats_fanout(const Server& s, int subs, long n, std::size_t payload);
Fanout redis_fanout(const Server& s, int subs, long n, std::size_t payload);

// n messages at 2,000/s, each sent at once (NATS "send asap": no write coalescing) and
// waited for by one subscriber; the latencies in microseconds.
std::vector<double> nats_latency(const Server& s, long n, std::size_t payload);

// mosquitto's answer to a late joiner: `topics` retained messages of `payload` bytes are
// stored first (one publisher, acknowledged), then a new client connects, subscribes to
// all of them and is timed from its connect to the last one received. The milliseconds,
// or nullopt when not all of them came within 60 s.
std::optional<double> mosquitto_late_joiner(const Server& s, int topics, std::size_t payload);

} // namespace peers
