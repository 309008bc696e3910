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

