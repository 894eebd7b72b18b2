"""Talks to a local moto server with boto3, for tests/s3_presigned.rs.

Usage:
  presign.py presign ENDPOINT BUCKET MAX_BYTES   create BUCKET, print an S3 presigned POST as JSON
  presign.py get ENDPOINT BUCKET KEY              write the object's bytes to stdout
  presign.py etag ENDPOINT BUCKET KEY             print the object's ETag, as HEAD answers it
"""
import json
import sys

import boto3

command, endpoint, bucket = sys.argv[1], sys.argv[2], sys.argv[3]
s3 = boto3.client(
    "s3",
    endpoint_url=endpoint,
    region_name="us-east-1",
    aws_access_key_id="testing",
    aws_secret_access_key="testing",
)
if command == "presign":
    s3.create_bucket(Bucket=bucket)
    post = s3.generate_presigned_post(
        Bucket=bucket,
        Key="media/chat/attachment/${filename}",
        Conditions=[["content-length-range", 1, int(sys.argv[4])], ["starts-with", "$key", "media/"]],
        ExpiresIn=600,
    )
    print(json.dumps(post))
elif command == "get":
    body = s3.get_object(Bucket=bucket, Key=sys.argv[4])["Body"].read()
    sys.stdout.buffer.write(body)
elif command == "etag":
    print(s3.head_object(Bucket=bucket, Key=sys.argv[4])["ETag"])
else:
    sys.exit(f"unknown command {command}")
