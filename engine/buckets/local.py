"""A local folder standing in for S3: bucket `B`, key `K` is the file `<root>/B/K`. Keys are
kept inside their bucket's folder (no `..`, no absolute paths), as S3 keys cannot escape."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Protocol


class BucketError(Exception):
    """An object or bucket that cannot be read or written; the message says which and why."""


@dataclass(frozen=True)
class StoredObject:
    """One object of a listing, with what S3's ListObjectsV2 says of it."""

    key: str
    size: int
    etag: str
    last_modified: int  # seconds since the epoch


class Buckets(Protocol):
    """Where a Distributed Map's objects are: a local folder (`LocalBuckets`) or S3
    (`engine.buckets.s3.S3Buckets`). Every failure is a `BucketError`."""

    def open_text(self, bucket: str, key: str) -> Iterable[str]: ...

    def open_binary(self, bucket: str, key: str) -> IO[bytes]: ...

    def list_objects(self, bucket: str, prefix: str) -> Iterator[StoredObject]: ...

    def put(self, bucket: str, key: str, body: bytes) -> None: ...


class LocalBuckets:
    """Buckets as folders under `root`."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def bucket_path(self, bucket: str) -> Path:
        if not bucket or "/" in bucket or bucket in (".", ".."):
            raise BucketError(f"{bucket!r} is not a bucket name")
        path = self.root / bucket
        if not path.is_dir():
            raise BucketError(f"The specified bucket does not exist: {bucket} (no folder {path})")
        return path

    def object_path(self, bucket: str, key: str) -> Path:
        parts = key.split("/")
        if not key or key.startswith("/") or ".." in parts:
            raise BucketError(f"{key!r} is not an object key sfn reads")
        return self.bucket_path(bucket).joinpath(*parts)

    def open_text(self, bucket: str, key: str) -> IO[str]:
        """The object as text (UTF-8, a leading byte-order mark skipped), read as a stream."""
        path = self.object_path(bucket, key)
        try:
            return path.open(encoding="utf-8-sig", newline="")
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise BucketError(f"The specified key does not exist: {bucket}/{key}") from None
        except OSError as error:
            raise BucketError(f"{bucket}/{key}: {error.strerror}") from None

    def open_binary(self, bucket: str, key: str) -> IO[bytes]:
        path = self.object_path(bucket, key)
        try:
            return path.open("rb")
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise BucketError(f"The specified key does not exist: {bucket}/{key}") from None
        except OSError as error:
            raise BucketError(f"{bucket}/{key}: {error.strerror}") from None

    def list_objects(self, bucket: str, prefix: str) -> Iterator[StoredObject]:
        """The bucket's objects whose keys start with `prefix`, in key order (as S3 lists
        them: UTF-8 byte order)."""
        root = self.bucket_path(bucket)
        keys = sorted(
            (path.relative_to(root).as_posix() for path in root.rglob("*") if path.is_file()),
            key=lambda key: key.encode("utf-8"),
        )
        for key in keys:
            if key.startswith(prefix):
                yield _described(root / key, key)

    def put(self, bucket: str, key: str, body: bytes) -> None:
        """Write an object (replacing it whole: written aside, then renamed into place)."""
        path = self.object_path(bucket, key)
        path.parent.mkdir(parents=True, exist_ok=True)
        aside = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        aside.write_bytes(body)
        os.replace(aside, path)


def _described(path: Path, key: str) -> StoredObject:
    import hashlib  # its OpenSSL binding costs 2 ms at start; only a listing needs an ETag

    stat = path.stat()
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return StoredObject(key, stat.st_size, f'"{digest.hexdigest()}"', int(stat.st_mtime))
