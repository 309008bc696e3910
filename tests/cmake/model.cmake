socap_c_test(test_model ${CMAKE_CURRENT_SOURCE_DIR}/test_model.c)
# The pinned fingerprints on their own, so that a machine whose libm cannot
# compare them shows the test as skipped (exit 77) instead of passed.
add_test(NAME test_model_pinned COMMAND test_model --pinned)
set_tests_properties(test_model_pinned PROPERTIES LABELS "unit" SKIP_RETURN_CODE 77)
