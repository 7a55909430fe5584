# The static link of kafka-agent (KAFKA_AGENT_STATIC, default ON unless
# sanitizing or fuzzing): everything Debian ships as a static archive (gRPC, protobuf,
# Abseil, librdkafka, OpenSSL, re2, c-ares, zlib, upb, lz4, zstd,
# libmicrohttpd) is linked from
# its .a, libstdc++ and libgcc statically, with section garbage collection, so
# the binary needs no shared library beyond glibc (libc, libm, the loader). It
# starts without resolving ~60 shared libraries (see bench/README.md) and the
# FROM-scratch image carries one file instead of them.
#
# Use, in this order, from the top-level CMakeLists.txt:
#   include(cmake/StaticLink.cmake)            before any target (compile flags)
#   ... find_package(absl gRPC Protobuf spdlog), pkg_check_modules(RDKAFKA) ...
#   kafka_agent_prefer_static_archives()       after them: rewrites the imported
#                                              targets of this directory to .a
#   link kafka_agent_spdlog instead of spdlog::spdlog
#   kafka_agent_static_executable(kafka-agent) on the shipped binary (and
#                                              its code layout, hot-text.ld)
#
# With KAFKA_AGENT_STATIC=OFF all three do nothing beyond making
# kafka_agent_spdlog an alias of spdlog::spdlog: the dynamic build of before,
# which the sanitizer and fuzzer builds use (ASan/TSan want the shared runtime
# and instrumented code, not a static libstdc++).
#
# What is not a static archive in Debian, and how the static build does without:
#   spdlog, fmt   shared only; agent/link/spdlog_fmt.cc compiles their
#                 implementation headers once (kafka_agent_spdlog)
#   libsasl2.a    exists, but drags in every Cyrus plug-in (Kerberos, LDAP,
#                 SQL) and their libraries; librdkafka needs Cyrus only for
#                 GSSAPI, which agent/link/no_cyrus_sasl.cc reports unavailable
#   GnuTLS        libmicrohttpd.a refers to it for HTTPS, which the agent never
#                 uses; its static link would need p11-kit and libunistring
#                 (no archives), so agent/link/no_gnutls.cc stands in for it
#   glibc         stays shared (NSS for getaddrinfo, and a static glibc warns
#                 about exactly that)
include_guard(GLOBAL)

if(KAFKA_AGENT_SANITIZE OR KAFKA_AGENT_FUZZ)
  set(_kafka_agent_static_default OFF)
else()
  set(_kafka_agent_static_default ON)
endif()
option(KAFKA_AGENT_STATIC
       "Link Debian's static archives, libstdc++ and libgcc into the binaries: no shared library beyond glibc"
       ${_kafka_agent_static_default})
if(KAFKA_AGENT_STATIC AND KAFKA_AGENT_SANITIZE)
  message(FATAL_ERROR
    "KAFKA_AGENT_STATIC=ON with KAFKA_AGENT_SANITIZE=${KAFKA_AGENT_SANITIZE}: "
    "the sanitizer builds link dynamically. Configure with "
    "-DKAFKA_AGENT_STATIC=OFF (the default when KAFKA_AGENT_SANITIZE is set).")
endif()
message(STATUS "kafka-agent: KAFKA_AGENT_STATIC=${KAFKA_AGENT_STATIC}")

if(KAFKA_AGENT_STATIC)
  # Every function and object in its own section, so --gc-sections drops what
  # nothing references (our code; Debian's archives are dropped per object).
  add_compile_options(-ffunction-sections -fdata-sections)
endif()

# Libraries that are part of glibc: always linked as shared libraries, never
# replaced by the libm.a / libpthread.a glibc also ships.
set(_kafka_agent_glibc_libs c m dl pthread rt util resolv)

# _kafka_agent_archive_of(OUT PATH): the .a beside a shared library PATH
# (libfoo.so, libfoo.so.1.2), or "" when there is none.
function(_kafka_agent_archive_of out path)
  set(result "")
  if(path MATCHES "^(.*/lib[^/]+)\\.so(\\.[0-9.]+)?$")
    set(candidate "${CMAKE_MATCH_1}.a")
    if(EXISTS "${candidate}")
      set(result "${candidate}")
    endif()
  endif()
  set(${out} "${result}" PARENT_SCOPE)
endfunction()

