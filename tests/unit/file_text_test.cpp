// Tests of lib/file_text: whole-file reads and writes.
#include "file_text.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <unistd.h>

TEST_CASE("read_file_text: the whole content, bytes as they are - none for a missing file") {
    unit::TempDir dir("file-text");
    const auto path = dir.file("f");
    const std::string content("a\nb\0c\r\n", 7);
    std::ofstream(path, std::ios::binary) << content;
    CHECK(om::read_file_text(path) == content);
    std::ofstream(dir.file("empty"));
    CHECK(om::read_file_text(dir.file("empty")) == "");
    CHECK_FALSE(om::read_file_text(dir.file("missing")));
}

TEST_CASE("write_all writes everything - replace_file swaps a whole file in") {
    unit::TempDir dir("file-text");
    const auto path = dir.file("f");
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    REQUIRE(fd >= 0);
    const std::string big(1 << 20, 'x');
    CHECK(om::write_all(fd, big));
    ::close(fd);
    CHECK(om::read_file_text(path) == big);
    CHECK_FALSE(om::write_all(-1, "x")); // errno says why
    om::replace_file(path, "new\n", "the test file");
    CHECK(om::read_file_text(path) == "new\n");
    CHECK_FALSE(std::filesystem::exists(path + ".tmp"));
    const auto missing = dir.file("no/such/dir/f");
    CHECK_THROWS_WITH(om::replace_file(missing, "x", "the test file"),
                      Catch::StartsWith(missing + ".tmp: cannot write the test file: "));
}
