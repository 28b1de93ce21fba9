// Reading a whole (small) file: config files, JSON sources, the hooks cursor.
#pragma once

#include <optional>
#include <string>

namespace om {

// The whole content of the file at `path`; nullopt when it cannot be opened or read.
std::optional<std::string> read_file_text(const std::string& path);

} // namespace om
