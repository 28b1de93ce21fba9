// NATS core, Redis pub/sub and mosquitto servers and clients for the side-by-side benchmarks.
#include "peers.hpp"

#include "bench_util.hpp"

#include <arpa/inet.h>
#include <atomic>
#include <netinet/in.h>
#include <stdexcept>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

#if OMBUS_HAVE_NATS
#include <nats/nats.h>
#endif
#if OMBUS_HAVE_HIREDIS
#include <hiredis/hiredis.h>
#endif
#if OMBUS_HAVE_MOSQUITTO
#include <mosquitto.h>
#endif

namespace peers {

namespace {

using bench::Clock;

// The first of `names` that is an executable file, or empty.
std::string find_program(std::initializer_list<const char*> paths) {
    for (const char* p : paths)
        if (::access(p, X_OK) == 0) return p;
    return "";
}

const std::string& nats_server_bin() {
    static const std::string p = find_program({"/usr/sbin/nats-server", "/usr/bin/nats-server"});
    return p;
}
const std::string& redis_server_bin() {
    static const std::string p = find_program({"/usr/bin/redis-server", "/usr/sbin/redis-server"});
    return p;
}
const std::string& mosquitto_bin() {
    static const std::string p = find_program({"/usr/sbin/mosquitto", "/usr/bin/mosquitto"});
    return p;
}

// A loopback TCP port free now (the kernel's choice for port 0).
int free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0)
        throw std::runtime_error("no free loopback port");
    ::close(fd);
    return ntohs(a.sin_port);
}

// True once something accepts TCP connections on 127.0.0.1:port.
bool accepting(int port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    ::close(fd);
    return ok;
}

class Started : public Server {
  public:
    Started(std::vector<std::string> argv, const std::string& log, int port) {
        port_ = port;
        const auto name = argv.at(0);
        proc_ = std::make_unique<it::Process>(std::move(argv), log);
        if (!it::eventually([&] { return accepting(port_); }))
            throw std::runtime_error(name + " did not start: " + it::read_file(log));
    }
};

// One fan-out run: `subs` threads each call subscribe() (which returns once its
// subscription is in effect) and then receive() until it returns false or n arrived; once
// all are subscribed, publish() sends the n messages. Each subscriber's rate runs from its
// first message to its last.
template <class Subscribe, class Publish>
[[maybe_unused]] Fanout run_fanout(int subs, long n, Subscribe subscribe, Publish publish) {
    std::vector<double> rates(static_cast<std::size_t>(subs));
    std::vector<long> got(static_cast<std::size_t>(subs));
    std::atomic<int> ready{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < subs; ++i)
        threads.emplace_back([&, i] {
            auto receive = subscribe();
            ++ready;
            long count = 0;
            Clock::time_point t0;
            while (count < n && receive()) {
                if (count++ == 0) t0 = Clock::now();
            }
            got[static_cast<std::size_t>(i)] = count;
            rates[static_cast<std::size_t>(i)] =
                count > 1
                    ? double(count - 1) / std::chrono::duration<double>(Clock::now() - t0).count()
                    : 0;
        });
    while (ready < subs)
        std::this_thread::yield();
    publish();
    for (auto& t : threads)
        t.join();
    Fanout f;
    long min_got = n;
    for (std::size_t i = 0; i < rates.size(); ++i) {
        f.rate += rates[i] / subs;
        min_got = std::min(min_got, got[i]);
    }
    f.received = double(min_got) / double(n);
    return f;
}

} // namespace

std::string nats_missing() {
#if OMBUS_HAVE_NATS
    if (nats_server_bin().empty()) return "nats-server is not installed";
    return "";
#else
    return "built without libnats-dev";
#endif
}

std::string redis_missing() {
#if OMBUS_HAVE_HIREDIS
    if (redis_server_bin().empty()) return "redis-server is not installed";
    return "";
#else
    return "built without libhiredis-dev";
#endif
}

std::string mosquitto_missing() {
#if OMBUS_HAVE_MOSQUITTO
    if (mosquitto_bin().empty()) return "mosquitto is not installed";
    return "";
#else
    return "built without libmosquitto-dev";
#endif
}

std::unique_ptr<Server> start_mosquitto(const it::TempDir& dir) {
    const int port = free_port();
    const auto conf = dir.file("mosquitto-" + std::to_string(port) + ".conf");
    // No cap on what is queued for a client (a late joiner's retained messages come in one
    // burst), nothing written to disk.
    it::write_file(conf, "listener " + std::to_string(port) +
                             " 127.0.0.1\nallow_anonymous true\npersistence false\n"
                             "max_queued_messages 0\nmax_queued_bytes 0\n");
    return std::make_unique<Started>(std::vector<std::string>{mosquitto_bin(), "-c", conf},
                                     dir.file("mosquitto.log"), port);
}

