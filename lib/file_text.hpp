// Whole files and whole writes: config files, JSON sources, the hooks cursor and the broker
// journal read at once; writes that survive signals (EINTR) and crashes (write aside, then
// rename over).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace om {

// The whole content of the file at `path`; nullopt when it cannot be opened or read.
std::optional<std::string> read_file_text(const std::string& path);

// Writes all of data to fd, again after a signal interrupts it; false (errno set) when it
// cannot.
bool write_all(int fd, std::string_view data);

// Replaces the file at path with text: written to path + ".tmp", then renamed over it, so a
// crash leaves the old file or the new one, whole. Throws std::runtime_error naming the file
// and `what` ("the hook cursor") when it cannot.
void replace_file(const std::string& path, std::string_view text, const std::string& what);

} // namespace om
