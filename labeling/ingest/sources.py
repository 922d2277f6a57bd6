"""Where the inputs are: local files and folders, or fsspec URLs, expanded into files in a deterministic order."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any

from ..errors import InputError
from ..storage import filesystem, is_url


@dataclass(frozen=True)
class Source:
    """One input file: a local path or an fsspec URL, named as the user wrote it."""

    name: str  # shown in every message: "articles/a.txt", "s3://bucket/news.jsonl"
    fs: Any = None  # fsspec filesystem for URLs, None for local paths
    path: str = ""  # the path inside `fs`

    @property
    def suffix(self) -> str:
        return PurePosixPath(self.name).suffix

    @property
    def stem(self) -> str:
        return PurePosixPath(self.name).stem

    def open(self, mode: str = "rb") -> IO[bytes]:
        return self.fs.open(self.path, mode) if self.fs is not None else open(self.name, mode)

    def __str__(self) -> str:
        return self.name


def expand(paths: Iterable[str | Path]) -> Iterator[tuple[Source, str | None]]:
    """(file, id for .txt files) in a deterministic order."""
    for p in paths:
        if is_url(p):
            yield from _expand_url(str(p))
            continue
        p = Path(p)
        if p.is_dir():
            files = sorted(
                (f for f in p.rglob("*") if f.is_file() and not any(part.startswith(".") for part in f.relative_to(p).parts)),
                key=lambda f: f.relative_to(p).as_posix(),
            )
            for f in files:
                yield Source(str(f)), f.relative_to(p).with_suffix("").as_posix()
        elif p.is_file():
            yield Source(str(p)), p.stem
        else:
            raise InputError(str(p), "no such file or directory", "Check the path.")


def _expand_url(url: str) -> Iterator[tuple[Source, str | None]]:
    """The same for an fsspec URL: a file, or a folder read recursively in sorted order."""
    fs, root = filesystem(url)
    try:
        if fs.isdir(root):
            base = root.rstrip("/")
            found = sorted(f for f in fs.find(base) if not any(part.startswith(".") for part in f[len(base) + 1 :].split("/")))
            for f in found:
                rel = PurePosixPath(f[len(base) + 1 :])
                yield Source(f"{url.rstrip('/')}/{rel.as_posix()}", fs, f), rel.with_suffix("").as_posix()
        elif fs.isfile(root):
            yield Source(url, fs, root), PurePosixPath(root).stem
        else:
            raise InputError(url, "no such file or folder", "Check the URL.")
    except OSError as exc:  # the store refused or could not be reached
        raise InputError(url, f"cannot read ({exc})", "Check the URL and the credentials of its filesystem.") from None
