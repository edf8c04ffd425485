"""A local S3 API server for the storage tests: moto in server mode, on 127.0.0.1."""

import boto3
from moto.server import ThreadedMotoServer

PRIVATE_BUCKET = "test-private"
PUBLIC_BUCKET = "test-public"
REGION = "us-east-1"
# moto accepts any credentials; these are fixed so the tests never read a developer's own.
ACCESS_KEY = "testing"
SECRET_KEY = "testing"


def s3_storage_options(endpoint: str, bucket: str) -> dict:
    return {
        "bucket_name": bucket,
        "endpoint_url": endpoint,
        "region_name": REGION,
        "access_key": ACCESS_KEY,
        "secret_key": SECRET_KEY,
        "addressing_style": "path",
    }


def s3_client(endpoint: str):
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
    )


def start_s3_server() -> tuple[ThreadedMotoServer, str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    client = s3_client(endpoint)
    for bucket in (PRIVATE_BUCKET, PUBLIC_BUCKET):
        client.create_bucket(Bucket=bucket)
    client.put_public_access_block(
        Bucket=PRIVATE_BUCKET,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    return server, endpoint
