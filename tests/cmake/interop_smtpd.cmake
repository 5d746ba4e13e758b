# Interop tests 2-4 of mw-smtpd (tests/interop/smtpd/): real clients
# (Python smtplib, swaks, curl) -> mw-smtpd; SMTP smuggling
# (CVE-2023-51764/51765/51766) and STARTTLS command injection from a raw
# socket client; faults and 200 concurrent connections. Label "interop".
# Each test starts mw-smtpd itself on 127.0.0.1:0 in a temporary directory
# and stops it by pid. A missing peer (swaks, curl, openssl, python3) is a
# visible SKIP (exit 77), and a failure when CI=true.
if(MW_BUILD_TESTS AND TARGET mw-smtpd)
  if(TARGET mailwire_tls_static)
    set(mw_smtpd_tls 1)
  else()
    set(mw_smtpd_tls 0)
  endif()
  find_program(MW_SMTPD_PYTHON3 NAMES python3)
  set(mw_smtpd_dir ${PROJECT_SOURCE_DIR}/tests/interop/smtpd)
  foreach(pair "clients:clients.py" "smuggling_cve_2023_51764:smuggling.py"
               "faults:faults.py")
    string(REPLACE ":" ";" pair "${pair}")
    list(GET pair 0 name)
    list(GET pair 1 script)
    set(test interop_smtpd_${name})
    if(MW_SMTPD_PYTHON3)
      add_test(NAME ${test}
               COMMAND ${MW_SMTPD_PYTHON3} ${mw_smtpd_dir}/${script}
                       $<TARGET_FILE:mw-smtpd> ${mw_smtpd_tls})
    else()
      add_test(NAME ${test}
               COMMAND sh -c "echo 'SKIP: python3 not installed'; [ \"$CI\" = true ] && exit 1; exit 77")
    endif()
    set_tests_properties(${test} PROPERTIES
      LABELS interop SKIP_RETURN_CODE 77 TIMEOUT 120)
  endforeach()
endif()
