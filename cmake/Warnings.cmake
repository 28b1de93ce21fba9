# ombus_warnings: an interface target that every ombus target links to get the warning set.
add_library(ombus_warnings INTERFACE)
target_compile_options(ombus_warnings INTERFACE
  -Wall -Wextra -Wpedantic
  -Wshadow             # a shadowed name in a parser is a bug waiting to happen
  -Wnon-virtual-dtor
  -Wold-style-cast
  -Wcast-align
  -Woverloaded-virtual
  -Wimplicit-fallthrough)
if(OMBUS_WERROR)
  target_compile_options(ombus_warnings INTERFACE -Werror)
endif()
