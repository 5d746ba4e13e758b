# TLS transport tests (tests/tls/test_tls_*.c): they link libmailwire-tls
# and make their certificates at run time with OpenSSL's API.
if(MW_BUILD_TESTS AND TARGET mailwire_tls_static)
  file(GLOB MW_TLS_TESTS CONFIGURE_DEPENDS
       ${CMAKE_CURRENT_SOURCE_DIR}/tls/test_tls_*.c)
  foreach(src IN LISTS MW_TLS_TESTS)
    get_filename_component(name ${src} NAME_WE)
    add_executable(${name} ${src} ${CMAKE_CURRENT_SOURCE_DIR}/tls/tls_testcert.c)
    target_include_directories(${name} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/tls)
    target_link_libraries(${name} PRIVATE mailwire_tls_static mw_test_support
                          OpenSSL::SSL OpenSSL::Crypto)
    target_compile_options(${name} PRIVATE ${MW_WARNINGS})
    add_test(NAME ${name} COMMAND ${name})
    set_tests_properties(${name} PROPERTIES LABELS tls)
  endforeach()
endif()
