"""Read articles from .txt, .jsonl and .csv files into a stream of Documents.

    docs = read_documents(["data/articles/", "more.jsonl"], summary=summary)

`read_documents` is a generator: one record is read, checked and yielded at a
time, so corpora larger than memory stream through. Only the content hashes
of documents already seen are kept (for de-duplication).

Inputs
- `.txt`: one article per file; id = the file name without suffix. In a
  directory (read recursively, in sorted order, hidden files skipped) the id is
  the path below that directory without suffix ("2024/strike"), so equal
  file names in different folders stay distinct.
- `.jsonl`: one JSON object per line; `text_field` holds the text, `id_field`
  (optional) the id, every other field goes to `Document.meta`. Blank lines
  are ignored.
- `.csv`: the same by column name (header row required).
- An fsspec URL (`s3://bucket/news.jsonl`, `gs://bucket/articles/`,
  `memory://...`) is read the same way, a folder URL recursively; its
  filesystem package (s3fs, gcsfs) must be installed.
- A jsonl/csv record without an id gets `<file stem>-<line>` (line numbers
  from 1): readable, and stable as long as the file is not edited.

Checks: invalid UTF-8 (byte offset), binary data (NUL bytes), malformed JSON,
a missing or non-string text, empty or whitespace-only text, an unknown file
type, a document longer than `max_chars`. Each raises `InputError` naming the
file and line, unless `skip_invalid`: then the record is skipped and listed in
`summary.skipped`. Text is only normalised by `records.normalise`; a leading
UTF-8 byte order mark is dropped. Documents whose normalised text was seen
before are dropped and counted in `summary.duplicates`.

Long documents: with `split_long`, a document over `max_chars` is split at
blank lines (else at line breaks, else at spaces, else hard) into parts of at
most `max_chars`; part k (from 1) gets id `<id>#p<k>` and meta
`parent_id`, `part`, `part_offset` (char offset of the part in the parent).
"""

from __future__ import annotations

import csv
import json
import re
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any

from .errors import InputError
from .records import Document
from .storage import filesystem, is_url

DEFAULT_MAX_CHARS = 100_000
SUFFIXES = (".txt", ".jsonl", ".csv")
SUPPORTED = (
    "Supported inputs: .txt (one article per file), .jsonl (one JSON object per line, text in --text-field), "
    ".csv (a header row; text in the --text-field column), or a directory of .txt files. Convert or rename the file."
)
_SNIFF = 8192  # bytes checked for NUL to call a whole file binary


@dataclass
class Summary:
    """Counts for one run; ingestion, pre-annotation and writing each fill their part."""

    read: int = 0  # records seen, valid or not
    documents: int = 0  # documents yielded (parts of split documents count one each)
    written: int = 0  # tasks written
    duplicates: int = 0
    split: int = 0  # documents split into parts
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file:line, reason)
    spans: Counter = field(default_factory=Counter)  # label -> regions suggested
    chars: int = 0
    started: float = field(default_factory=time.perf_counter)
    finished: float | None = None

    @property
    def elapsed(self) -> float:
        return (self.finished or time.perf_counter()) - self.started

    @property
    def docs_per_second(self) -> float:
        return self.documents / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def chars_per_second(self) -> float:
        return self.chars / self.elapsed if self.elapsed > 0 else 0.0


class _Bad(Exception):
    """One bad record: where and why. Turned into InputError or a skip."""

    def __init__(self, location: str, reason: str, hint: str | None = None):
        self.location, self.reason, self.hint = location, reason, hint


