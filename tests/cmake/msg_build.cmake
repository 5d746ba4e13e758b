# Message builder: differential test against Python's email package
# (stdlib only), driven through the mw-compose example.
if(MW_BUILD_TESTS AND TARGET mw-compose)
  find_package(Python3 COMPONENTS Interpreter)
  if(Python3_Interpreter_FOUND)
    add_test(NAME diff_msg_build
             COMMAND ${Python3_EXECUTABLE}
                     ${PROJECT_SOURCE_DIR}/tests/diff/build/diff_build.py
                     $<TARGET_FILE:mw-compose> --count 300)
  endif()
endif()
