# Sweeps (sim/sweep.c, sim/cli_sweep.c, sim/sweep_mpi.c). See docs/sweeps.md.
socap_c_test(test_sweep ${CMAKE_CURRENT_SOURCE_DIR}/test_sweep.c)

# The shell tests read HDF5 files with PYTHON's h5py; without it they exit 77
# and ctest reports them as skipped (not passed).
add_test(NAME sweep_identity COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/sweep_identity.sh)
add_test(NAME sweep_failures COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/sweep_failures.sh)
# /design encoding of enum, bool, string, list and integer axes (tests/data/sweep_design.yaml)
add_test(NAME sweep_design COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/sweep_design.sh)
set_tests_properties(sweep_identity sweep_failures sweep_design PROPERTIES
  ENVIRONMENT "${SOCAP_TEST_ENV}" LABELS "cli;sweep" SKIP_RETURN_CODE 77 TIMEOUT 300)

# MPI: if this build is not an MPI build, the test configures and builds one
# (target socap only) in mpi-build/ and runs `mpirun -np 3` with it.
if(SOCAP_MPI)
  set(SWEEP_MPI_ENV "SOCAP_IS_MPI=1")
else()
  set(SWEEP_MPI_ENV "SOCAP_IS_MPI=0")
endif()
add_test(NAME sweep_mpi COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/sweep_mpi.sh)
set_tests_properties(sweep_mpi PROPERTIES
  ENVIRONMENT "${SOCAP_TEST_ENV};${SWEEP_MPI_ENV};CMAKE=${CMAKE_COMMAND};MPI_BUILD=${CMAKE_BINARY_DIR}/mpi-build"
  LABELS "cli;sweep;mpi;nosan" SKIP_RETURN_CODE 77 TIMEOUT 600)
