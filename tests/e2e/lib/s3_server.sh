# Sourced by the S3 end-to-end tests: s3rver (npm) on 127.0.0.1 and Debian's aws CLI pointed at it.
#   start_s3rver DIR [PORT]  starts s3rver with data in DIR/data and bucket "lsbucket"; sets S3_PORT, S3_PID,
#                            S3_ENDPOINT (a PORT reuses a port, for restarts)
#   stop_s3rver              kills it (SIGKILL: a crash, not a clean stop)
#   awscli ARGS...           aws with --endpoint-url and s3rver's credentials
# s3rver accepts only the access key S3RVER (wrong keys get 403 InvalidAccessKeyId); it does not check V4
# signatures, which the SigV4 unit tests do against AWS's suite.
S3_BUCKET=lsbucket
AWS_BIN=/usr/bin/aws
[ -x "$AWS_BIN" ] || AWS_BIN=$(command -v aws)
export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true AWS_PAGER=
unset AWS_SESSION_TOKEN AWS_PROFILE

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start_s3rver() {
  local dir=$1
  S3_PORT=${2:-$(free_port)}
  mkdir -p "$dir/data"
  # s3rver's continuation tokens use DES, which Node 17+ (OpenSSL 3) only has in the legacy provider;
  # without it every listing past 1,000 keys fails with InternalError.
  node --openssl-legacy-provider "$LS_SOURCE_DIR/node_modules/s3rver/bin/s3rver.js" -d "$dir/data" -a 127.0.0.1 -p "$S3_PORT" --silent \
    --configure-bucket "$S3_BUCKET" >>"$dir/s3rver.log" 2>&1 &
  S3_PID=$!
  S3_ENDPOINT=http://127.0.0.1:$S3_PORT
  for _ in $(seq 1 100); do
    curl -s -o /dev/null "$S3_ENDPOINT/" && return 0
    kill -0 "$S3_PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "FAIL: s3rver did not start on $S3_ENDPOINT"; cat "$dir/s3rver.log"; return 1
}

stop_s3rver() {
  [ -n "${S3_PID:-}" ] || return 0
  kill -9 "$S3_PID" 2>/dev/null || true
  wait "$S3_PID" 2>/dev/null || true
  S3_PID=
}

awscli() {
  "$AWS_BIN" --endpoint-url "$S3_ENDPOINT" --no-cli-pager "$@"
}