def read_documents(
    paths: Iterable[str | Path],
    *,
    text_field: str = "text",
    id_field: str = "id",
    skip_invalid: bool = False,
    max_chars: int = DEFAULT_MAX_CHARS,
    split_long: bool = False,
    summary: Summary | None = None,
) -> Iterator[Document]:
    """Yield Documents from files and directories (see the module docstring)."""
    summary = summary if summary is not None else Summary()
    paths = list(paths)
    seen: set[bytes] = set()
    found = 0
    for path in _expand(paths):
        for item in _records(path[0], path[1], text_field, id_field):
            summary.read += 1
            found += 1
            try:
                if isinstance(item, _Bad):
                    raise item
                doc = item
                if len(doc.text) > max_chars and not split_long:
                    raise _Bad(doc.origin, f"document {doc.id!r} has {len(doc.text)} characters, over the limit of {max_chars}")
            except _Bad as bad:
                if not skip_invalid:
                    hint = bad.hint or ("Pass --split-long or raise --max-chars." if "over the limit" in bad.reason else None)
                    raise InputError(bad.location, bad.reason, hint) from None
                summary.skipped.append((bad.location, bad.reason))
                continue
            key = bytes.fromhex(doc.hash[:32])
            if key in seen:
                summary.duplicates += 1
                continue
            seen.add(key)
            parts = split_document(doc, max_chars) if len(doc.text) > max_chars else [doc]
            summary.split += len(parts) > 1
            for part in parts:
                summary.documents += 1
                summary.chars += len(part.text)
                yield part
    if not found:
        # Raised at the end of the stream, so a writer consuming it discards its temporary output.
        where = ", ".join(map(str, paths)) or "(no input given)"
        raise InputError(where, "no documents found (empty folder, empty file, or no .txt/.jsonl/.csv files)", "Check the path or pattern.")


@dataclass(frozen=True)
class _Source:
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


def _expand(paths: Iterable[str | Path]) -> Iterator[tuple[_Source, str | None]]:
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
                yield _Source(str(f)), f.relative_to(p).with_suffix("").as_posix()
        elif p.is_file():
            yield _Source(str(p)), p.stem
        else:
            raise InputError(str(p), "no such file or directory", "Check the path.")


def _expand_url(url: str) -> Iterator[tuple[_Source, str | None]]:
    """The same for an fsspec URL: a file, or a folder read recursively in sorted order."""
    fs, root = filesystem(url)
    try:
        if fs.isdir(root):
            base = root.rstrip("/")
            found = sorted(f for f in fs.find(base) if not any(part.startswith(".") for part in f[len(base) + 1 :].split("/")))
            for f in found:
                rel = PurePosixPath(f[len(base) + 1 :])
                yield _Source(f"{url.rstrip('/')}/{rel.as_posix()}", fs, f), rel.with_suffix("").as_posix()
        elif fs.isfile(root):
            yield _Source(url, fs, root), PurePosixPath(root).stem
        else:
            raise InputError(url, "no such file or folder", "Check the URL.")
    except OSError as exc:  # the store refused or could not be reached
        raise InputError(url, f"cannot read ({exc})", "Check the URL and the credentials of its filesystem.") from None


def _records(path: _Source, txt_id: str | None, text_field: str, id_field: str) -> Iterator[Document | _Bad]:
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        yield _Bad(str(path), f"unknown file type {path.suffix or '(none)'!r}; expected one of {', '.join(SUFFIXES)}", SUPPORTED)
        return
    try:
        fh = path.open("rb")
    except OSError as exc:  # unreadable (permissions), or a store that refused: one clear message, like any bad input
        yield _Bad(str(path), f"cannot read ({exc.strerror or exc})")
        return
    with fh:
        if b"\0" in fh.read(_SNIFF):
            yield _Bad(str(path), "binary file (NUL bytes), not text")
            return
        fh.seek(0)
        if suffix == ".txt":
            raw = fh.read()
            try:
                text = _decode(raw, str(path), 0)
                yield _make(txt_id or path.stem, text, {}, str(path))
            except _Bad as bad:
                yield bad
        elif suffix == ".jsonl":
            yield from _jsonl(fh, path, text_field, id_field)
        else:
            yield from _csv(fh, path, text_field, id_field)


def _decode(raw: bytes, location: str, offset: int) -> str:
    if b"\0" in raw:
        nul = offset + raw.index(b"\0")
        raise _Bad(location, f"binary data (NUL byte) at byte offset {nul}")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _Bad(location, f"invalid UTF-8 at byte offset {offset + exc.start}") from None
    return text[1:] if offset == 0 and text.startswith("\ufeff") else text


def _make(doc_id: str, text: Any, meta: dict[str, Any], origin: str, field_name: str = "text") -> Document:
    if text is None:
        raise _Bad(origin, f"missing text field {field_name!r}")
    if not isinstance(text, str):
        raise _Bad(origin, f"text field {field_name!r} is {type(text).__name__}, not a string")
    if not text.strip():
        raise _Bad(origin, "empty text")
    return Document.make(doc_id, text, meta, origin)