std::unique_ptr<Server> start_nats(const it::TempDir& dir) {
    const int port = free_port();
    const auto conf = dir.file("nats-" + std::to_string(port) + ".conf");
    // Pending bytes per connection before the server drops a slow consumer: 1 GiB (its
    // largest), and a write deadline long enough for a burst.
    it::write_file(conf, "listen: 127.0.0.1:" + std::to_string(port) +
                             "\nmax_pending: 1073741824\nwrite_deadline: \"60s\"\n");
    return std::make_unique<Started>(std::vector<std::string>{nats_server_bin(), "-c", conf},
                                     dir.file("nats.log"), port);
}

std::unique_ptr<Server> start_redis(const it::TempDir& dir) {
    const int port = free_port();
    return std::make_unique<Started>(
        std::vector<std::string>{redis_server_bin(), "--port", std::to_string(port), "--bind",
                                 "127.0.0.1", "--save", "", "--appendonly", "no",
                                 "--client-output-buffer-limit", "pubsub 0 0 0", "--dir",
                                 dir.path(), "--daemonize", "no"},
        dir.file("redis.log"), port);
}

#if OMBUS_HAVE_NATS
namespace {
// A NATS connection to the server, closed with the object.
struct NatsConn {
    natsConnection* nc = nullptr;
    NatsConn(const Server& s, bool send_asap) {
        natsOptions* o = nullptr;
        natsOptions_Create(&o);
        natsOptions_SetURL(o, ("nats://127.0.0.1:" + std::to_string(s.port())).c_str());
        natsOptions_SetSendAsap(o, send_asap);
        const auto st = natsConnection_Connect(&nc, o);
        natsOptions_Destroy(o);
        if (st != NATS_OK) throw std::runtime_error("nats: " + std::string(natsStatus_GetText(st)));
    }
    ~NatsConn() { natsConnection_Destroy(nc); }
    NatsConn(const NatsConn&) = delete;
    NatsConn& operator=(const NatsConn&) = delete;
};

// A synchronous subscription to "bench" with no client-side pending limit, in effect at the
// server when constructed (the flush is a round trip after the SUB).
struct NatsSub {
    natsSubscription* sub = nullptr;
    NatsSub(NatsConn& c, const char* subject) {
        natsConnection_SubscribeSync(&sub, c.nc, subject);
        natsSubscription_SetPendingLimits(sub, -1, -1);
        natsConnection_Flush(c.nc);
    }
    ~NatsSub() { natsSubscription_Destroy(sub); }
    NatsSub(const NatsSub&) = delete;
    NatsSub& operator=(const NatsSub&) = delete;
};
} // namespace

Fanout nats_fanout(const Server& s, int subs, long n, std::size_t payload) {
    return run_fanout(
        subs, n,
        [&] {
            auto c = std::make_shared<NatsConn>(s, false);
            auto sub = std::make_shared<NatsSub>(*c, "bench");
            return [c, sub] {
                natsMsg* m = nullptr;
                if (natsSubscription_NextMsg(&m, sub->sub, 5000) != NATS_OK) return false;
                natsMsg_Destroy(m);
                return true;
            };
        },
        [&] {
            NatsConn pub(s, false);
            const std::string data(payload, 'x');
            for (long k = 0; k < n; ++k)
                natsConnection_Publish(pub.nc, "bench", data.data(), static_cast<int>(data.size()));
            natsConnection_FlushTimeout(pub.nc, 60000);
        });
}

std::vector<double> nats_latency(const Server& s, long n, std::size_t payload) {
    NatsConn subc(s, true), pubc(s, true);
    NatsSub sub(subc, "lat");
    std::vector<double> lat;
    std::string data(payload, 'x');
    const auto base = Clock::now();
    const auto period = std::chrono::nanoseconds(500000); // 2,000/s
    for (long k = 0; k < n; ++k) {
        std::this_thread::sleep_until(base + k * period);
        const auto t0 = Clock::now();
        natsConnection_Publish(pubc.nc, "lat", data.data(), static_cast<int>(data.size()));
        natsMsg* m = nullptr;
        if (natsSubscription_NextMsg(&m, sub.sub, 1000) != NATS_OK) continue;
        natsMsg_Destroy(m);
        lat.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
    }
    return lat;
}
#else
Fanout nats_fanout(const Server&, int, long, std::size_t) {
    return {};
}
std::vector<double> nats_latency(const Server&, long, std::size_t) {
    return {};
}
#endif

#if OMBUS_HAVE_HIREDIS
namespace {
struct RedisConn {
    redisContext* c;
    explicit RedisConn(const Server& s) : c(redisConnect("127.0.0.1", s.port())) {
        if (!c || c->err) throw std::runtime_error("redis: cannot connect");
    }
    ~RedisConn() { redisFree(c); }
    RedisConn(const RedisConn&) = delete;
    RedisConn& operator=(const RedisConn&) = delete;
};
} // namespace

