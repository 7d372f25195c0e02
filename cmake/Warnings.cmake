# Strict warnings, sanitizers and coverage flags for every viosim target.
set(VIOSIM_WARNINGS
  -Wall -Wextra -Wpedantic -Wconversion -Wsign-conversion -Wshadow
  -Wcast-qual -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Wundef
  -Wimplicit-fallthrough -Wswitch-enum -Wvla)

function(viosim_target_warnings target)
  target_compile_options(${target} PRIVATE ${VIOSIM_WARNINGS})
  if(VIOSIM_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

if(VIOSIM_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all
                      -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined -fno-sanitize-recover=all)
endif()

if(VIOSIM_COVERAGE)
  add_compile_options(--coverage -O0)
  add_link_options(--coverage)
endif()
