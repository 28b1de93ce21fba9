// Tests of lib/ipc_endpoint: a live ipc listener is never taken over, a stale file is.
#include "ipc_endpoint.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

using namespace om;

TEST_CASE("ipc_file: the path of an ipc endpoint, none for tcp or abstract names") {
    CHECK(ipc_file("ipc:///run/om/pub") == "/run/om/pub");
    CHECK(ipc_file("ipc://rel/pub") == "rel/pub");
    CHECK_FALSE(ipc_file("ipc://@abstract"));
    CHECK_FALSE(ipc_file("ipc://"));
    CHECK_FALSE(ipc_file("tcp://127.0.0.1:1216"));
}

TEST_CASE("bind_exclusive: refuses a live listener's endpoint, replaces a stale file") {
    unit::TempDir dir("ipc");
    const auto path = dir.file("sock");
    const auto ep = "ipc://" + path;
    zmq::context_t ctx(1);
    CHECK_FALSE(ipc_listening(path)); // no file

    {
        zmq::socket_t first(ctx, zmq::socket_type::rep);
        first.set(zmq::sockopt::linger, 0);
        CHECK(bind_exclusive(first, ep, "test") == path);
        CHECK(ipc_listening(path));
        zmq::socket_t second(ctx, zmq::socket_type::rep);
        second.set(zmq::sockopt::linger, 0);
        CHECK_THROWS_WITH(bind_exclusive(second, ep, "test"),
                          "cannot bind test endpoint " + ep + ": in use by another process");
        CHECK(ipc_listening(path)); // the first still has it
    }

    // A socket file nobody listens on, as a killed process leaves it.
    ::unlink(path.c_str());
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    path.copy(addr.sun_path, sizeof addr.sun_path - 1);
    REQUIRE(::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0);
    ::close(fd); // bound, never listening, closed: the file stays
    CHECK_FALSE(ipc_listening(path));
    zmq::socket_t next(ctx, zmq::socket_type::rep);
    next.set(zmq::sockopt::linger, 0);
    CHECK_NOTHROW(bind_exclusive(next, ep, "test"));
    CHECK(ipc_listening(path));
}