# kafka_agent_prefer_static_archives(): for every imported library target of
# the calling directory (those find_package and pkg_check_modules made), points
# its location, and any shared-library path or -lNAME among its link
# dependencies, at the static archive beside it. Adds librdkafka's own dependencies (pkg-config
# --static), with the Cyrus SASL replacement instead of libsasl2. Defines
# kafka_agent_spdlog (either way).
function(kafka_agent_prefer_static_archives)
  _kafka_agent_define_spdlog()
  if(NOT KAFKA_AGENT_STATIC)
    return()
  endif()
  get_directory_property(imported IMPORTED_TARGETS)
  set(kept_shared "")
  foreach(target IN LISTS imported)
    get_target_property(type ${target} TYPE)
    if(type STREQUAL "SHARED_LIBRARY" OR type STREQUAL "UNKNOWN_LIBRARY")
      get_target_property(configs ${target} IMPORTED_CONFIGURATIONS)
      set(props IMPORTED_LOCATION)
      if(configs)
        foreach(config IN LISTS configs)
          string(TOUPPER "${config}" config)
          list(APPEND props IMPORTED_LOCATION_${config})
        endforeach()
      endif()
      foreach(prop IN LISTS props)
        get_target_property(location ${target} ${prop})
        if(location)
          _kafka_agent_archive_of(archive "${location}")
          if(archive)
            set_target_properties(${target} PROPERTIES ${prop} "${archive}")
          else()
            list(APPEND kept_shared "${target} (${location})")
          endif()
        endif()
      endforeach()
    endif()
    if(NOT type STREQUAL "EXECUTABLE")
      get_target_property(deps ${target} INTERFACE_LINK_LIBRARIES)
      if(deps)
        # Library directories for -lNAME (pkg-config's flags, as re2 has).
        set(dirs ${CMAKE_CXX_IMPLICIT_LINK_DIRECTORIES})
        foreach(dep IN LISTS deps)
          if(dep MATCHES "^-L(.+)$")
            list(PREPEND dirs "${CMAKE_MATCH_1}")
          endif()
        endforeach()
        set(new_deps "")
        foreach(dep IN LISTS deps)
          _kafka_agent_archive_of(archive "${dep}")
          if(dep MATCHES "^-l(.+)$" AND NOT CMAKE_MATCH_1 IN_LIST _kafka_agent_glibc_libs)
            set(name "${CMAKE_MATCH_1}")
            foreach(dir IN LISTS dirs)
              if(EXISTS "${dir}/lib${name}.a")
                set(archive "${dir}/lib${name}.a")
                break()
              endif()
            endforeach()
          endif()
          if(archive)
            list(APPEND new_deps "${archive}")
          else()
            list(APPEND new_deps "${dep}")
          endif()
        endforeach()
        set_target_properties(${target} PROPERTIES INTERFACE_LINK_LIBRARIES "${new_deps}")
      endif()
    endif()
  endforeach()
  if(kept_shared)
    list(REMOVE_DUPLICATES kept_shared)
    string(REPLACE ";" ", " kept_shared "${kept_shared}")
    message(STATUS "kafka-agent: no static archive for ${kept_shared} "
                   "(fine unless kafka-agent links it: its post-build check says)")
  endif()

  # The agent speaks gRPC in plaintext only (Insecure{Server,Channel}
  # Credentials: the pod network, and the kubelet's gRPC probe, which has no
  # TLS). gRPC's "unsecure" flavour is the same library without TLS, ALTS and
  # xDS credentials: 2.6 MB less code, ~2 MB less idle RSS. Code that asked
  # for a TLS credential would fail to link (undefined grpc::SslCredentials),
  # not at run time.
  foreach(pair IN ITEMS "gRPC::grpc++=gRPC::grpc++_unsecure" "gRPC::grpc=gRPC::grpc_unsecure")
    string(REPLACE "=" ";" pair "${pair}")
    list(GET pair 0 secure)
    list(GET pair 1 unsecure)
    if(TARGET ${secure} AND TARGET ${unsecure})
      foreach(prop IN ITEMS IMPORTED_LOCATION IMPORTED_LOCATION_NONE
                            IMPORTED_LOCATION_RELEASE IMPORTED_LOCATION_RELWITHDEBINFO)
        get_target_property(location ${unsecure} ${prop})
        if(location)
          set_target_properties(${secure} PROPERTIES ${prop} "${location}")
        endif()
      endforeach()
    endif()
  endforeach()

  # librdkafka's private dependencies, from its pkg-config --static.
  if(TARGET PkgConfig::RDKAFKA)
    add_library(kafka_agent_no_cyrus_sasl STATIC
                ${PROJECT_SOURCE_DIR}/agent/link/no_cyrus_sasl.cc)
    set(deps "")
    foreach(name IN LISTS RDKAFKA_STATIC_LIBRARIES)
      if(name STREQUAL "rdkafka")
        continue()
      elseif(name IN_LIST _kafka_agent_glibc_libs)
        list(APPEND deps ${name})
      elseif(name STREQUAL "sasl2")
        list(APPEND deps kafka_agent_no_cyrus_sasl)
      else()
        find_library(KAFKA_AGENT_STATIC_${name} NAMES lib${name}.a
                     HINTS ${RDKAFKA_STATIC_LIBRARY_DIRS})
        if(NOT KAFKA_AGENT_STATIC_${name})
          message(FATAL_ERROR
            "librdkafka needs lib${name}.a for the static link, and it was not "
            "found. Install its -dev package (scripts/deps.sh lists them: "
            "liblz4-dev, libzstd-dev, libssl-dev, zlib1g-dev), or configure "
            "with -DKAFKA_AGENT_STATIC=OFF.")
        endif()
        list(APPEND deps ${KAFKA_AGENT_STATIC_${name}})
      endif()
    endforeach()
    set_property(TARGET PkgConfig::RDKAFKA APPEND PROPERTY
                 INTERFACE_LINK_LIBRARIES ${deps})
  endif()

  # libmicrohttpd.a (the HTTP side port) refers to GnuTLS for HTTPS, which
  # the agent never turns on; GnuTLS's own static link would need p11-kit and
  # libunistring, which have no static archive. agent/link/no_gnutls.cc
  # stands in for it.
  if(TARGET PkgConfig::MICROHTTPD)
    add_library(kafka_agent_no_gnutls STATIC
                ${PROJECT_SOURCE_DIR}/agent/link/no_gnutls.cc)
    set_property(TARGET PkgConfig::MICROHTTPD APPEND PROPERTY
                 INTERFACE_LINK_LIBRARIES kafka_agent_no_gnutls)
  endif()
