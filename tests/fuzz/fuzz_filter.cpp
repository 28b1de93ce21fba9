// Fuzz target: the filter grammar (om-sub --filter, hooks' filter). The first line is the
// filter; the rest, when it is JSON, the document it is evaluated on (else a fixed one).
// Property: parse either throws FilterError or gives a filter that evaluates without
// throwing, and whose negation holds exactly when it does not.
#include "filter.hpp"

#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    const auto nl = input.find('\n');
    const auto text = input.substr(0, nl);
    auto doc = nl == std::string_view::npos
                   ? om::json::parse(R"({"monitor":{"nodes":{"n1":{"frozen":0,"load":1.5,
                       "speaker":true,"services":{"status":{"ha1":{"avail":"up"}}}}}}})")
                   : om::json::parse(input.substr(nl + 1), nullptr, false);
    if (doc.is_discarded()) return 0;
    try {
        const auto f = om::Filter::parse(text);
        const bool holds = f.matches(doc);
        if (text.find_first_not_of(' ') != std::string_view::npos &&
            text[text.find_first_not_of(' ')] != '!') {
            const auto negated = om::Filter::parse("!" + std::string(text));
            if (negated.matches(doc) == holds) std::abort();
        }
    } catch (const om::FilterError&) {
    }
    return 0;
}
