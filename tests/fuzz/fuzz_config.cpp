// Fuzz target: the TOML config loaders (broker.toml, node.toml, the hooks tables), as the
// daemons read them at start and at a reload. The input is the file's content. Property:
// a file either loads or is refused with ConfigError (one file:line line); nothing else is
// thrown, and warnings and errors name the file.
#include "config.hpp"
#include "hooks/hooks_config.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <sys/mman.h>
#include <unistd.h>

namespace {
// The input as a file the loaders can open by name (memfd: no disk, nothing left behind).
const std::string& input_file(const std::uint8_t* data, std::size_t size) {
    static const int fd = memfd_create("ombus-fuzz-config", 0);
    static const std::string path = "/proc/self/fd/" + std::to_string(fd);
    if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != static_cast<ssize_t>(size))
        std::abort();
    return path;
}

void check_named(const std::vector<std::string>& lines, const std::string& path) {
    for (const auto& l : lines)
        if (l.rfind(path + ":", 0) != 0) {
            std::fprintf(stderr, "not naming %s: %s\n", path.c_str(), l.c_str());
            std::abort();
        }
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto& path = input_file(data, size);
    std::vector<std::string> warnings;
    try {
        (void)om::load_broker_config(path, warnings);
    } catch (const om::ConfigError& e) {
        check_named({e.what()}, path);
    }
    try {
        (void)om::load_node_config(path, warnings);
    } catch (const om::ConfigError& e) {
        check_named({e.what()}, path);
    }
    check_named(warnings, path);
    std::vector<std::string> errors;
    try {
        (void)om::load_hooks_config(path, errors);
    } catch (const om::ConfigError& e) {
        check_named({e.what()}, path);
    }
    check_named(errors, path);
    return 0;
}
