# Runs esbuild on the web UI entry point: `cmake -DESBUILD=... -DENTRY=... -DOUTPUT=... -P build_web_bundle.cmake`.
# A script rather than a bare COMMAND so a missing node_modules fails with the fix instead of "file not found".
if(NOT EXISTS "${ESBUILD}")
  message(FATAL_ERROR "web bundle: ${ESBUILD} not found; run make setup (it installs node_modules)")
endif()
execute_process(
  COMMAND "${ESBUILD}" "${ENTRY}" --bundle --minify --format=iife --target=es2020 --log-level=warning
          "--outfile=${OUTPUT}"
  RESULT_VARIABLE result)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "web bundle: esbuild failed on ${ENTRY} (exit ${result})")
endif()
