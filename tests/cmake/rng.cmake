socap_c_test(test_rng ${CMAKE_CURRENT_SOURCE_DIR}/test_rng.c)
target_compile_definitions(test_rng PRIVATE GOLDEN_FIRST=421752971)