Fanout redis_fanout(const Server& s, int subs, long n, std::size_t payload) {
    return run_fanout(
        subs, n,
        [&] {
            auto c = std::make_shared<RedisConn>(s);
            // In effect at the server once its answer is here.
            freeReplyObject(redisCommand(c->c, "SUBSCRIBE bench"));
            const timeval five{5, 0}; // a message lost: the count ends short, not a hang
            redisSetTimeout(c->c, five);
            return [c] {
                void* r = nullptr;
                if (redisGetReply(c->c, &r) != REDIS_OK) return false;
                freeReplyObject(r);
                return true;
            };
        },
        [&] {
            RedisConn pub(s);
            const std::string data(payload, 'x');
            // Pipelined: a batch of PUBLISH, then their answers, as a fast client does.
            constexpr long batch = 1000;
            for (long k = 0; k < n; k += batch) {
                const long m = std::min(batch, n - k);
                for (long j = 0; j < m; ++j)
                    redisAppendCommand(pub.c, "PUBLISH bench %b", data.data(), data.size());
                for (long j = 0; j < m; ++j) {
                    void* r = nullptr;
                    if (redisGetReply(pub.c, &r) == REDIS_OK) freeReplyObject(r);
                }
            }
        });
}
#else
Fanout redis_fanout(const Server&, int, long, std::size_t) {
    return {};
}
#endif

#if OMBUS_HAVE_MOSQUITTO
namespace {
// A libmosquitto client driven by mosquitto_loop on the caller's thread; its callbacks
// count what arrived.
struct MqttClient {
    mosquitto* m = nullptr;
    bool connected = false;
    int acked = 0;
    long received = 0;
    explicit MqttClient(const char* id) {
        mosquitto_lib_init();
        m = mosquitto_new(id, true, this);
        if (!m) throw std::runtime_error("mosquitto: no client");
        mosquitto_connect_callback_set(m, [](mosquitto*, void* self, int rc) {
            static_cast<MqttClient*>(self)->connected = rc == 0;
        });
        mosquitto_publish_callback_set(
            m, [](mosquitto*, void* self, int) { ++static_cast<MqttClient*>(self)->acked; });
        mosquitto_message_callback_set(m, [](mosquitto*, void* self, const mosquitto_message*) {
            ++static_cast<MqttClient*>(self)->received;
        });
    }
    ~MqttClient() {
        mosquitto_destroy(m);
        mosquitto_lib_cleanup();
    }
    MqttClient(const MqttClient&) = delete;
    MqttClient& operator=(const MqttClient&) = delete;
    // Runs the network loop until done() or the deadline; false on a deadline or an error.
    template <class Done> bool loop_until(Done done, std::chrono::seconds limit) {
        const auto deadline = Clock::now() + limit;
        while (!done()) {
            if (Clock::now() > deadline) return false;
            if (mosquitto_loop(m, 10, 1) != MOSQ_ERR_SUCCESS) return false;
        }
        return true;
    }
};
} // namespace

std::optional<double> mosquitto_late_joiner(const Server& s, int topics, std::size_t payload) {
    using namespace std::chrono_literals;
    const auto topic = [](int i) {
        return "cluster/node" + std::to_string(i / 20) + "/svc" + std::to_string(i % 20);
    };
    {
        MqttClient pub("bench-pub");
        if (mosquitto_connect(pub.m, "127.0.0.1", s.port(), 60) != MOSQ_ERR_SUCCESS ||
            !pub.loop_until([&] { return pub.connected; }, 10s))
            return std::nullopt;
        // QoS 1, each acknowledged: stored at the broker before the late joiner comes.
        const std::string data(payload, 'x');
        for (int i = 0; i < topics; ++i) {
            mosquitto_publish(pub.m, nullptr, topic(i).c_str(), static_cast<int>(data.size()),
                              data.data(), 1, true);
            mosquitto_loop(pub.m, 0, 1);
        }
        if (!pub.loop_until([&] { return pub.acked == topics; }, 60s)) return std::nullopt;
        mosquitto_disconnect(pub.m);
    }
    MqttClient late("bench-late");
    const auto t0 = Clock::now();
    if (mosquitto_connect(late.m, "127.0.0.1", s.port(), 60) != MOSQ_ERR_SUCCESS ||
        !late.loop_until([&] { return late.connected; }, 10s))
        return std::nullopt;
    mosquitto_subscribe(late.m, nullptr, "cluster/#", 0);
    if (!late.loop_until([&] { return late.received == topics; }, 60s)) return std::nullopt;
    return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}
#else
std::optional<double> mosquitto_late_joiner(const Server&, int, std::size_t) {
    return std::nullopt;
}
#endif

} // namespace peers
