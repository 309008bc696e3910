# valgrind on a small case (memcheck; definite leaks and errors fail).
find_program(VALGRIND valgrind)
if(VALGRIND AND NOT SOCAP_SANITIZE)
  add_test(NAME valgrind_run COMMAND ${VALGRIND} --error-exitcode=9 --leak-check=full
           --errors-for-leak-kinds=definite --show-leak-kinds=definite
           $<TARGET_FILE:socap_cli> run ${CMAKE_CURRENT_SOURCE_DIR}/data/tiny.yaml
           -o ${CMAKE_CURRENT_BINARY_DIR}/valgrind_tiny.h5 --force --quiet --threads 2)
  set_tests_properties(valgrind_run PROPERTIES LABELS "valgrind;nosan")
endif()
