socap_c_test(test_model ${CMAKE_CURRENT_SOURCE_DIR}/test_model.c)
