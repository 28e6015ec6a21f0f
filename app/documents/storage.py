"""Where document bytes live: the local filesystem or an S3-compatible object store.

Both backends share one interface (:class:`Storage`). Uploads are first spooled to a temporary
file under :attr:`Storage.spool_dir` (never held in memory), then :meth:`Storage.put` moves them to
their content-addressed key ``sha256/ab/cd/<hex>``:

* ``LocalStorage``: the spool is inside the storage root (same filesystem), the file is fsynced,
  renamed atomically into place (``os.replace``) and its folder fsynced.
* ``S3Storage`` (boto3): the spool is under ``DATA_DIR/tmp/uploads``; ``upload_file`` switches to a
  multipart upload above ``S3_MULTIPART_THRESHOLD_BYTES``. Blocking boto3 calls run in threads.

Objects that no row references are removed by ``diaspora-desk gc-storage`` after a grace period.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, Protocol

from app.core.config import Settings

CHUNK = 1024 * 1024


def key_for(sha256: str) -> str:
    """The content-addressed key of bytes whose SHA-256 hex digest is ``sha256``."""
    return f"sha256/{sha256[:2]}/{sha256[2:4]}/{sha256}"


class Storage(Protocol):
    """A place to keep document objects by key."""

    name: str
    spool_dir: Path

    async def put(self, *, source: Path, key: str, media_type: str) -> bool:
        """Move the spooled file ``source`` to ``key``; True when the object is new (``source`` is gone)."""
        ...

    async def exists(self, key: str) -> bool: ...

    def read(self, key: str, start: int, end: int) -> AsyncIterator[bytes]:
        """The bytes ``start``..``end`` (inclusive) of ``key``, in chunks."""
        ...

    async def delete(self, key: str) -> None: ...

    async def list_objects(self) -> list[tuple[str, dt.datetime]]:
        """Every object key with its last modification time (UTC)."""
        ...


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class LocalStorage:
    """Objects as files under ``root`` (default ``DATA_DIR/documents``)."""

    name = "local"

    def __init__(self, root: Path) -> None:
        self.root = root
        self.spool_dir = root / ".tmp"
        self.spool_dir.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        if ".." in key.split("/") or key.startswith("/"):
            raise ValueError(f"invalid storage key {key!r}")
        return self.root / key

    def _put(self, source: Path, key: str) -> bool:
        target = self._path(key)
        if target.exists():
            os.utime(target)  # a fresh reference: restart the garbage collector's grace period
            source.unlink(missing_ok=True)
            return False
        target.parent.mkdir(parents=True, exist_ok=True)
        with source.open("rb") as fh:
            os.fsync(fh.fileno())
        os.replace(source, target)
        _fsync_dir(target.parent)
        return True

    async def put(self, *, source: Path, key: str, media_type: str) -> bool:
        return await asyncio.to_thread(self._put, source, key)

    async def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    async def read(self, key: str, start: int, end: int) -> AsyncIterator[bytes]:
        fh = await asyncio.to_thread(self._path(key).open, "rb")
        try:
            await asyncio.to_thread(fh.seek, start)
            remaining = end - start + 1
            while remaining > 0:
                chunk = await asyncio.to_thread(fh.read, min(CHUNK, remaining))
                if not chunk:
                    break
                remaining -= len(chunk)
                yield chunk
        finally:
            fh.close()

    async def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def _list(self) -> list[tuple[str, dt.datetime]]:
        found = []
        base = self.root / "sha256"
        if base.is_dir():
            for path in base.rglob("*"):
                if path.is_file():
                    mtime = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC)
                    found.append((path.relative_to(self.root).as_posix(), mtime))
        return sorted(found)

    async def list_objects(self) -> list[tuple[str, dt.datetime]]:
        return await asyncio.to_thread(self._list)


class S3Storage:
    """Objects in an S3-compatible bucket (AWS S3, MinIO, Ceph RGW, Garage…)."""

    name = "s3"

    def __init__(self, settings: Settings) -> None:
        import boto3
        from boto3.s3.transfer import TransferConfig
        from botocore.config import Config

        self.bucket = settings.s3_bucket
        if not self.bucket:
            raise ValueError("S3_BUCKET is required when DOCUMENTS_STORAGE=s3")
        secret = settings.s3_secret_access_key
        self.client: Any = boto3.client(
            "s3",
            endpoint_url=settings.s3_endpoint_url,
            region_name=settings.s3_region,
            aws_access_key_id=settings.s3_access_key_id,
            aws_secret_access_key=secret.get_secret_value() if secret else None,
            config=Config(retries={"max_attempts": 3, "mode": "standard"}),
        )
        self.transfer = TransferConfig(
            multipart_threshold=settings.s3_multipart_threshold_bytes,
            multipart_chunksize=settings.s3_multipart_threshold_bytes,
            max_concurrency=2,
        )
        self.spool_dir = settings.data_dir / "tmp" / "uploads"
        self.spool_dir.mkdir(parents=True, exist_ok=True)

    def _exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}:
                return False
            raise
        return True

    def _put(self, source: Path, key: str, media_type: str) -> bool:
        try:
            if self._exists(key):
                # Copy onto itself to refresh LastModified (the garbage collector's grace period).
                self.client.copy_object(
                    Bucket=self.bucket,
                    Key=key,
                    CopySource={"Bucket": self.bucket, "Key": key},
                    MetadataDirective="REPLACE",
                    ContentType=media_type,
                )
                return False
            self.client.upload_file(
                str(source), self.bucket, key, ExtraArgs={"ContentType": media_type}, Config=self.transfer
            )
            return True
        finally:
            source.unlink(missing_ok=True)

    async def put(self, *, source: Path, key: str, media_type: str) -> bool:
        return await asyncio.to_thread(self._put, source, key, media_type)

    async def exists(self, key: str) -> bool:
        return await asyncio.to_thread(self._exists, key)

    async def read(self, key: str, start: int, end: int) -> AsyncIterator[bytes]:
        response = await asyncio.to_thread(
            self.client.get_object, Bucket=self.bucket, Key=key, Range=f"bytes={start}-{end}"
        )
        body = response["Body"]
        try:
            while True:
                chunk = await asyncio.to_thread(body.read, CHUNK)
                if not chunk:
                    break
                yield chunk
        finally:
            body.close()

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self.client.delete_object, Bucket=self.bucket, Key=key)

    def _list(self) -> list[tuple[str, dt.datetime]]:
        found = []
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix="sha256/"):
            for item in page.get("Contents", []):
                found.append((item["Key"], item["LastModified"].astimezone(dt.UTC)))
        return sorted(found)

    async def list_objects(self) -> list[tuple[str, dt.datetime]]:
        return await asyncio.to_thread(self._list)


def create_storage(settings: Settings) -> Storage:
    """The backend chosen by ``DOCUMENTS_STORAGE`` (``local`` or ``s3``)."""
    if settings.documents_storage == "s3":
        return S3Storage(settings)
    return LocalStorage(settings.effective_documents_dir)
