// Human-readable rendering of patches and events.
#include "human_format.hpp"

#include "log.hpp"

#include "duration.hpp"
#include "event_text.hpp"
#include "json_fields.hpp"
#include "wire.hpp"

#include <cctype>
#include <cmath>
#include <ctime>

namespace om::sub {

namespace {
std::string upper(std::string s) {
    for (auto& c : s)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
}
} // namespace

std::string format_time(double ts) {
    return format_local_time(ts, 6);
}

std::string format_age(double seconds) {
    if (seconds < 60) return fmt::format("{:.1f}s", seconds);
    // Whole seconds past a minute: the milliseconds would be noise.
    return format_duration(Millis(static_cast<long long>(std::floor(seconds)) * 1000));
}

std::string format_human(const json& msg, const OldValues* old) {
    const double ts =
        msg.contains("ts") && msg["ts"].is_number() ? msg["ts"].get<double>() : wire::now_ts();
    const auto kind = string_or(msg, "kind", "?");
    std::string out = format_time(ts) + " " + string_or(msg, "nodename", "-") + " " + kind + "\n";
    const auto& data = msg.contains("data") ? msg["data"] : json(nullptr);
    if (kind == "patch" && data.is_array()) {
        // The old values go with the operations in order, one each (Replica::apply).
        if (old && old->size() != data.size()) old = nullptr;
        for (std::size_t i = 0; i < data.size(); ++i) {
            const auto& op = data[i];
            if (!op.is_array() || op.empty()) continue;
            std::string path;
            try {
                path = to_dotted(path_from_json(op[0]));
            } catch (const PathError&) {
                path = op[0].dump();
            }
            out += "  " + path;
            if (!old) {
                out += op.size() > 1 ? " => " + scalar_text(op[1]) : " deleted";
            } else {
                const auto& was = (*old)[i];
                out += was ? " " + scalar_text(*was) : " (new)";
                out += op.size() > 1 ? " => " + scalar_text(op[1]) : " => (deleted)";
            }
            out += "\n";
        }
    } else if (data.is_object()) {
        if (auto text = event_text(data); !text.empty()) out += "  " + text + "\n";
        for (auto it = data.begin(); it != data.end(); ++it)
            out += "  " + upper(it.key()) + "=" + scalar_text(it.value()) + "\n";
    }
    return out;
}

std::string format_notice(const std::string& text) {
    return format_time(wire::now_ts()) + " - notice\n  " + text + "\n";
}

} // namespace om::sub
