# Metrics module: unit tests (closed forms, hand-made graphs, thread
# determinism, I/O) and the igraph/NetworkX oracle on generated graphs.
socap_c_test(test_metrics ${CMAKE_CURRENT_SOURCE_DIR}/test_metrics.c)

# The oracle runs `test_metrics metrics ...` (the same code as `socap metrics`)
# on graphs written by `test_metrics --write-graph`.
add_test(NAME metrics_oracle
  COMMAND ${SOCAP_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/oracle_metrics.py
          --socap $<TARGET_FILE:test_metrics> --gen $<TARGET_FILE:test_metrics>
          --workdir ${CMAKE_CURRENT_BINARY_DIR}/metrics_oracle)
set_tests_properties(metrics_oracle PROPERTIES ENVIRONMENT "${SOCAP_TEST_ENV}" LABELS "oracle")

# The same oracle on networks the simulator itself exported (/network
# snapshots of a small scenario), read by `socap metrics FILE.h5:/network/...`.
add_test(NAME metrics_oracle_sim
  COMMAND ${SOCAP_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/oracle_metrics.py
          --socap $<TARGET_FILE:socap_cli> --sim ${CMAKE_SOURCE_DIR}/tests/data/small.yaml
          --workdir ${CMAKE_CURRENT_BINARY_DIR}/metrics_oracle_sim)
set_tests_properties(metrics_oracle_sim PROPERTIES ENVIRONMENT "${SOCAP_TEST_ENV}" LABELS "oracle")

# Input validation of `socap metrics`: limits of --nodes and --threads,
# inconsistent socap HDF5 snapshots, over-long or binary CSV lines, hex and
# mixed weights, space-separated files and CR line ends (one-line errors,
# exit 2, no output).
add_test(NAME metrics_input COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/metrics_input.sh)
set_tests_properties(metrics_input PROPERTIES ENVIRONMENT "${SOCAP_TEST_ENV}" LABELS "cli")
