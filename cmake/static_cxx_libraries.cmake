# simdjson and cpp-httplib, compiled in from their Debian source packages when scripts/fetch_debian_sources.sh
# (run by `make setup`) has fetched them: Debian ships both only as shared libraries, and those need the
# shared C++ runtime, which the lambdascope binary in the Lambda layer must not need (Amazon Linux 2023's
# glibc is 2.34; Debian's libstdc++.so.6 needs 2.36). The fetched code is byte-for-byte the code the
# installed headers describe (the script checks), compiled with Debian's defines, so nothing else changes:
# targets keep linking simdjson::simdjson and PkgConfig::LS_HTTPLIB. Without the sources, the shared
# libraries are used: everything works on this machine, and `lambdascope layer` refuses to pack the binary.
set(LS_DEBIAN_SOURCES ${CMAKE_SOURCE_DIR}/.cache/debian-src CACHE PATH
    "simdjson.cpp and httplib.cc from Debian's source packages (scripts/fetch_debian_sources.sh)")
# Only the release build makes layers; the sanitizer and fuzz builds keep the shared libraries (less to compile).
if(EXISTS ${LS_DEBIAN_SOURCES}/stamp AND NOT LS_SANITIZE AND NOT LS_FUZZ)
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${LS_DEBIAN_SOURCES}/stamp)
  message(STATUS "simdjson and cpp-httplib: static, from ${LS_DEBIAN_SOURCES}")
  add_library(ls_simdjson_static STATIC ${LS_DEBIAN_SOURCES}/simdjson.cpp)
  target_compile_options(ls_simdjson_static PRIVATE -w)  # not our code
  target_compile_definitions(ls_simdjson_static PUBLIC SIMDJSON_THREADS_ENABLED=1)  # as Debian's config
  target_link_libraries(ls_simdjson_static PUBLIC Threads::Threads)
  add_library(simdjson::simdjson ALIAS ls_simdjson_static)

  find_package(PkgConfig REQUIRED)
  find_package(OpenSSL REQUIRED)
  pkg_check_modules(LS_HTTPLIB_PC REQUIRED cpp-httplib)  # its feature defines change class layouts
  pkg_check_modules(LS_BROTLI REQUIRED IMPORTED_TARGET libbrotlidec libbrotlienc)
  file(STRINGS ${LS_DEBIAN_SOURCES}/httplib.defines ls_httplib_debian_defines)
  add_library(ls_httplib_static STATIC ${LS_DEBIAN_SOURCES}/httplib.cc)
  target_compile_options(ls_httplib_static PRIVATE -w ${LS_HTTPLIB_PC_CFLAGS_OTHER} ${ls_httplib_debian_defines})
  target_link_libraries(ls_httplib_static PUBLIC OpenSSL::SSL OpenSSL::Crypto ZLIB::ZLIB PkgConfig::LS_BROTLI
                                                 Threads::Threads)
  # src/lambda/CMakeLists.txt points PkgConfig::LS_HTTPLIB (the consumers' target) at ls_httplib_static.
else()
  message(STATUS "simdjson and cpp-httplib: shared; `lambdascope layer` will refuse this binary (static needs "
                 "${LS_DEBIAN_SOURCES}: scripts/fetch_debian_sources.sh)")
  find_package(simdjson REQUIRED)
endif()