def _record(row: dict[str, Any], path: _Source, line: int, text_field: str, id_field: str) -> Document:
    origin = f"{path}:{line}"
    raw_id = row.get(id_field)
    if raw_id in (None, ""):
        doc_id = f"{path.stem}-{line}"
    elif isinstance(raw_id, (str, int)) and not isinstance(raw_id, bool):
        doc_id = str(raw_id)
    else:
        raise _Bad(origin, f"id field {id_field!r} is {type(raw_id).__name__}, not a string or integer")
    meta = {k: v for k, v in row.items() if k not in (text_field, id_field)}
    return _make(doc_id, row.get(text_field), meta, origin, text_field)


def _jsonl(fh, path: _Source, text_field: str, id_field: str) -> Iterator[Document | _Bad]:
    offset = 0
    for line_no, raw in enumerate(fh, 1):
        location = f"{path}:{line_no}"
        line_offset, offset = offset, offset + len(raw)
        try:
            line = _decode(raw, location, line_offset)
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise _Bad(location, f"malformed JSON: {exc.msg} (column {exc.colno})") from None
            if not isinstance(row, dict):
                raise _Bad(location, f"expected a JSON object, got {type(row).__name__}")
            yield _record(row, path, line_no, text_field, id_field)
        except _Bad as bad:
            yield bad


def _csv(fh, path: _Source, text_field: str, id_field: str) -> Iterator[Document | _Bad]:
    # Decode line by line so a bad byte names its offset; csv gets only good lines.
    bad_lines: list[_Bad] = []

    def lines() -> Iterator[str]:
        offset = 0
        for line_no, raw in enumerate(fh, 1):
            try:
                yield _decode(raw, f"{path}:{line_no}", offset)
            except _Bad as bad:
                bad_lines.append(bad)
                yield "\n"  # keeps csv's line count in step with the file
            offset += len(raw)

    # Articles can exceed csv's default 128 KiB field limit; the length check is ours.
    csv.field_size_limit(2**31 - 1)
    reader = csv.DictReader(lines())
    try:
        if reader.fieldnames is None or text_field not in reader.fieldnames:
            yield _Bad(f"{path}:1", f"no column {text_field!r} in the header {reader.fieldnames or []}")
            return
        last = reader.line_num
        for row in reader:
            start, last = last + 1, reader.line_num
            if bad_lines:
                yield from bad_lines
                bad_lines.clear()
                continue
            if None in row:
                yield _Bad(f"{path}:{start}", "more fields than the header")
                continue
            try:
                yield _record(row, path, start, text_field, id_field)
            except _Bad as bad:
                yield bad
    except csv.Error as exc:
        yield _Bad(f"{path}:{reader.line_num}", f"malformed CSV: {exc}")
    yield from bad_lines


def split_document(doc: Document, max_chars: int) -> list[Document]:
    """Parts of at most max_chars, cut at the coarsest boundary that fits."""
    pieces = list(_pieces(doc.text, 0, len(doc.text), max_chars, 0))
    return [
        Document.make(
            f"{doc.id}#p{k}",
            doc.text[s:e],
            {**doc.meta, "parent_id": doc.id, "part": k, "part_offset": s},
            doc.origin,
        )
        for k, (s, e) in enumerate(pieces, 1)
    ]


_BOUNDARIES = (re.compile(r"\n[ \t]*\n\s*"), re.compile(r"\n\s*"), re.compile(r"\s+"))


def _pieces(text: str, start: int, end: int, limit: int, level: int) -> Iterator[tuple[int, int]]:
    """Greedy packing of the units between boundaries of one level; oversize units go a level finer."""
    if level == len(_BOUNDARIES):
        for s in range(start, end, limit):  # no boundary at all: hard cut
            yield s, min(s + limit, end)
        return
    units, pos = [], start
    for m in _BOUNDARIES[level].finditer(text, start, end):
        if m.start() > pos:
            units.append((pos, m.start()))
        pos = m.end()
    if pos < end:
        units.append((pos, end))
    cur: tuple[int, int] | None = None
    for s, e in units:
        if e - s > limit:
            if cur:
                yield cur
                cur = None
            yield from _pieces(text, s, e, limit, level + 1)
        elif cur and e - cur[0] <= limit:
            cur = (cur[0], e)
        else:
            if cur:
                yield cur
            cur = (s, e)
    if cur:
        yield cur
