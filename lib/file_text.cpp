// Whole-file reads (see file_text.hpp).
#include "file_text.hpp"

#include <fstream>
#include <sstream>

namespace om {

std::optional<std::string> read_file_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::stringstream ss;
    ss << in.rdbuf();
    if (in.bad()) return std::nullopt;
    return std::move(ss).str();
}

} // namespace om
