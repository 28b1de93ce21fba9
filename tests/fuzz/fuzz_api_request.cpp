// Fuzz target: a frame on the broker's api socket. Property: never throws; a replay parsed
// from a frame is the same request when written back as JSON and parsed again.
#include "api_request.hpp"

#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using om::ApiRequest;
    const auto r = om::parse_api_request({reinterpret_cast<const char*>(data), size});
    if (r.op == ApiRequest::Op::Replay) {
        const auto again = om::parse_api_request(
            nlohmann::json{{"op", "replay"}, {"epoch", r.epoch}, {"after", r.after}}.dump());
        if (again.op != r.op || again.epoch != r.epoch || again.after != r.after) std::abort();
    }
    return 0;
}
