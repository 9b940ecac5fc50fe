# lambdascope on AWS with Terraform: the layer, an S3 bucket for the profiles, and the sample Node.js function
# profiled into it. From this folder:
#   ../../build/src/lambdascope layer -o lambdascope-layer.zip
#   terraform init && terraform apply

terraform {
  required_version = ">= 1.3"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0"
    }
    archive = {
      source  = "hashicorp/archive"
      version = ">= 2.4"
    }
  }
}

provider "aws" {
  region = var.region
}

data "aws_partition" "current" {}

# Profiles: private, encrypted, expired after profile_retention_days.
resource "aws_s3_bucket" "profiles" {
  bucket_prefix = "lambdascope-profiles-"
  force_destroy = true
}

resource "aws_s3_bucket_public_access_block" "profiles" {
  bucket                  = aws_s3_bucket.profiles.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_server_side_encryption_configuration" "profiles" {
  bucket = aws_s3_bucket.profiles.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "profiles" {
  bucket = aws_s3_bucket.profiles.id
  rule {
    id     = "expire-profiles"
    status = "Enabled"
    filter {
      prefix = "${var.profile_prefix}/"
    }
    expiration {
      days = var.profile_retention_days
    }
  }
}

resource "aws_lambda_layer_version" "lambdascope" {
  layer_name               = "lambdascope"
  description              = "lambdascope profiler (extension, exec wrapper, sampling agent)"
  filename                 = var.layer_zip
  source_code_hash         = filebase64sha256(var.layer_zip)
  compatible_architectures = ["x86_64"]
  compatible_runtimes      = ["nodejs20.x", "nodejs22.x", "python3.12", "python3.13", "java21", "provided.al2023"]
}

# The function's role: CloudWatch Logs, and PutObject under the prefix only (the extension never reads or
# lists).
resource "aws_iam_role" "function" {
  name_prefix = "lambdascope-sample-"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "lambda.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_iam_role_policy_attachment" "logs" {
  role       = aws_iam_role.function.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
}

resource "aws_iam_role_policy" "put_profiles" {
  name = "lambdascope-put-profiles"
  role = aws_iam_role.function.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid      = "PutProfiles"
      Effect   = "Allow"
      Action   = "s3:PutObject"
      Resource = "${aws_s3_bucket.profiles.arn}/${var.profile_prefix}/*"
    }]
  })
}

data "archive_file" "function" {
  type        = "zip"
  source_dir  = "${path.module}/../../examples/functions/node-hello"
  output_path = "${path.module}/.build/node-hello.zip"
}

resource "aws_lambda_function" "sample" {
  function_name    = var.function_name
  role             = aws_iam_role.function.arn
  runtime          = "nodejs22.x"
  handler          = "index.handler"
  architectures    = ["x86_64"]
  memory_size      = 512
  timeout          = 10
  filename         = data.archive_file.function.output_path
  source_code_hash = data.archive_file.function.output_base64sha256
  layers           = [aws_lambda_layer_version.lambdascope.arn]

  environment {
    variables = {
      AWS_LAMBDA_EXEC_WRAPPER = "/opt/lambdascope-wrapper"
      LAMBDASCOPE_DESTINATION = "s3://${aws_s3_bucket.profiles.bucket}/${var.profile_prefix}"
    }
  }

  depends_on = [aws_iam_role_policy_attachment.logs, aws_iam_role_policy.put_profiles]
}

output "function_name" {
  value = aws_lambda_function.sample.function_name
}

output "profiles_location" {
  description = "Where the profiles go (LAMBDASCOPE_DESTINATION)"
  value       = "s3://${aws_s3_bucket.profiles.bucket}/${var.profile_prefix}/"
}

output "layer_version_arn" {
  value = aws_lambda_layer_version.lambdascope.arn
}
