// Tests of lib/file_text: whole-file reads.
#include "file_text.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>
#include <fstream>

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
