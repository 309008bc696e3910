# HDF5 output module (sim/h5out.c).
socap_c_test(test_h5out ${CMAKE_CURRENT_SOURCE_DIR}/test_h5out.c)

# The same binary writes a sample file; h5py and h5diff check it from outside.
set(H5OUT_SAMPLE ${CMAKE_CURRENT_BINARY_DIR}/h5out_sample.h5)
set(H5OUT_SAMPLE2 ${CMAKE_CURRENT_BINARY_DIR}/h5out_sample2.h5)
add_test(NAME h5out_write_sample COMMAND test_h5out ${H5OUT_SAMPLE})
add_test(NAME h5out_write_sample2 COMMAND test_h5out ${H5OUT_SAMPLE2})
set_tests_properties(h5out_write_sample h5out_write_sample2 PROPERTIES
  FIXTURES_SETUP h5out_sample LABELS "unit")

if(SOCAP_PYTHON)
  add_test(NAME h5out_read_py
    COMMAND ${SOCAP_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/h5out_read.py ${H5OUT_SAMPLE})
  # 77: h5py is not installed for this python.
  set_tests_properties(h5out_read_py PROPERTIES
    FIXTURES_REQUIRED h5out_sample SKIP_RETURN_CODE 77 LABELS "python")
endif()

if(H5DIFF)
  # Two independent runs must be identical to h5diff (no timestamps), shapes
  # included (tests/h5same.sh: h5diff 1.10 exits 0 on a shape mismatch).
  add_test(NAME h5out_h5diff COMMAND bash ${CMAKE_SOURCE_DIR}/tests/h5same.sh ${H5OUT_SAMPLE} ${H5OUT_SAMPLE2})
  set_tests_properties(h5out_h5diff PROPERTIES FIXTURES_REQUIRED h5out_sample ENVIRONMENT "H5DIFF=${H5DIFF}"
    LABELS "unit")
  # the helper itself: it must fail where h5diff's exit status does not
  add_test(NAME h5same_check COMMAND bash ${CMAKE_SOURCE_DIR}/tests/h5same_check.sh)
  set_tests_properties(h5same_check PROPERTIES ENVIRONMENT "${SOCAP_TEST_ENV}" LABELS "unit")
endif()

add_test(NAME h5out_identical
  COMMAND ${CMAKE_COMMAND} -E compare_files ${H5OUT_SAMPLE} ${H5OUT_SAMPLE2})
set_tests_properties(h5out_identical PROPERTIES FIXTURES_REQUIRED h5out_sample LABELS "unit")
