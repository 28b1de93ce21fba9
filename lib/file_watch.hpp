// FileWatch: tells when a watched file's content has changed, for the daemons that reload
// a file while they run (om-pub's config and JSON source, om-sub hooks' config).
#pragma once

#include <filesystem>
#include <string>

namespace om {

class FileWatch {
  public:
    enum class State { unchanged, changed, unreadable };

    // Watches `path`; nothing is seen yet, so the first check() of a readable file is
    // `changed`.
    explicit FileWatch(std::string path);

    // Looks at the file: `changed` when its content differs from the content last seen
    // (then text() is the new content), `unreadable` when it cannot be read (the content
    // last seen is kept), else `unchanged`. A stat decides when a read is needed, except
    // with `force` and for a file modified within the last seconds, whose next write could
    // leave its time and size as they were: such a file is read at every check.
    State check(bool force = false);

    const std::string& path() const { return path_; }
    // The content last seen ("" before any).
    const std::string& text() const { return text_; }

  private:
    std::string path_;
    std::string text_;
    bool seen_ = false;
    bool recent_ = false; // modified shortly before it was last read
    std::filesystem::file_time_type mtime_{};
    std::uintmax_t size_ = 0;
};

} // namespace om
