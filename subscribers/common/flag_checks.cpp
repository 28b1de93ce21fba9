// Checks of flag values (see flag_checks.hpp).
#include "flag_checks.hpp"

#include "duration.hpp"

#include <string>

namespace om::sub {

CLI::Validator count_check(long long min) {
    return CLI::Validator(
        [min](std::string& text) -> std::string {
            try {
                std::size_t used = 0;
                if (std::stoll(text, &used) >= min && used == text.size()) return "";
            } catch (const std::exception&) {
                // not a number, or out of range: the message below says what is wanted
            }
            return "must be a whole number of at least " + std::to_string(min);
        },
        "N");
}

CLI::Validator duration_check() {
    return CLI::Validator(
        [](std::string& text) -> std::string {
            try {
                return parse_duration(text).count() > 0 ? "" : "must be more than 0";
            } catch (const std::exception& e) {
                return e.what();
            }
        },
        "DURATION");
}

} // namespace om::sub
