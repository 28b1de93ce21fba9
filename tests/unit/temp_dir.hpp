// A fresh temporary directory for one unit test, removed with its content at the end.
#pragma once

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>
#include <unistd.h>

namespace unit {

class TempDir {
  public:
    // Makes $TMPDIR/ombus-<what>-XXXXXX (the test fails if it cannot).
    explicit TempDir(const std::string& what) {
        std::string tmpl =
            (std::filesystem::temp_directory_path() / ("ombus-" + what + "-XXXXXX")).string();
        REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
        path_ = tmpl;
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    // The path of `name` inside the directory.
    std::string file(const std::string& name) const { return (path_ / name).string(); }

  private:
    std::filesystem::path path_;
};

} // namespace unit
