# Warnings are errors in every build. Each flag is probed so an older or
# different compiler drops what it does not know instead of failing.
include(CheckCCompilerFlag)
set(SC_WARNING_FLAGS "")
foreach(flag -Wall -Wextra -Werror -Wshadow -Wconversion -Wstrict-prototypes
             -Wmissing-prototypes -Wformat=2 -Wvla -Wimplicit-fallthrough)
  string(MAKE_C_IDENTIFIER "HAS${flag}" var)
  check_c_compiler_flag(${flag} ${var})
  if(${var})
    list(APPEND SC_WARNING_FLAGS ${flag})
  endif()
endforeach()

function(sc_warnings target)
  target_compile_options(${target} PRIVATE ${SC_WARNING_FLAGS})
endfunction()
