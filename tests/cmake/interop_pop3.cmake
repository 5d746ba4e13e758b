# POP3 interop tests (tests/interop/pop3/), label "interop":
#  1. mw-fetch against a real Dovecot POP3 server started by the test;
#  2. Python's poplib and curl against mw-pop3d, and 3. a dropped
#     connection before QUIT deleting nothing.
# A missing peer (dovecot, root, curl) is a visible SKIP (77), and a
# failure under CI=true.
if(MW_BUILD_TESTS AND TARGET mw-fetch)
  find_program(MW_PYTHON3 python3)
  if(MW_PYTHON3)
    if(TARGET mailwire_tls_static)
      set(mw_pop3_tls 1)
    else()
      set(mw_pop3_tls 0)
    endif()
    add_test(NAME interop_dovecot_pop3_fetch
             COMMAND ${MW_PYTHON3}
                     ${PROJECT_SOURCE_DIR}/tests/interop/pop3/fetch_from_dovecot.py
                     $<TARGET_FILE:mw-fetch> ${mw_pop3_tls})
    set_tests_properties(interop_dovecot_pop3_fetch PROPERTIES
      LABELS interop SKIP_RETURN_CODE 77 TIMEOUT 120 RUN_SERIAL TRUE)
    if(TARGET mw-pop3d)
      add_test(NAME interop_pop3d_clients
               COMMAND ${MW_PYTHON3}
                       ${PROJECT_SOURCE_DIR}/tests/interop/pop3/clients_to_pop3d.py
                       $<TARGET_FILE:mw-pop3d> $<TARGET_FILE:mw-fetch>
                       ${mw_pop3_tls})
      set_tests_properties(interop_pop3d_clients PROPERTIES
        LABELS interop SKIP_RETURN_CODE 77 TIMEOUT 120)
    endif()
  endif()
endif()
