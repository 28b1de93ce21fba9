# OMBUS_SANITIZE=ON builds everything with AddressSanitizer and UndefinedBehaviorSanitizer.
# Applied globally so that tests, programs and the library agree on the runtime.
if(OMBUS_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
