# Sourced by the extension's end-to-end tests: lays out what the Lambda layer holds (what `lambdascope
# layer` zips; Lambda unpacks it in /opt), from the build tree:
#   extensions/lambdascope            the launcher (src/lambda/layer/extension-launcher.sh)
#   lambdascope-wrapper               AWS_LAMBDA_EXEC_WRAPPER (src/lambda/layer/lambdascope-wrapper)
#   lib/liblambdascope-agent.so       the agent
#   lambdascope/bin/lambdascope       the binary
# `lambdascope local --extensions LAYER/extensions` maps /opt to LAYER, as Lambda does.
# Usage: make_layer DIR   (needs LS_BINARY and LS_SOURCE_DIR)
make_layer() {
  local layer=$1
  local build_dir
  build_dir=$(cd "$(dirname "$LS_BINARY")/.." && pwd)
  mkdir -p "$layer/extensions" "$layer/lib" "$layer/lambdascope/bin"
  cp "$LS_SOURCE_DIR/src/lambda/layer/extension-launcher.sh" "$layer/extensions/lambdascope"
  cp "$LS_SOURCE_DIR/src/lambda/layer/lambdascope-wrapper" "$layer/lambdascope-wrapper"
  chmod 755 "$layer/extensions/lambdascope" "$layer/lambdascope-wrapper"
  cp "$build_dir/src/liblambdascope-agent.so" "$layer/lib/liblambdascope-agent.so"
  ln -s "$(cd "$(dirname "$LS_BINARY")" && pwd)/$(basename "$LS_BINARY")" "$layer/lambdascope/bin/lambdascope"
}