endfunction()

# kafka_agent_spdlog: what the agent links for logging. Static: spdlog and fmt
# compiled once here; dynamic: Debian's libspdlog and libfmt.
function(_kafka_agent_define_spdlog)
  if(TARGET kafka_agent_spdlog)
    return()
  endif()
  if(KAFKA_AGENT_STATIC)
    add_library(kafka_agent_spdlog STATIC
                ${PROJECT_SOURCE_DIR}/agent/link/spdlog_fmt.cc)
    target_compile_definitions(kafka_agent_spdlog PUBLIC
                               SPDLOG_COMPILED_LIB SPDLOG_FMT_EXTERNAL)
    target_link_libraries(kafka_agent_spdlog PUBLIC Threads::Threads)
  else()
    add_library(kafka_agent_spdlog INTERFACE)
    target_link_libraries(kafka_agent_spdlog INTERFACE spdlog::spdlog)
  endif()
endfunction()

# kafka_agent_static_executable(TARGET): the link settings of a shipped binary:
# static libstdc++/libgcc, section GC, and a post-build check that it needs no
# shared library beyond glibc (so a new dependency without a static archive
# fails the build instead of the image).
function(kafka_agent_static_executable target)
  if(NOT KAFKA_AGENT_STATIC)
    return()
  endif()
  target_link_options(${target} PRIVATE
    -static-libstdc++ -static-libgcc -Wl,--gc-sections -Wl,-O1)
  # Still a position-independent executable (ASLR), with its ~40,000 relative
  # relocations packed (DT_RELR: glibc >= 2.36, binutils >= 2.38): 10 KB to
  # read at start instead of ~1 MB.
  include(CheckLinkerFlag)
  check_linker_flag(CXX "-Wl,-z,pack-relative-relocs" KAFKA_AGENT_HAVE_RELR)
  if(KAFKA_AGENT_HAVE_RELR)
    target_link_options(${target} PRIVATE -Wl,-z,pack-relative-relocs)
  endif()
  # The code that runs first and together (cmake/hot-text.ld, generated by
  # scripts/hot-text.sh from profiles): the kernel maps 64 KiB around every
  # page that faults, and the code that runs, spread over the whole .text,
  # kept ~6.5 MiB of it resident; together, the idle agent's RSS is ~20%
  # lower (bench/README.md).
  set(hot_text ${PROJECT_SOURCE_DIR}/cmake/hot-text.ld)
  if(EXISTS ${hot_text})
    target_link_options(${target} PRIVATE "LINKER:-T,${hot_text}")
    set_property(TARGET ${target} APPEND PROPERTY LINK_DEPENDS ${hot_text})
  endif()
  add_custom_command(TARGET ${target} POST_BUILD
    COMMAND ${CMAKE_COMMAND} -DBINARY=$<TARGET_FILE:${target}>
            -P ${PROJECT_SOURCE_DIR}/cmake/CheckNeeded.cmake
    VERBATIM)
endfunction()
