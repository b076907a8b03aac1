# validate/cmake/expect_exit.cmake — runs CMD ARG1 ARG2 and fails unless the exit code is
# EXPECT_RC and stderr contains EXPECT_MSG (CTest alone can only tell zero from non-zero).
execute_process(COMMAND ${CMD} ${ARG1} ${ARG2} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc STREQUAL "${EXPECT_RC}")
  message(FATAL_ERROR "exit code ${rc}, expected ${EXPECT_RC}\nstderr: ${err}")
endif()
string(FIND "${err}" "${EXPECT_MSG}" pos)
if(pos EQUAL -1)
  message(FATAL_ERROR "stderr lacks '${EXPECT_MSG}'\nstderr: ${err}")
endif()
