# Finds every dependency from Debian 12's packages (scripts/install-deps.sh installs them).
# Nothing is vendored or downloaded.
find_package(cppzmq REQUIRED)          # target cppzmq, which also brings libzmq
find_package(simdjson REQUIRED)        # no version: its check only accepts the same major.minor
find_package(nlohmann_json 3 REQUIRED)
find_package(toml11 3 REQUIRED)
find_package(CLI11 REQUIRED)
find_package(fmt 9 REQUIRED)            # used header-only: no library to ship beside ours
find_package(Threads REQUIRED)
# jemalloc serves om-sub and om-relay: its huge-page arena holds a large snapshot's tree
# (subscribers/common/huge_page_arena.hpp). Not in the sanitizer and fuzzing builds, whose
# allocator must serve every call; they then use glibc's malloc and 4 KiB pages.
if(NOT OMBUS_SANITIZE AND NOT OMBUS_FUZZ)
  find_package(PkgConfig REQUIRED)
  pkg_check_modules(jemalloc REQUIRED IMPORTED_TARGET jemalloc)
endif()
if(OMBUS_TESTS)
  find_package(Catch2 2 REQUIRED)
  include(Catch)
endif()
