# Fails if clang-format-16 would change any C++ file of the repository (cmake -P).
find_program(CLANG_FORMAT NAMES clang-format-16)
if(NOT CLANG_FORMAT)
    message(FATAL_ERROR "clang-format-16 not found: apt-get install clang-format-16")
endif()
file(GLOB_RECURSE files
    ${SOURCE_DIR}/include/*.hpp ${SOURCE_DIR}/tests/*.cpp ${SOURCE_DIR}/tests/*.hpp
    ${SOURCE_DIR}/bench/*.cpp ${SOURCE_DIR}/bench/*.hpp ${SOURCE_DIR}/examples/*.cpp
    ${SOURCE_DIR}/examples/*.hpp ${SOURCE_DIR}/fuzz/*.cpp ${SOURCE_DIR}/fuzz/*.hpp)
execute_process(COMMAND ${CLANG_FORMAT} --dry-run --Werror ${files}
    RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "clang-format-16 would change these files (run scripts/format.sh):\n${err}")
endif()
list(LENGTH files n)
message(STATUS "format: ${n} files clean")
