// Fuzz target: the META and tick frames of the pub socket, as subscribers parse them.
// Property: a frame that parses is written back by format_* into a frame that parses to
// the same numbers.
#include "wire.hpp"

#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view frame(reinterpret_cast<const char*>(data), size);
    if (const auto m = om::wire::parse_meta(frame)) {
        const auto again = om::wire::parse_meta(om::wire::format_meta(*m));
        if (!again || again->epoch != m->epoch || again->seq != m->seq || again->kseq != m->kseq ||
            again->tseq != m->tseq || again->inc != m->inc || again->eid != m->eid ||
            again->resent != m->resent)
            std::abort();
    }
    if (const auto t = om::wire::parse_tick(frame)) {
        const auto again = om::wire::parse_tick(om::wire::format_tick(*t));
        if (!again || om::wire::format_tick(*again) != om::wire::format_tick(*t)) std::abort();
    }
    return 0;
}
