# Differential test of the message parser: mw-parse against Python's email
# package (policy.default) over a seeded generated corpus plus the
# hand-written tests/diff/msg/cases/*.eml. Disagreements must be listed with
# their reason in tests/diff/msg/known-differences.txt.
if(MW_BUILD_TESTS AND TARGET mw-parse)
  # Debian's python3 first (the issue names it); any python3 otherwise.
  find_program(MW_MSG_DIFF_PYTHON NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH)
  if(NOT MW_MSG_DIFF_PYTHON)
    find_program(MW_MSG_DIFF_PYTHON NAMES python3)
  endif()
  if(MW_MSG_DIFF_PYTHON)
    add_test(NAME msg_diff_python
             COMMAND ${MW_MSG_DIFF_PYTHON} ${PROJECT_SOURCE_DIR}/tests/diff/msg/run_diff.py
                     $<TARGET_FILE:mw-parse> --seed 20260101 --count 3000)
    set_tests_properties(msg_diff_python PROPERTIES TIMEOUT 180)
  else()
    message(STATUS "python3 not found: msg_diff_python test skipped")
  endif()
endif()
