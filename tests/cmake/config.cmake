# YAML configuration loader: unit tests (every bad config checked in C) and
# the CLI-level check of `socap validate` / `socap run` on the bad configs.
socap_c_test(test_config ${CMAKE_CURRENT_SOURCE_DIR}/test_config.c)
target_compile_definitions(test_config PRIVATE
  SOCAP_BAD_CONFIG_DIR="${CMAKE_CURRENT_SOURCE_DIR}/bad_configs"
  SOCAP_EXAMPLE_FULL="${CMAKE_SOURCE_DIR}/configs/example_full.yaml")
set_tests_properties(test_config PROPERTIES WORKING_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR})

add_test(NAME test_bad_configs
  COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/test_bad_configs.sh
          ${CMAKE_CURRENT_SOURCE_DIR}/bad_configs ${CMAKE_SOURCE_DIR}/configs/example_full.yaml)
set_tests_properties(test_bad_configs PROPERTIES ENVIRONMENT "${SOCAP_TEST_ENV}" LABELS "cli")
