add_test(NAME cli_behaviour COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/cli_behaviour.sh)
add_test(NAME cli_determinism COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/cli_determinism.sh)
add_test(NAME e2e_quickstart COMMAND ${SOCAP_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/e2e_quickstart.py
         $<TARGET_FILE:socap_cli> ${CMAKE_SOURCE_DIR} ${CMAKE_CURRENT_BINARY_DIR})
set_tests_properties(cli_behaviour cli_determinism e2e_quickstart PROPERTIES ENVIRONMENT "${SOCAP_TEST_ENV}" LABELS "cli")

# cmake --install puts the binary, the library, the public headers and the
# pkg-config file in place, and a program of its own builds against them.
find_program(SOCAP_PKG_CONFIG pkg-config)
set(SOCAP_PROG_FLAGS "")
if(SOCAP_SANITIZE)
  set(SOCAP_PROG_FLAGS "-fsanitize=address,undefined") # the installed library was built with them
endif()
add_test(NAME install_tree COMMAND ${CMAKE_COMMAND} -DBUILD=${CMAKE_BINARY_DIR} -DEXTRA=${SOCAP_PROG_FLAGS}
         -DPREFIX=${CMAKE_CURRENT_BINARY_DIR}/install_tree -DCC=${CMAKE_C_COMPILER}
         -DPKG_CONFIG=${SOCAP_PKG_CONFIG} -DPROG=${CMAKE_CURRENT_SOURCE_DIR}/install_prog.c
         -P ${CMAKE_CURRENT_SOURCE_DIR}/install_check.cmake)
set_tests_properties(install_tree PROPERTIES LABELS "cli")
# Output safety: non-regular outputs, output == input, full disk (root: tmpfs),
# two writers of one output, interrupted runs, -o '' and messages, --help.
add_test(NAME cli_output_safety COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/cli_output_safety.sh)
set_tests_properties(cli_output_safety PROPERTIES ENVIRONMENT "${SOCAP_TEST_ENV}" LABELS "cli" TIMEOUT 600)
