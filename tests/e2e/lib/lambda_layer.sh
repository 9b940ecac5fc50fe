# Sourced by the extension's end-to-end tests: the Lambda layer as a function gets it, i.e. `lambdascope
# layer` zipped and unzipped (Lambda unpacks a layer into /opt):
#   extensions/lambdascope            the launcher (src/lambda/layer/extension-launcher.sh)
#   lambdascope-wrapper               AWS_LAMBDA_EXEC_WRAPPER (src/lambda/layer/lambdascope-wrapper)
#   lib/liblambdascope-agent.so       the agent
#   lambdascope/bin/lambdascope       the binary (and lambdascope/lib/, its libraries)
# `lambdascope local --extensions LAYER/extensions` maps /opt to LAYER, as Lambda does.
# Usage: make_layer DIR   (needs LS_BINARY)
make_layer() {
  local layer=$1
  "$LS_BINARY" layer -q -o "$layer.zip" 2>"$layer.log" || { cat "$layer.log"; echo "FAIL: lambdascope layer" >&2; return 1; }
  mkdir -p "$layer"
  (cd "$layer" && unzip -q "$layer.zip") || { echo "FAIL: unzip of the layer" >&2; return 1; }
  rm -f "$layer.zip" "$layer.log"
}
