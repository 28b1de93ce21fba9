// Follows the ombus cluster status with gap detection and resync, using only cppzmq and
// nlohmann_json (docs/protocol.md): an example for users who write their own subscriber.
//   follow_state PUB_ENDPOINT API_ENDPOINT QUIET_SECONDS
// Prints one line per resync on stderr, then, once no patch has come for QUIET_SECONDS, the
// status document on stdout.
#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string_view>
#include <zmq.hpp>
#include <zmq_addon.hpp>

using json = nlohmann::json;

namespace {

struct State {
    std::uint64_t epoch = 0, pseq = 0;
    json doc;
};

// Asks the api for the status document and the patch sequence it reflects; throws with
// the broker's message when it refuses (a broker of another protocol, for one).
State snapshot(zmq::socket_t& req) {
    req.send(zmq::str_buffer(R"({"op":"snapshot","protocol":2})"), zmq::send_flags::none);
    std::vector<zmq::message_t> reply;
    (void)zmq::recv_multipart(req, std::back_inserter(reply));
    const auto header = json::parse(reply.at(0).to_string_view());
    if (header.value("status", "") != "ok")
        throw std::runtime_error("snapshot refused: " + header.value("message", header.dump()));
    return {header["epoch"], header["pseq"], json::parse(reply.at(1).to_string_view())};
}

// One published message, split at its first two newlines: TOPIC \n META \n BODY.
struct Parts {
    std::string_view topic, meta, body;
};
Parts split(const zmq::message_t& frame) {
    const auto text = frame.to_string_view();
    const auto a = text.find('\n'), b = text.find('\n', a + 1);
    if (a == text.npos || b == text.npos)
        throw std::runtime_error("a message not in ombus protocol 2 (docs/protocol.md)");
    return {text.substr(0, a), text.substr(a + 1, b - a - 1), text.substr(b + 1)};
}

// Applies one [PATH, VALUE] or [PATH] operation.
void apply(json& doc, const json& op) {
    json::json_pointer ptr;
    for (const auto& key : op[0])
        ptr /= key.is_string() ? key.get<std::string>() : std::to_string(key.get<std::size_t>());
    if (op.size() == 2) {
        json& parent = doc[ptr.parent_pointer()];
        if (parent.is_array() && op[0].back().is_number() &&
            op[0].back().get<std::size_t>() == parent.size())
            parent.push_back(op[1]);
        else
            doc[ptr] = op[1];
    } else if (doc.contains(ptr)) {
        json& parent = doc[ptr.parent_pointer()];
        if (parent.is_array())
            parent.erase(op[0].back().get<std::size_t>());
        else
            parent.erase(op[0].back().get<std::string>());
    }
}

} // namespace

int main(int argc, char** argv) try {
    if (argc != 4) {
        std::cerr << "usage: follow_state PUB_ENDPOINT API_ENDPOINT QUIET_SECONDS\n";
        return 2;
    }
    zmq::context_t ctx;
    zmq::socket_t sub(ctx, zmq::socket_type::sub), req(ctx, zmq::socket_type::req);
    sub.connect(argv[1]);
    sub.set(zmq::sockopt::subscribe, "patch/"); // subscribe first...
    sub.set(zmq::sockopt::subscribe, "tick/");
    req.connect(argv[2]);
    State s = snapshot(req); // ...then take the snapshot

    const auto quiet = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(std::stod(argv[3])));
    auto deadline = std::chrono::steady_clock::now() + quiet;
    while (std::chrono::steady_clock::now() < deadline) {
        zmq::pollitem_t item{sub.handle(), 0, ZMQ_POLLIN, 0};
        zmq::poll(&item, 1, std::chrono::milliseconds(100));
        if (!(item.revents & ZMQ_POLLIN)) continue;
        std::vector<zmq::message_t> frames;
        (void)zmq::recv_multipart(sub, std::back_inserter(frames));
        if (frames.size() != 1)
            throw std::runtime_error("a message not in ombus protocol 2 (docs/protocol.md)");
        const auto parts = split(frames[0]);
        const auto meta = json::parse(parts.meta);
        if (parts.topic.starts_with("patch/"))
            deadline = std::chrono::steady_clock::now() + quiet; // the stream is not quiet yet
        bool behind = meta["epoch"] != s.epoch;
        if (parts.topic == "tick/") {
            behind = behind || meta["pseq"].get<std::uint64_t>() >
                                   s.pseq; // an idle stream still shows a loss
        } else if (!behind && meta["kseq"].get<std::uint64_t>() > s.pseq) {
            if (meta["kseq"].get<std::uint64_t>() == s.pseq + 1) { // the seam rule
                const auto body = json::parse(parts.body);         // outlives the loop
                for (const auto& op : body["data"])
                    apply(s.doc, op);
                s.pseq = meta["kseq"];
            } else {
                behind = true;
            }
        }
        if (behind) {
            std::cerr << "resync: epoch " << meta["epoch"] << ", behind at patch " << s.pseq
                      << "\n";
            s = snapshot(req);
        }
    }
    std::cout << s.doc.dump() << "\n";
    return 0;
} catch (const std::exception& e) {
    std::cerr << "follow_state: " << e.what() << "\n";
    return 1;
}
