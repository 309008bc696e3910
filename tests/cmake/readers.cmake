# Python and R readers of socap output (scripts/socap.py, scripts/socap.R).
# Both suites run socap themselves (SOCAP from SOCAP_TEST_ENV) to make a run
# file and a merged sweep in a temporary directory.
#
# pytest exits with 5 when it collects no test, so an empty suite fails here.
add_test(NAME readers_python
  COMMAND ${SOCAP_PYTHON} -B -m pytest -q -p no:cacheprovider ${CMAKE_CURRENT_SOURCE_DIR}/python)
set_tests_properties(readers_python PROPERTIES
  ENVIRONMENT "${SOCAP_TEST_ENV};MPLBACKEND=Agg;PYTHONDONTWRITEBYTECODE=1"
  LABELS "python;readers" TIMEOUT 300)

find_program(SOCAP_RSCRIPT Rscript)
add_test(NAME readers_r
  COMMAND ${SOCAP_RSCRIPT} ${CMAKE_CURRENT_SOURCE_DIR}/R/run_tests.R)
set_tests_properties(readers_r PROPERTIES
  ENVIRONMENT "${SOCAP_TEST_ENV};PYTHONDONTWRITEBYTECODE=1"
  LABELS "R;readers" TIMEOUT 300)
if(NOT SOCAP_RSCRIPT)
  message(WARNING "Rscript not found: readers_r is disabled "
                  "(apt-get install r-base-core r-cran-hdf5r)")
  set_tests_properties(readers_r PROPERTIES DISABLED TRUE)
endif()
