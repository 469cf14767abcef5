# A benchmark binary run with --benchmark_format=json prints Google Benchmark's JSON and nothing
# else on stdout (what compare.py and CI trackers read); its own tables go to stderr.
# cmake -DBENCH=<binary> -DARGS=<arguments, comma-separated>
#       -DTABLE=<texts the stderr tables hold, comma-separated> -P this
string(REPLACE "," ";" ARGS "${ARGS}")
string(REPLACE "," ";" TABLE "${TABLE}")
execute_process(COMMAND ${BENCH} --benchmark_format=json ${ARGS}
    OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${BENCH} exited ${rc}:\n${err}")
endif()
string(JSON count ERROR_VARIABLE json_error LENGTH "${out}" benchmarks)
if(json_error)
    message(FATAL_ERROR "stdout of ${BENCH} is not Google Benchmark's JSON (${json_error}):\n${out}")
endif()
if(count LESS 1)
    message(FATAL_ERROR "no benchmarks in the JSON:\n${out}")
endif()
string(JSON first GET "${out}" benchmarks 0 name)
string(JSON executable GET "${out}" context executable)
# Nothing but the JSON document: it starts with '{' and ends with '}'.
string(STRIP "${out}" stripped)
string(REGEX MATCH "^\\{.*\\}$" whole "${stripped}")
if(NOT whole)
    message(FATAL_ERROR "stdout holds more than the JSON document:\n${out}")
endif()
foreach(text IN LISTS TABLE)
    string(FIND "${err}" "${text}" at)
    if(at EQUAL -1)
        message(FATAL_ERROR "the table (\"${text}\") is not on stderr:\n${err}")
    endif()
endforeach()
message(STATUS "${count} benchmarks in the JSON (first: ${first}); tables on stderr")
