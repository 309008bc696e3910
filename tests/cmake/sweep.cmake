# Sweeps (sim/sweep.c, sim/cli_sweep.c, sim/sweep_mpi.c). See docs/sweeps.md.
socap_c_test(test_sweep ${CMAKE_CURRENT_SOURCE_DIR}/test_sweep.c)

add_test(NAME sweep_identity COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/sweep_identity.sh)
add_test(NAME sweep_failures COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/sweep_failures.sh)
set_tests_properties(sweep_identity sweep_failures PROPERTIES
  ENVIRONMENT "${SOCAP_TEST_ENV}" LABELS "cli;sweep" TIMEOUT 300)
# kill -9 leaves sanitizer-instrumented processes' output half written; fine,
# but the sanitizer build is too slow for the timing of the kill loop.
set_tests_properties(sweep_identity PROPERTIES LABELS "cli;sweep")
