variable "region" {
  description = "AWS region to deploy to"
  type        = string
  default     = "us-east-1"
}

variable "layer_zip" {
  description = "The layer built by `lambdascope layer -o <this path>`"
  type        = string
  default     = "lambdascope-layer.zip"
}

variable "function_name" {
  description = "Name of the sample function"
  type        = string
  default     = "lambdascope-sample"
}

variable "profile_prefix" {
  description = "Key prefix of the profiles in the bucket (no leading or trailing slash)"
  type        = string
  default     = "lambdascope"
}

variable "profile_retention_days" {
  description = "Profiles are deleted after this many days"
  type        = number
  default     = 30
}
