# Interop test 1: mw-send against a real Postfix started by the test itself
# (tests/interop/postfix/). Label "interop"; it skips (77) with a visible
# message when postfix or root is missing, and fails instead under CI=true.
if(MW_BUILD_TESTS AND TARGET mw-send AND TARGET mw-compose)
  find_program(MW_PYTHON3 python3)
  if(MW_PYTHON3)
    if(TARGET mailwire_tls_static)
      set(mw_send_tls 1)
    else()
      set(mw_send_tls 0)
    endif()
    add_test(NAME interop_postfix_send
             COMMAND ${MW_PYTHON3}
                     ${PROJECT_SOURCE_DIR}/tests/interop/postfix/send_to_postfix.py
                     $<TARGET_FILE:mw-send> $<TARGET_FILE:mw-compose> ${mw_send_tls})
    set_tests_properties(interop_postfix_send PROPERTIES
      LABELS interop SKIP_RETURN_CODE 77 TIMEOUT 180 RUN_SERIAL TRUE)
  endif()
endif()
