"""Where input and output files live: local paths, or fsspec URLs for storage the Dask workers share.

    with atomic_write("s3://bucket/tasks.jsonl") as fh:   # or a plain path
        fh.write(...)

A target is a local path unless it holds `://` (`s3://`, `gs://`, `abfs://`,
`memory://`, `file://`, ...): fsspec's URL syntax, with the filesystem package
for the protocol installed (s3fs, gcsfs, adlfs). Local paths keep the exact
local behaviour (exclusive create, fsync, rename); URLs go through fsspec.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from .errors import LabelingError

Target = str | Path


def is_url(target: Target) -> bool:
    return isinstance(target, str) and "://" in target


def filesystem(url: str) -> tuple[Any, str]:
    """(fsspec filesystem, path inside it) for a URL; a clear error when the protocol's package is missing."""
    # here, not at the top: only URLs need fsspec, and every command imports this module
    import fsspec

    try:
        return fsspec.core.url_to_fs(url)
    except (ImportError, ValueError) as exc:  # unknown protocol, or its implementation (s3fs, gcsfs) is not installed
        raise LabelingError(
            f"{url}: cannot open this URL ({exc})", "Install the fsspec filesystem for its protocol (s3fs, gcsfs, adlfs) or use a local path."
        ) from None


def join(base: Target, name: str) -> Target:
    """`name` inside the directory `base`, of the same kind (path or URL)."""
    return f"{str(base).rstrip('/')}/{name}" if is_url(base) else Path(base) / name


def parent(target: Target) -> Target:
    if is_url(target):
        url = str(target).rstrip("/")
        return url.rsplit("/", 1)[0]
    return Path(target).parent


def basename(target: Target) -> str:
    return str(target).rstrip("/").rsplit("/", 1)[-1] if is_url(target) else Path(target).name


def check_output_dir(target: Target) -> None:
    """A local output's folder must exist (object stores have no folders to check)."""
    if not is_url(target) and not Path(target).parent.is_dir():
        raise LabelingError(f"{Path(target).parent}: output directory does not exist", "Create it or choose another -o path.")


def open_read(target: Target) -> IO[bytes]:
    """Open for reading bytes; FileNotFoundError when it is not there."""
    if not is_url(target):
        return open(target, "rb")
    fs, path = filesystem(str(target))
    return fs.open(path, "rb")


def exists(target: Target) -> bool:
    if not is_url(target):
        return Path(target).exists()
    fs, path = filesystem(str(target))
    return fs.exists(path)


def is_file(target: Target) -> bool:
    if not is_url(target):
        return Path(target).is_file()
    fs, path = filesystem(str(target))
    return fs.isfile(path)


def read_bytes(target: Target) -> bytes:
    with open_read(target) as fh:
        return fh.read()


def write_bytes(target: Target, data: bytes) -> None:
    """Write in place (not atomic): for files whose content is checked before it is trusted."""
    if not is_url(target):
        Path(target).write_bytes(data)
        return
    fs, path = filesystem(str(target))
    fs.pipe_file(path, data)


def remove(target: Target, *, recursive: bool = False) -> None:
    """Remove a file (or, with `recursive`, a folder); nothing there is fine."""
    if not is_url(target):
        p = Path(target)
        if recursive and p.is_dir():
            shutil.rmtree(p)
        else:
            p.unlink(missing_ok=True)
        return
    fs, path = filesystem(str(target))
    if fs.exists(path):
        fs.rm(path, recursive=recursive)


def make_dirs(target: Target) -> None:
    if not is_url(target):
        Path(target).mkdir(exist_ok=True)
        return
    fs, path = filesystem(str(target))
    fs.makedirs(path, exist_ok=True)


def list_names(folder: Target) -> list[str]:
    """Names of the files directly inside `folder` (empty when it does not exist)."""
    if not is_url(folder):
        p = Path(folder)
        return sorted(f.name for f in p.iterdir()) if p.is_dir() else []
    fs, path = filesystem(str(folder))
    if not fs.exists(path):
        return []
    return sorted(basename(str(f)) for f in fs.ls(path, detail=False))


@contextmanager
def atomic_write(target: Target, *, binary: bool = False) -> Iterator[IO[Any]]:
    """Write `target` all or nothing: a temporary file beside it, moved over it when the block ends without error.

    On any error the temporary file is removed and an existing `target` is left untouched.
    Text is UTF-8 with "\\n" line ends.
    """
    tmp = join(parent(target), f".{basename(target)}.{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp")
    text: dict[str, Any] = {} if binary else {"encoding": "utf-8", "newline": "\n"}
    mode = "wb" if binary else "w"
    if not is_url(target):
        try:
            with open(tmp, mode.replace("w", "x"), **text) as fh:
                yield fh
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return
    fs, path = filesystem(str(target))
    _, tmp_path = filesystem(str(tmp))
    try:
        with fs.open(tmp_path, mode, **text) as fh:
            yield fh
        fs.mv(tmp_path, path)
    except BaseException:
        if fs.exists(tmp_path):
            fs.rm(tmp_path)
        raise
