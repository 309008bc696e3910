# The git commit in --version and /provenance is read at build time.
add_test(NAME version_commit COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/version_commit.sh)
set_tests_properties(version_commit PROPERTIES ENVIRONMENT "${SOCAP_TEST_ENV}" LABELS "cli" SKIP_RETURN_CODE 77)
