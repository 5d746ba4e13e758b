# IMAP codec interop (tests/interop/imap/), label "interop": a session with
# a real Dovecot IMAP server whose client bytes all come from mailwire's
# serializer and whose server bytes are all read back by its parser.
# A missing peer (dovecot-imapd, root) is a visible SKIP (77), and a
# failure under CI=true.
if(MW_BUILD_TESTS AND TARGET mw-imap-dump AND TARGET mw-parse)
  find_program(MW_PYTHON3 python3)
  if(MW_PYTHON3)
    add_test(NAME interop_dovecot_imap_codec
             COMMAND ${MW_PYTHON3}
                     ${PROJECT_SOURCE_DIR}/tests/interop/imap/codec_vs_dovecot.py
                     $<TARGET_FILE:mw-imap-dump> $<TARGET_FILE:mw-parse>
                     ${PROJECT_SOURCE_DIR}/tests/diff/msg)
    set_tests_properties(interop_dovecot_imap_codec PROPERTIES
      LABELS interop SKIP_RETURN_CODE 77 TIMEOUT 180 RUN_SERIAL TRUE)
  endif()
endif()
