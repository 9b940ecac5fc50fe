#!/usr/bin/env bash
# deploy/: the SAM template parses and wires what docs/lambda.md says (layer from the zip, the exec wrapper,
# an s3:// destination, PutObject only and only under the prefix); the Terraform example says the same.
# Neither is deployed here, and there is no terraform binary to validate the HCL.
set -euo pipefail
: "${LS_SOURCE_DIR:?run through ctest}"
python3 - "$LS_SOURCE_DIR/deploy" <<'PY'
import json, re, sys, yaml
deploy = sys.argv[1]
t = yaml.safe_load(open(f"{deploy}/sam/template.yaml"))
res = t["Resources"]
types = {k: v["Type"] for k, v in res.items()}
layers = [k for k, v in types.items() if v == "AWS::Serverless::LayerVersion"]
functions = [k for k, v in types.items() if v == "AWS::Serverless::Function"]
buckets = [k for k, v in types.items() if v == "AWS::S3::Bucket"]
assert len(layers) == 1 and len(functions) == 1 and len(buckets) == 1, types
layer, fn, bucket = res[layers[0]]["Properties"], res[functions[0]]["Properties"], buckets[0]
assert layer["ContentUri"].endswith(".zip"), layer["ContentUri"]
assert layer["CompatibleArchitectures"] == ["x86_64"]
assert fn["Layers"] == [{"Ref": layers[0]}], fn["Layers"]
assert fn["Architectures"] == ["x86_64"]
env = fn["Environment"]["Variables"]
assert env["AWS_LAMBDA_EXEC_WRAPPER"] == "/opt/lambdascope-wrapper", env
dest = env["LAMBDASCOPE_DESTINATION"]["Fn::Sub"]
assert dest == "s3://${%s}/${ProfilePrefix}" % bucket, dest
statements = [s for p in fn["Policies"] if isinstance(p, dict) for s in p["Statement"]]
assert len(statements) == 1, statements
s = statements[0]
assert s["Effect"] == "Allow" and s["Action"] == "s3:PutObject", s
assert s["Resource"]["Fn::Sub"] == "arn:${AWS::Partition}:s3:::${%s}/${ProfilePrefix}/*" % bucket, s
code = fn["CodeUri"]
import os
assert os.path.isfile(os.path.join(deploy, "sam", code, "index.mjs")), code
assert fn["Handler"] == "index.handler"

tf = open(f"{deploy}/terraform/main.tf").read()
assert tf.count("{") == tf.count("}"), "braces balance in main.tf"
assert 'AWS_LAMBDA_EXEC_WRAPPER = "/opt/lambdascope-wrapper"' in tf
assert re.search(r'LAMBDASCOPE_DESTINATION = "s3://\$\{aws_s3_bucket\.profiles\.bucket\}/\$\{var\.profile_prefix\}"', tf)
actions = re.findall(r'Action\s*=\s*"([^"]+)"', tf)
assert sorted(actions) == ["s3:PutObject", "sts:AssumeRole"], actions
assert 'Resource = "${aws_s3_bucket.profiles.arn}/${var.profile_prefix}/*"' in tf
assert "filebase64sha256(var.layer_zip)" in tf
variables = open(f"{deploy}/terraform/variables.tf").read()
for v in set(re.findall(r"var\.([a-z_]+)", tf)):
    assert f'variable "{v}"' in variables, f"variables.tf declares {v}"
print("deploy templates: ok")
PY
