# cmake -DBINARY=FILE -P cmake/CheckNeeded.cmake
# Fails when FILE (an ELF binary of the static build) needs a shared library
# beyond glibc's: libc, libm, libpthread, libdl, librt and the dynamic loader.
# Run after every link of kafka-agent (kafka_agent_static_executable).
if(NOT BINARY)
  message(FATAL_ERROR "usage: cmake -DBINARY=FILE -P CheckNeeded.cmake")
endif()
find_program(READELF NAMES readelf REQUIRED)
execute_process(COMMAND ${READELF} -d ${BINARY}
                OUTPUT_VARIABLE dynamic RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "readelf -d ${BINARY} failed (${rc})")
endif()
string(REGEX MATCHALL "\\(NEEDED\\)[^\n]*\\[[^]\n]+\\]" lines "${dynamic}")
set(needed "")
set(extra "")
foreach(line IN LISTS lines)
  string(REGEX REPLACE ".*\\[([^]]+)\\].*" "\\1" lib "${line}")
  list(APPEND needed ${lib})
  if(NOT lib MATCHES "^(libc\\.so\\.6|libm\\.so\\.6|libpthread\\.so\\.0|libdl\\.so\\.2|librt\\.so\\.1|ld-linux[-a-z0-9_.]*\\.so\\.[0-9]+)$")
    list(APPEND extra ${lib})
  endif()
endforeach()
if(extra)
  string(REPLACE ";" " " extra "${extra}")
  message(FATAL_ERROR
    "${BINARY} needs shared libraries beyond glibc: ${extra}. The static "
    "build (KAFKA_AGENT_STATIC=ON) links only static archives: install the "
    "library's -dev package that ships its .a, link it through "
    "cmake/StaticLink.cmake, or configure with -DKAFKA_AGENT_STATIC=OFF.")
endif()
string(REPLACE ";" " " needed "${needed}")
message(STATUS "${BINARY}: needs only ${needed}")
