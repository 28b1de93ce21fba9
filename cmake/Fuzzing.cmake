# OMBUS_FUZZ=ON (with clang: CC=clang-14 CXX=clang++-14) instruments everything for libFuzzer
# with AddressSanitizer and UndefinedBehaviorSanitizer, and builds the targets of
# tests/fuzz/. scripts/fuzz.sh configures, builds and runs them.
option(OMBUS_FUZZ "Build the libFuzzer targets (clang only)" OFF)
if(OMBUS_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "OMBUS_FUZZ needs clang (libFuzzer): configure with CXX=clang++-14")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
