// Fuzz target: patch bodies applied to a subscriber's replica, as om-sub does with what the
// pub socket brings. Each line is one patch body, numbered 1, 2, 3... Property: apply gives
// Applied, Old, Gap or Error and never throws or crashes, whatever the body.
#include "json_parse.hpp"
#include "replica.hpp"

#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    om::sub::Replica replica;
    replica.reset(1, 0, om::json::parse(R"({"cluster":{"name":"c","nodes":["n1"]},
        "monitor":{"nodes":{"n1":{"frozen":0,"list":[1,2,3]}},"services":{}},"heartbeats":{}})"));
    om::JsonParser parser;
    std::string_view input(reinterpret_cast<const char*>(data), size);
    for (std::uint64_t id = 1; !input.empty(); ++id) {
        const auto end = input.find('\n');
        const auto body = input.substr(0, end);
        input = end == std::string_view::npos ? std::string_view() : input.substr(end + 1);
        try {
            (void)replica.apply(id, parser.parse(body));
        } catch (const simdjson::simdjson_error&) {
            // Not JSON: om-sub drops such a message before it reaches the replica.
        }
        if (!replica.synced()) replica.reset(1, id, replica.doc()); // as after a resync
    }
    return 0;
}
