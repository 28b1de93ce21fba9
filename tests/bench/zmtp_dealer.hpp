// A minimal ZMTP 3.0 DEALER (NULL mechanism, no identity) on one ipc stream socket: enough
// to speak the broker's ingest protocol for thousands of simulated nodes from one process
// with one descriptor each (a libzmq socket takes two: its connection and its mailbox,
// and the open-file limit of a test machine is not always ours to raise). Sends only: what
// the broker answers (its greeting's end, a send_full) is left unread.
#pragma once

#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace bench {

class ZmtpDealer {
  public:
    // endpoint: "ipc:///path" of a ROUTER socket.
    explicit ZmtpDealer(const std::string& endpoint) {
        const auto path = endpoint.substr(endpoint.find("://") + 3);
        fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_un a{};
        a.sun_family = AF_UNIX;
        if (fd_ < 0 || path.size() >= sizeof a.sun_path)
            throw std::runtime_error("zmtp: no socket for " + endpoint);
        std::memcpy(a.sun_path, path.data(), path.size());
        if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
            throw std::runtime_error("zmtp: cannot connect to " + endpoint);
        // Greeting: signature FF 00*8 7F, version 3.0, mechanism "NULL" padded to 20 bytes,
        // as-server 0, 31 bytes of filler: 64 bytes.
        std::string g(64, '\0');
        g[0] = '\xff';
        g[9] = '\x7f';
        g[10] = 3;
        std::memcpy(&g[12], "NULL", 4);
        write_all(g);
        read_exactly(64); // the broker's greeting
        // READY command (flags 0x04: a short command): name, then the Socket-Type property.
        const std::string body = std::string("\x05READY\x0bSocket-Type\0\0\0\x06", 22) + "DEALER";
        write_all(std::string{'\x04', static_cast<char>(body.size())} + body);
    }
    ~ZmtpDealer() {
        if (fd_ >= 0) ::close(fd_);
    }
    ZmtpDealer(const ZmtpDealer&) = delete;
    ZmtpDealer& operator=(const ZmtpDealer&) = delete;

    // One single-frame message: flags 0x00 (last, 1-byte size) or 0x02 (last, 8-byte
    // big-endian size), then the body.
    void send(std::string_view body) {
        std::string f;
        if (body.size() < 256) {
            f = {'\0', static_cast<char>(body.size())};
        } else {
            f.push_back('\x02');
            for (int i = 7; i >= 0; --i)
                f.push_back(static_cast<char>((body.size() >> (8 * i)) & 0xff));
        }
        f.append(body);
        write_all(f);
    }

  private:
    void write_all(std::string_view b) {
        while (!b.empty()) {
            const auto n = ::write(fd_, b.data(), b.size());
            if (n <= 0) throw std::runtime_error("zmtp: write failed");
            b.remove_prefix(static_cast<std::size_t>(n));
        }
    }
    void read_exactly(std::size_t n) {
        char buf[64];
        while (n > 0) {
            const auto r = ::read(fd_, buf, std::min(n, sizeof buf));
            if (r <= 0) throw std::runtime_error("zmtp: the peer closed during the greeting");
            n -= static_cast<std::size_t>(r);
        }
    }
    int fd_ = -1;
};

} // namespace bench
