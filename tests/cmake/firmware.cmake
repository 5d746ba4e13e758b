# The firmware alert program of tools/cross.sh, also built and run on the
# host: the SMTP client in static storage must deliver the alert.
if(MW_WITH_SMTP AND MW_WITH_MSG)
  add_executable(firmware_alert_host ${PROJECT_SOURCE_DIR}/tests/cross/firmware_main.c)
  target_link_libraries(firmware_alert_host PRIVATE mailwire_static)
  target_compile_options(firmware_alert_host PRIVATE ${MW_WARNINGS})
  add_test(NAME firmware_alert_host COMMAND firmware_alert_host)
endif()
